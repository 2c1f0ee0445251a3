import { loadConfig } from '../config';
import { IdentityError } from '../domain/errors';
import type { StoredPassword } from '../domain/user';
import { assertValid, checkEmail, checkPassword, checkUsername } from '../domain/validation';
import { createLogger } from '../logger';
import { createConfiguredHasher } from '../passwords/configured-hasher';
import { formatSpecProblem, resolveFormatSpec } from '../passwords/known-format-spec';
import { loadSchemaProfile } from '../store/load-schema-profile';
import { openRepository } from '../store/open-repository';
import { passwordAsStored, passwordStorageProblem } from '../store/password-storage';
import { parseCommandArgs, UsageError } from './command-args';
import { type CommandIO, EXIT, passwordFromStdin, reportIdentityError } from './command-io';

/**
 * `legacy-identity users add --email E [--username U] (--password-stdin | (--password-hash HASH |
 * --password-hash-stdin) [--password-salt S] [--password-format F])`. A password comes only from stdin;
 * an imported hash comes from stdin too with `--password-hash-stdin` (argv is visible to every local
 * user in `ps`; a clear Membership "hash" is the password itself), and must be in a format the service
 * can verify, so the user can log in with it. F is a format spec
 * (`salted-sha256;salt_position=suffix;encoding=utf16le`); a salt or format the schema profile cannot
 * keep (no salt column, no format mapping that reads it back as given) is refused (exit 2), never dropped.
 */
const USAGE =
  'users add --email E [--username U] (--password-stdin | (--password-hash HASH | --password-hash-stdin) [--password-salt S] [--password-format F])';

const parseUsersAddArgs = (args: readonly string[]) =>
  parseCommandArgs(args, {
    email: { type: 'string' },
    username: { type: 'string' },
    'email-verified': { type: 'boolean', default: false },
    'password-stdin': { type: 'boolean', default: false },
    'password-hash': { type: 'string' },
    'password-hash-stdin': { type: 'boolean', default: false },
    'password-salt': { type: 'string' },
    'password-format': { type: 'string' },
  });

export async function usersAddCommand(args: readonly string[], io: CommandIO): Promise<number> {
  let values: ReturnType<typeof parseUsersAddArgs>['values'];
  try {
    values = parseUsersAddArgs(args).values;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\nusage: ${USAGE}`);
    return EXIT.usage;
  }
  const email = values.email;
  const saltOrFormat = values['password-salt'] !== undefined || values['password-format'] !== undefined;
  const sources = [values['password-stdin'], values['password-hash'] !== undefined, values['password-hash-stdin']];
  if (email === undefined || sources.filter(Boolean).length !== 1 || (values['password-stdin'] && saltOrFormat)) {
    io.err(`usage: ${USAGE}`);
    return EXIT.usage;
  }
  const config = loadConfig({ ...io.env, HTTP_ADDR: 'off' });
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  const hasher = createConfiguredHasher({
    cost: config.scrypt,
    membershipMachineKey: config.membershipMachineKey,
    logger,
  });

  try {
    assertValid(
      checkEmail('email', email),
      values.username === undefined ? null : checkUsername('username', values.username),
    );
    const profile = loadSchemaProfile(config.schemaProfile, config.profileSettings);
    let password: StoredPassword;
    if (values['password-stdin']) {
      const plain = passwordFromStdin(await io.readStdin());
      assertValid(checkPassword('password', plain));
      password = await hasher.hash(plain);
    } else {
      const hash = values['password-hash-stdin'] ? passwordFromStdin(await io.readStdin()) : values['password-hash'];
      if (!hash) {
        io.err('the password hash is empty');
        return EXIT.usage;
      }
      password = {
        hash,
        salt: values['password-salt'],
        format: values['password-format'],
      };
      const formatProblem =
        password.format === undefined ? undefined : formatSpecProblem(password.format, hasher.formats);
      if (formatProblem) {
        io.err(`--password-format: ${formatProblem}`);
        return EXIT.usage;
      }
      // The profile must keep the salt and format, or the user could never log in with this hash.
      const storageProblem = passwordStorageProblem(profile, password, hasher.formats);
      if (storageProblem) {
        io.err(`--password-salt/--password-format: ${storageProblem}`);
        return EXIT.usage;
      }
      if (!resolveFormatSpec(passwordAsStored(profile, password), hasher.formats)) {
        io.err(
          'the password hash is in no supported format (give --password-format, and --password-salt where the format has one)',
        );
        return EXIT.usage;
      }
    }
    const repository = await openRepository(config.store, { profile, logger });
    try {
      const user = await repository.insert({
        email,
        username: values.username,
        password,
        emailVerified: values['email-verified'] === true,
      });
      io.out(JSON.stringify({ user_id: user.userId, email: user.email, username: user.username ?? null }));
      return EXIT.ok;
    } finally {
      await repository.close();
    }
  } catch (error) {
    if (error instanceof IdentityError) return reportIdentityError(io, error);
    throw error;
  }
}
