import { DEFAULT_PROFILE_SETTINGS, type ProfileSettings } from '../config';
import { formatSpecProblem } from '../passwords/known-format-spec';
import { membershipFormatName } from '../passwords/membership-format-name';
import { ASPNET_IDENTITY_PROFILE } from './profiles/aspnet-identity-profile';
import { ASPNET_MEMBERSHIP_TABLES, MEMBERSHIP_PASSWORD_FORMAT } from './profiles/aspnet-membership-profile';
import { DEFAULT_PROFILE } from './profiles/default-profile';
import { loadJsonProfile } from './profiles/json-profile';
import type { MembershipProfile, SchemaProfile } from './schema-profile';
import { assertValidProfile } from './sql-identifier';

export const BUILT_IN_PROFILE_NAMES = ['default', 'aspnet-identity', 'aspnet-membership'] as const;

/**
 * The profile named by SCHEMA_PROFILE, validated: a built-in name, or a path ending in `.json` to a
 * custom profile (json-profile.ts). Throws an Error naming the value (and, for a JSON file, the
 * offending JSON path) when it is unknown or invalid. `settings` only matter to aspnet-membership;
 * the defaults are Membership's own (fine for db init, whose DDL does not depend on them).
 */
export function loadSchemaProfile(
  nameOrPath: string,
  settings: ProfileSettings = DEFAULT_PROFILE_SETTINGS,
): SchemaProfile {
  const profile = builtIn(nameOrPath, settings) ?? (nameOrPath.endsWith('.json') ? loadJsonProfile(nameOrPath) : null);
  if (!profile) {
    throw new Error(
      `unknown schema profile "${nameOrPath}": expected ${BUILT_IN_PROFILE_NAMES.join(', ')}, or a path to a .json profile`,
    );
  }
  assertValidProfile(profile);
  assertKnownPasswordFormat(profile);
  return profile;
}

/** A users-table profile's fixed password format must be one the service verifies (known-format-spec.ts). */
function assertKnownPasswordFormat(profile: SchemaProfile): void {
  if (profile.kind !== 'users-table' || profile.passwordFormat?.kind !== 'fixed') return;
  const problem = formatSpecProblem(profile.passwordFormat.spec);
  if (problem) throw new Error(`schema profile ${profile.name}: passwordFormat.fixed: ${problem}`);
}

function builtIn(name: string, settings: ProfileSettings): SchemaProfile | null {
  switch (name) {
    case 'default':
      return DEFAULT_PROFILE;
    case 'aspnet-identity':
      return ASPNET_IDENTITY_PROFILE;
    case 'aspnet-membership':
      return membershipProfile(settings);
    default:
      return null;
  }
}

/** The Membership profile for one application and hash algorithm. */
export function membershipProfile(settings: ProfileSettings): MembershipProfile {
  const format = (code: number) => {
    const name = membershipFormatName(code, settings.membershipHashAlgorithm);
    if (!name) {
      throw new Error(`MEMBERSHIP_HASH_ALGORITHM: unsupported algorithm "${settings.membershipHashAlgorithm}"`);
    }
    return name;
  };
  return {
    ...ASPNET_MEMBERSHIP_TABLES,
    applicationName: settings.applicationName,
    passwordFormats: {
      clear: format(MEMBERSHIP_PASSWORD_FORMAT.clear),
      hashed: format(MEMBERSHIP_PASSWORD_FORMAT.hashed),
      encrypted: format(MEMBERSHIP_PASSWORD_FORMAT.encrypted),
    },
  };
}
