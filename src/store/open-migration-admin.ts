import type { StoreConfig } from '../config';
import type { DomainLogger } from '../domain/deps';
import { loadSchemaProfile } from './load-schema-profile';
import type { MigrationAdmin } from './migration-admin';
import { openMssqlMigrationAdmin } from './mssql/mssql-migration-admin';
import type { SchemaProfile } from './schema-profile';
import { openSqliteMigrationAdmin } from './sqlite/sqlite-migration-admin';

export interface OpenMigrationAdminOptions {
  /** A loaded profile, or a SCHEMA_PROFILE value to load with loadSchemaProfile. */
  readonly profile: SchemaProfile | string;
  /** Where the mssql pool reports an unreachable server or a refused login. */
  readonly logger: DomainLogger;
}

/**
 * The MigrationAdmin for `config.store`, for the operator commands. SQLite: the file must exist
 * (IdentityError `unavailable` otherwise). mssql: connects and checks the tables (IdentityError
 * `unavailable` naming the server, never the password). Either raises an Error when the tables do not
 * match the profile.
 */
export async function openMigrationAdmin(
  store: StoreConfig,
  options: OpenMigrationAdminOptions,
): Promise<MigrationAdmin> {
  const profile = typeof options.profile === 'string' ? loadSchemaProfile(options.profile) : options.profile;
  const kind = store.kind;
  switch (kind) {
    case 'sqlite':
      return openSqliteMigrationAdmin(store.path, { profile });
    case 'mssql':
      return openMssqlMigrationAdmin(store, { profile, logger: options.logger });
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown store kind ${String(unreachable)}`);
    }
  }
}
