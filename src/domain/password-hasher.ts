import type { StoredPassword } from './user';

/** The outcome of checking a password against a stored one. */
export interface VerifyResult {
  readonly match: boolean;
  /** The detected format name (`scrypt`, `bcrypt`, `aspnet-identity-v3`, …) or `unknown`. */
  readonly format: string;
  /** True when the stored hash is weaker than what `hash` would produce now (rehash on login). */
  readonly needsRehash: boolean;
}

/**
 * Hashing and verification of passwords. Slow work runs off the event loop behind one bounded queue:
 * when the queue is full these methods raise `resource_exhausted` at once instead of waiting.
 * A malformed or unsupported stored hash is a non-match (with a warning log), never an exception.
 */
export interface PasswordHasher {
  /** A new hash at the current cost. */
  hash(password: string): Promise<StoredPassword>;
  /** Checks `password` against `stored` in constant time with respect to the secret. */
  verify(password: string, stored: StoredPassword): Promise<VerifyResult>;
  /**
   * Burns one verification at the current cost and returns nothing, so that an unknown user costs
   * what a wrong password costs.
   */
  dummyVerify(password: string): Promise<void>;
}
