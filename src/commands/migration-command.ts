import { type Config, ConfigError, loadConfig } from '../config';
import { type Clock, systemClock } from '../domain/clock';
import { IdentityError } from '../domain/errors';
import { createLogger, type Logger } from '../logger';
import { loadSchemaProfile } from '../store/load-schema-profile';
import type { MigrationAdmin } from '../store/migration-admin';
import { openMigrationAdmin } from '../store/open-migration-admin';
import type { SchemaProfile } from '../store/schema-profile';
import { UsageError } from './command-args';
import { reportConfigError } from './command-config';
import { type CommandIO, EXIT, reportIdentityError } from './command-io';

/** What the migration commands take besides argv and IO; tests pass a clock. */
export interface MigrationCommandDeps {
  readonly clock?: Clock;
}

/** What a migration command works with once its arguments are read. */
export interface MigrationCommandContext {
  readonly config: Config;
  /** SCHEMA_PROFILE, loaded with its settings (APPLICATION_NAME, MEMBERSHIP_HASH_ALGORITHM). */
  readonly profile: SchemaProfile;
  /** Warnings to stderr (an unreachable server, unreadable rows); stdout carries the command's JSON. */
  readonly logger: Logger;
  readonly admin: MigrationAdmin;
  readonly clock: Clock;
}

/**
 * Runs one operator command: `parse` reads the arguments first (a mistake never touches the store),
 * then the configuration is loaded (the bridge is not needed, so HTTP_ADDR is off), the
 * MigrationAdmin opened, `work` run and the store closed. Failures become one line on stderr and an
 * exit code: usage and invalid arguments 2, everything else (store unavailable, schema mismatch) 1.
 */
export async function runMigrationCommand<A>(
  io: CommandIO,
  usage: string,
  deps: MigrationCommandDeps,
  parse: () => A,
  work: (context: MigrationCommandContext, args: A) => Promise<number>,
): Promise<number> {
  try {
    const args = parse();
    const config = loadConfig({ ...io.env, HTTP_ADDR: 'off' });
    const logger = createLogger({ level: 'warn', destination: process.stderr });
    const profile = loadSchemaProfile(config.schemaProfile, config.profileSettings);
    const admin = await openMigrationAdmin(config.store, { profile, logger });
    try {
      return await work({ config, profile, logger, admin, clock: deps.clock ?? systemClock }, args);
    } finally {
      await admin.close();
    }
  } catch (error) {
    return reportFailure(io, usage, error);
  }
}

/** The one place the migration commands turn a failure into stderr and an exit code. */
export function reportFailure(io: CommandIO, usage: string, error: unknown): number {
  if (error instanceof UsageError) {
    io.err(`${error.message}\n${usage}`);
    return EXIT.usage;
  }
  if (error instanceof ConfigError) return reportConfigError(io, error);
  if (error instanceof IdentityError) return reportIdentityError(io, error);
  io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.failure;
}
