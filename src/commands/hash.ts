import { loadConfig } from '../config';
import { checkPassword } from '../domain/validation';
import { createLogger } from '../logger';
import { createConfiguredHasher } from '../passwords/configured-hasher';
import { type CommandIO, EXIT, passwordFromStdin } from './command-io';
import { runHashVerify } from './hash-verify';

/** `legacy-identity hash`: reads a password on stdin, prints a new scrypt hash at the configured cost. */
export async function hashCommand(io: CommandIO): Promise<number> {
  const config = loadConfig({ ...io.env, HTTP_ADDR: 'off' });
  const password = passwordFromStdin(await io.readStdin());
  const problem = checkPassword('password', password);
  if (problem) {
    io.err(`password ${problem.description}`);
    return EXIT.usage;
  }
  const hasher = createConfiguredHasher({
    cost: config.scrypt,
    logger: createLogger({ level: 'warn', destination: process.stderr }),
  });
  io.out((await hasher.hash(password)).hash);
  return EXIT.ok;
}

/**
 * `legacy-identity hash verify`: reads one JSON object on stdin and tells whether the password
 * matches the stored hash, and in which format (exit 0 match, 1 mismatch, 2 unusable input).
 */
export async function hashVerifyCommand(io: CommandIO): Promise<number> {
  const config = loadConfig({ ...io.env, HTTP_ADDR: 'off' });
  const hasher = createConfiguredHasher({
    cost: config.scrypt,
    // The service's ceiling, so a row this command verifies is one the service verifies.
    maxMemoryBytes: config.kdf.maxMemoryBytes,
    membershipMachineKey: config.membershipMachineKey,
    logger: createLogger({ level: 'warn', destination: process.stderr }),
  });
  const outcome = await runHashVerify(await io.readStdin(), hasher);
  io.out(outcome.output);
  return outcome.exitCode;
}
