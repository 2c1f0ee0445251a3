import type { ScryptCost } from '../config';
import type { DomainLogger } from '../domain/deps';
import { IdentityError } from '../domain/errors';
import type { PasswordHasher, VerifyResult } from '../domain/password-hasher';
import type { StoredPassword } from '../domain/user';
import type { KdfLimiter } from './kdf-limiter';
import { MalformedHashError, type PasswordFormat } from './password-format';
import { isBelowCost, readScryptParams, scryptFormat, scryptHash } from './scrypt';

export interface PasswordHasherOptions {
  readonly cost: ScryptCost;
  readonly kdf: KdfLimiter;
  readonly logger: DomainLogger;
  /** Formats tried in order after scrypt; the first whose `detect` accepts the stored value verifies it. */
  readonly legacyFormats?: readonly PasswordFormat[];
}

/**
 * New hashes are scrypt-kdf at the configured cost; stored hashes are verified by whichever format
 * recognises them. A malformed or unknown stored value is a non-match with a warning that names the
 * problem (never the hash or the password).
 */
export function createPasswordHasher(
  options: PasswordHasherOptions,
): PasswordHasher & { readonly formats: readonly PasswordFormat[] } {
  const formats = [scryptFormat, ...(options.legacyFormats ?? [])];
  let dummy: Promise<StoredPassword> | undefined;

  const hash = async (password: string): Promise<StoredPassword> => ({
    hash: await scryptHash(password, options.cost, options.kdf),
    format: 'scrypt',
  });

  const verify = async (password: string, stored: StoredPassword): Promise<VerifyResult> => {
    const format = formats.find((f) => f.detect(stored));
    if (!format) {
      options.logger.warn(
        { event: 'password_format_unknown' },
        'stored password is in no supported format; treated as a non-match',
      );
      return { match: false, format: 'unknown', needsRehash: false };
    }
    try {
      const match = await format.verify(password, stored, options.kdf);
      const needsRehash =
        match && (format !== scryptFormat || isBelowCost(readScryptParams(stored.hash), options.cost));
      return { match, format: format.name, needsRehash };
    } catch (error) {
      if (error instanceof IdentityError) throw error; // overload and the like are not a wrong password
      const problem = error instanceof MalformedHashError ? error.problem : 'verification failed';
      options.logger.warn(
        { event: 'password_hash_malformed', format: format.name, problem },
        'stored password hash is unusable; treated as a non-match',
      );
      return { match: false, format: format.name, needsRehash: false };
    }
  };

  return {
    formats,
    hash,
    verify,
    async dummyVerify(password: string): Promise<void> {
      // One hash at the current cost, made on first use and then verified against, so an unknown
      // user pays exactly what a wrong password for a current-cost user pays.
      dummy ??= hash('legacy-identity-adapter dummy password');
      const stored = await dummy.catch((error: unknown) => {
        dummy = undefined;
        throw error;
      });
      await verify(password, stored);
    },
  };
}
