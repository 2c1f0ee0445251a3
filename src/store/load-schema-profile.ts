import { DEFAULT_PROFILE } from './profiles/default-profile';
import type { SchemaProfile } from './schema-profile';
import { assertValidProfile } from './sql-identifier';

/** The profiles built in, by their SCHEMA_PROFILE name. */
const BUILT_IN: Readonly<Record<string, SchemaProfile>> = { default: DEFAULT_PROFILE };

/** Profiles the configuration accepts but this version cannot map yet. */
const PLANNED = ['aspnet-identity', 'aspnet-membership'];

/**
 * The profile named by SCHEMA_PROFILE, validated. Throws an Error naming the value when it is
 * unknown or not yet supported (a JSON profile path is accepted by the configuration but is not
 * supported yet).
 */
export function loadSchemaProfile(nameOrPath: string): SchemaProfile {
  const profile = BUILT_IN[nameOrPath];
  if (profile) {
    assertValidProfile(profile);
    return profile;
  }
  if (PLANNED.includes(nameOrPath)) {
    throw new Error(`schema profile ${nameOrPath} is not yet supported (only default)`);
  }
  if (nameOrPath.endsWith('.json')) {
    throw new Error(`custom JSON schema profiles (${nameOrPath}) are not yet supported (only default)`);
  }
  throw new Error(
    `unknown schema profile "${nameOrPath}": expected default, aspnet-identity, aspnet-membership, or a .json file`,
  );
}
