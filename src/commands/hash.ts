import { loadConfig } from '../config';
import { checkPassword } from '../domain/validation';
import { createLogger } from '../logger';
import { KdfLimiter } from '../passwords/kdf-limiter';
import { createPasswordHasher } from '../passwords/password-hasher';
import { type CommandIO, EXIT, passwordFromStdin } from './command-io';

/** `legacy-identity hash`: reads a password on stdin, prints a new scrypt hash at the configured cost. */
export async function hashCommand(io: CommandIO): Promise<number> {
  const config = loadConfig({ ...io.env, HTTP_ADDR: 'off' });
  const password = passwordFromStdin(await io.readStdin());
  const problem = checkPassword('password', password);
  if (problem) {
    io.err(`password ${problem.description}`);
    return EXIT.usage;
  }
  const hasher = createPasswordHasher({
    cost: config.scrypt,
    kdf: new KdfLimiter({ concurrency: 1, queueLimit: 0 }),
    logger: createLogger({ level: 'warn', destination: process.stderr }),
  });
  io.out((await hasher.hash(password)).hash);
  return EXIT.ok;
}
