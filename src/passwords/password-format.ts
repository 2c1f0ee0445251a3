import type { StoredPassword } from '../domain/user';
import type { KdfLimiter } from './kdf-limiter';

/**
 * One stored-hash format. `detect` must be cheap and never throw; `verify` decodes, checks cost
 * bounds (before any slow work), runs slow work through the limiter and compares decoded bytes in
 * constant time. A value the format claims but cannot use raises MalformedHashError (a non-match for
 * the caller, a warning log); the limiter's `resource_exhausted` passes through unchanged.
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
  verify(password: string, stored: StoredPassword, kdf: KdfLimiter): Promise<boolean>;
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
