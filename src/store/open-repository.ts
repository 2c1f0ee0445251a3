import type { StoreConfig } from '../config';
import type { CallContext } from '../domain/call-context';
import type { Clock } from '../domain/clock';
import type { DomainLogger } from '../domain/deps';
import type { IdentityRepository } from '../domain/identity-repository';
import { loadSchemaProfile } from './load-schema-profile';
import { openMssqlRepository } from './mssql/open-mssql-repository';
import type { SchemaProfile } from './schema-profile';
import { openSqliteRepository } from './sqlite/open-sqlite-repository';

/** A connection pool's counts at one instant (each a number of connections or waiting callers). */
export interface PoolUsage {
  /** Connections lent to a request now. */
  readonly inUse: number;
  /** Open connections waiting in the pool. */
  readonly idle: number;
  /** Requests waiting for a connection (all are in use at the pool maximum, or one is being opened). */
  readonly pending: number;
}

/** The port plus what the command line needs of a store beyond the domain's use cases. */
export interface StoreRepository extends IdentityRepository {
  /** How many users the profile's tables hold. Raises `unavailable`. */
  countUsers(ctx?: CallContext): Promise<number>;
  /** The connection pool's counts, for the pool gauge; absent on stores without a pool (SQLite). Never throws. */
  poolUsage?(): PoolUsage;
}

export interface OpenRepositoryOptions {
  /** A loaded profile, or a SCHEMA_PROFILE value (`config.schemaProfile`) to load with loadSchemaProfile. */
  readonly profile: SchemaProfile | string;
  readonly logger: DomainLogger;
  readonly clock?: Clock;
}

/**
 * The repository for `config.store`. An unknown or unsupported profile name raises an Error naming it. SQLite: the file must have been created by `legacy-identity
 * db init` (raises IdentityError `unavailable` when it is missing or cannot be opened, an Error when
 * its tables do not match the profile). mssql: connects once and checks the tables (IdentityError
 * `unavailable` when the login is refused or the server cannot be reached, an Error when the tables
 * do not match the profile); messages name the server, never the password.
 */
export async function openRepository(store: StoreConfig, options: OpenRepositoryOptions): Promise<StoreRepository> {
  const profile = typeof options.profile === 'string' ? loadSchemaProfile(options.profile) : options.profile;
  const kind = store.kind;
  switch (kind) {
    case 'sqlite':
      return openSqliteRepository(store.path, { ...options, profile });
    case 'mssql':
      return openMssqlRepository(store, { ...options, profile });
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown store kind ${String(unreachable)}`);
    }
  }
}
