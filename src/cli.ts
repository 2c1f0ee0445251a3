#!/usr/bin/env node
import { reportConfigError } from './commands/command-config';
import { type CommandIO, EXIT, processIO } from './commands/command-io';
import { dbInitCommand } from './commands/db-init';
import { demoCommand } from './commands/demo';
import { exportCommand } from './commands/export';
import { hashCommand, hashVerifyCommand } from './commands/hash';
import { migrationStatusCommand } from './commands/migration-status';
import { migrationUnmarkCommand } from './commands/migration-unmark';
import { purgeCommand } from './commands/purge';
import { serveCommand } from './commands/serve';
import { usersAddCommand } from './commands/users-add';
import { ConfigError } from './config';

const USAGE = `usage: legacy-identity <command>
  serve                      run the gRPC server and the bridge (configured by the environment)
  demo                       db init, seed demo users when empty, demo token, serve (make run)
  db init [--create-legacy-schema]
                             create the store's missing tables; never drops or alters anything
  users add --email E [--username U] (--password-stdin | (--password-hash HASH | --password-hash-stdin) [--password-salt S] [--password-format F])
  hash                       read a password on stdin, print a new scrypt hash
  hash verify                read {"password","hash","salt"?,"format"?} on stdin, print {"match","format"}
  migration status           print {"total","migrated","pending","marked_last_24h"}
  migration unmark --user-id ID
                             remove one user's migration mark so they can migrate again
  purge --migrated-before <duration|timestamp> [--archive-table NAME] [--batch-size N] [--dry-run]
                             delete (or archive, then delete) legacy rows of users migrated before the cutoff
  export --format auth0-bulk --out DIR [--mark]
                             write not-yet-migrated users to Auth0 bulk import files (≤ 500 KB each)`;

/** Dispatches argv to one command and resolves to its exit code. */
export async function runCli(argv: readonly string[], io: CommandIO): Promise<number> {
  const [command, sub, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(io);
    case 'demo':
      return demoCommand(io);
    case 'db':
      if (sub === 'init') return dbInitCommand(rest, io);
      break;
    case 'users':
      if (sub === 'add') return usersAddCommand(rest, io);
      break;
    case 'hash':
      if (sub === undefined) return hashCommand(io);
      if (sub === 'verify' && rest.length === 0) return hashVerifyCommand(io);
      break;
    case 'migration':
      if (sub === 'status') return migrationStatusCommand(rest, io);
      if (sub === 'unmark') return migrationUnmarkCommand(rest, io);
      break;
    case 'purge':
      return purgeCommand(argv.slice(1), io);
    case 'export':
      return exportCommand(argv.slice(1), io);
    default:
      break;
  }
  io.err(USAGE);
  return EXIT.usage;
}

if (require.main === module) {
  runCli(process.argv.slice(2), processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // A bad setting in any command is reported the same way: the key named, exit 2.
      if (error instanceof ConfigError) {
        process.exitCode = reportConfigError(processIO(), error);
        return;
      }
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
