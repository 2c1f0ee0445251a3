#!/usr/bin/env node
import { type CommandIO, EXIT, processIO } from './commands/command-io';
import { dbInitCommand } from './commands/db-init';
import { demoCommand } from './commands/demo';
import { hashCommand, hashVerifyCommand } from './commands/hash';
import { serveCommand } from './commands/serve';
import { usersAddCommand } from './commands/users-add';

const USAGE = `usage: legacy-identity <command>
  serve                      run the gRPC server and the bridge (configured by the environment)
  demo                       db init, seed demo users when empty, demo token, serve (make run)
  db init [--create-legacy-schema]
                             create the store's missing tables; never drops or alters anything
  users add --email E [--username U] (--password-stdin | --password-hash HASH [--password-salt S] [--password-format F])
  hash                       read a password on stdin, print a new scrypt hash
  hash verify                read {"password","hash","salt"?,"format"?} on stdin, print {"match","format"}`;

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
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
