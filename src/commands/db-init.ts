import type { StoreConfig } from '../config';
import type { DomainLogger } from '../domain/deps';
import { IdentityError } from '../domain/errors';
import { loadSchemaProfile } from '../store/load-schema-profile';
import { initMssqlStore } from '../store/mssql/init';
import { initSqliteStore } from '../store/sqlite/init';
import { parseCommandArgs, UsageError } from './command-args';
import { loadCommandConfig } from './command-config';
import { type CommandIO, EXIT } from './command-io';

const SILENT_LOGGER: DomainLogger = { warn: () => undefined, info: () => undefined };

/** Creates what the store is missing; shared by `db init` and `demo`. Returns the tables created. */
export async function initStore(
  store: StoreConfig,
  options: { profile: string; createLegacySchema: boolean; logger?: DomainLogger },
): Promise<readonly string[]> {
  const profile = loadSchemaProfile(options.profile);
  switch (store.kind) {
    case 'sqlite':
      // On the embedded store the profile's tables are the store itself, so they are always created.
      return initSqliteStore(store.path, { profile, createLegacyTables: true }).created;
    case 'mssql':
      // Legacy tables on SQL Server belong to the legacy application: only created when asked.
      return (
        await initMssqlStore(store, {
          profile,
          createLegacyTables: options.createLegacySchema,
          logger: options.logger ?? SILENT_LOGGER,
        })
      ).created;
    default: {
      const unreachable: never = store;
      return unreachable;
    }
  }
}

/**
 * `legacy-identity db init [--create-legacy-schema]`: creates the adapter's side table (and on SQLite,
 * or with the flag, the profile's tables) where missing. Never drops or alters anything.
 */
export const DB_INIT_USAGE = 'db init [--create-legacy-schema]';

export async function dbInitCommand(args: readonly string[], io: CommandIO): Promise<number> {
  let values: { 'create-legacy-schema'?: boolean };
  try {
    values = parseCommandArgs(args, { 'create-legacy-schema': { type: 'boolean', default: false } }).values;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\nusage: ${DB_INIT_USAGE}`);
    return EXIT.usage;
  }
  const config = loadCommandConfig(io, { ...io.env, HTTP_ADDR: 'off' });
  if (typeof config === 'number') return config;
  let created: readonly string[];
  try {
    created = await initStore(config.store, {
      profile: config.schemaProfile,
      createLegacySchema: values['create-legacy-schema'] === true,
      logger: SILENT_LOGGER,
    });
  } catch (error) {
    // An unreachable store or a refused login: say why (never the connection string) and fail.
    if (!(error instanceof IdentityError) || error.code !== 'unavailable') throw error;
    io.err(`db init: ${error.message}`);
    return EXIT.failure;
  }
  io.out(JSON.stringify({ created }));
  return EXIT.ok;
}
