import type { PasswordHasher } from '../domain/password-hasher';
import type { Metadata } from '../domain/user';
import type { StoreRepository } from './open-repository';

export interface DemoUser {
  readonly email: string;
  readonly username?: string;
  /** Published on purpose: these accounts exist only in the demo database `make run` creates. */
  readonly password: string;
  readonly emailVerified: boolean;
  readonly userMetadata?: Metadata;
}

/** The demo accounts; the README and `make run` print this list. */
export const DEMO_USERS: readonly DemoUser[] = [
  {
    email: 'alice@example.com',
    username: 'alice',
    password: 'alice-demo-password',
    emailVerified: true,
    userMetadata: { plan: 'gold' },
  },
  { email: 'bob@example.com', username: 'bob', password: 'bob-demo-password', emailVerified: true },
  { email: 'carol@example.com', password: 'carol-demo-password', emailVerified: false },
];

export interface SeedResult {
  /** False when the store already had users and nothing was written. */
  readonly seeded: boolean;
  readonly users: readonly DemoUser[];
}

/**
 * Creates the demo users with fresh hashes, but only in a store with no users at all, so it can
 * never plant known passwords next to real accounts. Raises what the repository and hasher raise.
 */
export async function seedDemoUsers(
  repository: Pick<StoreRepository, 'countUsers' | 'insert'>,
  hasher: Pick<PasswordHasher, 'hash'>,
): Promise<SeedResult> {
  if ((await repository.countUsers()) > 0) return { seeded: false, users: DEMO_USERS };
  for (const demo of DEMO_USERS) {
    await repository.insert({
      email: demo.email,
      username: demo.username,
      password: await hasher.hash(demo.password),
      emailVerified: demo.emailVerified,
      userMetadata: demo.userMetadata,
    });
  }
  return { seeded: true, users: DEMO_USERS };
}
