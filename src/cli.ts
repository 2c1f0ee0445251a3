#!/usr/bin/env node
import { parseCommandArgs, UsageError } from './commands/command-args';
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

/** Each command's usage line(s), in the order `--help` lists them. */
const COMMANDS: ReadonlyArray<readonly [string, string]> = [
  ['serve', 'serve                      run the gRPC server and the bridge (configured by the environment)'],
  ['demo', 'demo                       db init, seed demo users when empty, demo token, serve (make run)'],
  [
    'db init',
    `db init [--create-legacy-schema]
                             create the store's missing tables; never drops or alters anything`,
  ],
  [
    'users add',
    'users add --email E [--username U] (--password-stdin | (--password-hash HASH | --password-hash-stdin) [--password-salt S] [--password-format F])',
  ],
  [
    'hash verify',
    'hash verify                read {"password","hash","salt"?,"format"?} on stdin, print {"match","format"}',
  ],
  ['hash', 'hash                       read a password on stdin, print a new scrypt hash'],
  ['migration status', 'migration status           print {"total","migrated","pending","marked_last_24h"}'],
  [
    'migration unmark',
    `migration unmark --user-id ID
                             remove one user's migration mark so they can migrate again`,
  ],
  [
    'purge',
    `purge --migrated-before <duration|timestamp> [--archive-table NAME] [--batch-size N] [--dry-run]
                             delete (or archive, then delete) legacy rows of users migrated before the cutoff`,
  ],
  [
    'export',
    `export --format auth0-bulk --out DIR [--mark]
                             write not-yet-migrated users to Auth0 bulk import files (≤ 500 KB each)`,
  ],
];

const USAGE = `usage: legacy-identity <command>   (legacy-identity <command> --help for one)
${COMMANDS.map(([, usage]) => `  ${usage}`).join('\n')}`;

/** `--help` / `-h` anywhere: the named command's usage (or all of them) on stdout, exit 0, nothing done. */
function help(argv: readonly string[], io: CommandIO): number {
  const words = argv.filter((a) => !a.startsWith('-')).join(' ');
  const command = [...COMMANDS]
    .sort(([a], [b]) => b.length - a.length)
    .find(([name]) => words === name || words.startsWith(`${name} `));
  if (!command) {
    io.out(USAGE);
    return EXIT.ok;
  }
  io.out(commandUsage(command[1]));
  return EXIT.ok;
}

/** One command's usage: `usage: legacy-identity <synopsis>`, then its description indented. */
function commandUsage(line: string): string {
  const [synopsis, ...description] = line.split(/\s{2,}/);
  return `usage: legacy-identity ${synopsis}${description.length > 0 ? `\n  ${description.join(' ')}` : ''}`;
}

/**
 * For the commands that take no arguments (serve, demo, hash, hash verify): undefined when `args` is
 * empty, else the mistake (never its value) and the command's usage on stderr, and EXIT.usage.
 */
function refuseArguments(name: string, args: readonly string[], io: CommandIO): number | undefined {
  try {
    parseCommandArgs(args, {});
    return undefined;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const line = COMMANDS.find(([n]) => n === name)?.[1] ?? name;
    io.err(`${error.message}\n${commandUsage(line)}`);
    return EXIT.usage;
  }
}

/** Dispatches argv to one command and resolves to its exit code. */
export async function runCli(argv: readonly string[], io: CommandIO): Promise<number> {
  const options = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length);
  if (options.includes('--help') || options.includes('-h')) return help(argv, io);
  const [command, sub, ...rest] = argv;
  switch (command) {
    case 'serve':
      return refuseArguments('serve', argv.slice(1), io) ?? serveCommand(io);
    case 'demo':
      return refuseArguments('demo', argv.slice(1), io) ?? demoCommand(io);
    case 'db':
      if (sub === 'init') return dbInitCommand(rest, io);
      break;
    case 'users':
      if (sub === 'add') return usersAddCommand(rest, io);
      break;
    case 'hash':
      if (sub === 'verify') return refuseArguments('hash verify', rest, io) ?? hashVerifyCommand(io);
      return refuseArguments('hash', argv.slice(1), io) ?? hashCommand(io);
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
