/**
 * Login latency by answer, for the "no user enumeration through timing" property (ARCHITECTURE.md §6,
 * §9): sequential calls, the cases interleaved so drift in machine load hits them alike. A wrong
 * password for a user whose stored hash is cheap (Membership SHA1, bcrypt at a low cost) must take
 * about as long as an unknown user, who pays one dummy scrypt: the hasher checks the cheap hash beside
 * the dummy scrypt.
 */
import { join } from 'node:path';
import { promiseClient } from '../test/support/grpc-call';
import { loadPasswordVectors } from '../test/support/password-vectors';
import { type Stack, startStack } from '../test/support/stack';
import { type Measurement, summarize } from './measure';

/** Runs every case once per round, in order, `rounds` times; one Measurement per case. */
export async function interleavedTiming(
  cases: Readonly<Record<string, () => Promise<unknown>>>,
  rounds: number,
): Promise<Record<string, Measurement>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, op] of Object.entries(cases)) {
      const t0 = performance.now();
      // Refusals are the point here: a rejected call is timed like an accepted one.
      await op().catch(() => undefined);
      samples[name]?.push(performance.now() - t0);
    }
  }
  const timing: Record<string, Measurement> = {};
  for (const [name, list] of Object.entries(samples)) {
    timing[name] = summarize(list, list.reduce((a, b) => a + b, 0) / 1000);
  }
  return timing;
}

/** A login example of test/fixtures/password-vectors.json: the stored value and its right and wrong passwords. */
export function loginExample(format: string) {
  const example = loadPasswordVectors().login_examples.find((e) => e.format === format);
  if (!example) throw new Error(`no login example for ${format} in password-vectors.json`);
  return example;
}

/**
 * Inserts a user whose stored password is `format`'s login example, through the service's repository
 * (as a legacy row would hold it), and returns its email and the example's passwords.
 */
export async function insertLegacyUser(
  stack: Stack,
  format: string,
): Promise<{ email: string; password: string; wrongPassword: string }> {
  const example = loginExample(format);
  const email = `${format}@example.com`;
  await stack.running.repository.insert({ email, password: example.stored, emailVerified: true });
  return { email, password: example.password, wrongPassword: example.wrong_password };
}

/**
 * Unknown user and a Membership SHA1 user's wrong password, on a store whose profile keeps the salt and
 * the format per row (test/fixtures/profiles/salted-column.json); the default profile keeps a hash only.
 */
export async function membershipSha1Timing(options: {
  readonly logN: number;
  readonly kdfConcurrency: number;
  readonly rounds: number;
}): Promise<Record<'unknownUser' | 'membershipSha1WrongPassword' | 'membershipSha1RightPassword', Measurement>> {
  const stack = await startStack({
    env: {
      SCHEMA_PROFILE: join(__dirname, '..', 'test', 'fixtures', 'profiles', 'salted-column.json'),
      SCRYPT_LOG_N: String(options.logN),
      KDF_CONCURRENCY: String(options.kdfConcurrency),
      LOG_LEVEL: 'silent',
      RATE_LIMIT_LOGIN: 'off',
    },
  });
  try {
    const rpc = promiseClient(stack.client);
    const user = await insertLegacyUser(stack, 'membership-sha1');
    // The row must really sign in with its hash, or the wrong-password figure would time something else.
    await rpc.authenticate({ login: user.email, password: user.password });
    const timing = await interleavedTiming(
      {
        unknownUser: () => rpc.authenticate({ login: 'nobody@example.com', password: user.wrongPassword }),
        membershipSha1WrongPassword: () => rpc.authenticate({ login: user.email, password: user.wrongPassword }),
        membershipSha1RightPassword: () => rpc.authenticate({ login: user.email, password: user.password }),
      },
      options.rounds,
    );
    return timing as Record<'unknownUser' | 'membershipSha1WrongPassword' | 'membershipSha1RightPassword', Measurement>;
  } finally {
    await stack.close();
  }
}
