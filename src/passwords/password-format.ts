import type { StoredPassword } from '../domain/user';

/** What a format's `verify` gets to do slow work with, for one call. */
export interface KdfAccess {
  /**
   * Runs slow work in the KDF queue (KdfLimiter.run with the caller's deadline): raises
   * `resource_exhausted` when the queue is full, `deadline_exceeded` when the deadline passes first.
   */
  run<T>(work: () => Promise<T>): Promise<T>;
  /**
   * KDF_MAX_MEMORY: the most bytes one hash may allocate. A stored cost needing more is refused with
   * a MalformedHashError before any work (see kdf-memory.ts), so the memory budget holds against
   * tampered rows.
   */
  readonly maxMemoryBytes: number;
}

/**
 * One stored-hash format. `detect` must be cheap and never throw; `verify` decodes, checks cost
 * bounds and memory (before any slow work), runs slow work through `kdf.run` and compares decoded
 * bytes in constant time. A value the format claims but cannot use raises MalformedHashError (a
 * non-match for the caller, a warning log); the queue's `resource_exhausted` and `deadline_exceeded`
 * pass through unchanged.
 */
export interface PasswordFormat {
  /** The name `hash verify` prints and `StoredPassword.format` selects (`bcrypt`, `membership-sha1`, …). */
  readonly name: string;
  /**
   * Option keys this format reads from a format spec (`salted-sha256;salt_position=suffix`, see
   * format-spec.ts). A spec naming any other key is refused.
   */
  readonly options?: readonly string[];
  /** True when `stored` has this format's shape; used only when `stored.format` names no known format. */
  detect(stored: StoredPassword): boolean;
  verify(password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean>;
}

/**
 * A stored hash this format cannot use: malformed, truncated, with parameters beyond the bounds, or a
 * variant that is refused on purpose (bcrypt `$2x$`, Membership's encrypted passwords).
 */
export class MalformedHashError extends Error {
  override readonly name = 'MalformedHashError';
  /** `problem` is safe to log: it describes the shape, never the hash or the password. */
  constructor(
    readonly format: string,
    readonly problem: string,
  ) {
    super(`${format}: ${problem}`);
  }
}
