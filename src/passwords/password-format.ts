import type { StoredPassword } from '../domain/user';
import type { KdfLimiter } from './kdf-limiter';

/**
 * One stored-hash format. `detect` must be cheap and never throw; `verify` decodes, checks cost
 * bounds, runs slow work through the limiter and compares decoded bytes in constant time. A value the
 * format claims but cannot use raises MalformedHashError (a non-match for the caller, a warning log).
 */
export interface PasswordFormat {
  readonly name: string;
  detect(stored: StoredPassword): boolean;
  verify(password: string, stored: StoredPassword, kdf: KdfLimiter): Promise<boolean>;
}

/** A stored hash this format cannot use: malformed, truncated, or with parameters beyond the bounds. */
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
