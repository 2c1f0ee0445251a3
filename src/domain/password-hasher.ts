import type { CallContext } from './call-context';
import type { StoredPassword } from './user';

/** The outcome of checking a password against a stored one. */
export interface VerifyResult {
  readonly match: boolean;
  /** The detected format name (`scrypt`, `bcrypt`, `aspnet-identity-v3`, …) or `unknown`. */
  readonly format: string;
  /** True when the stored hash is weaker than what `hash` would produce now (rehash on login). */
  readonly needsRehash: boolean;
  /**
   * Set when the stored hash could not be used at all (malformed, or a cost over the bounds): the
   * problem, naming neither the hash nor the password. Such a result never matches.
   */
  readonly unusable?: string;
}

/**
 * Hashing and verification of passwords. Slow work runs off the event loop behind one bounded queue:
 * when the queue is full these methods raise `resource_exhausted` at once instead of waiting, and
 * when `ctx.deadline` passes before the work could start (on arrival or while queued) they raise
 * `deadline_exceeded` without doing it, so a caller that gave up does not take a slot.
 * A malformed or unsupported stored hash, or one whose cost needs more memory than the configured
 * ceiling (KDF_MAX_MEMORY), is a non-match (with a warning log), never an exception.
 */
export interface PasswordHasher {
  /** A new hash at the current cost. Raises `resource_exhausted`, `deadline_exceeded`. */
  hash(password: string, ctx?: CallContext): Promise<StoredPassword>;
  /**
   * Checks `password` against `stored` in constant time with respect to the secret. Raises
   * `resource_exhausted`, `deadline_exceeded`, and `unavailable` when the KDF itself fails; never for
   * a wrong password.
   */
  verify(password: string, stored: StoredPassword, ctx?: CallContext): Promise<VerifyResult>;
  /**
   * Burns one verification at the current cost and returns nothing, so that an unknown user costs
   * what a wrong password costs. Raises what `verify` raises.
   */
  dummyVerify(password: string, ctx?: CallContext): Promise<void>;
}
