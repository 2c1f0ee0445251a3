import type { ScryptCost } from '../config';
import type { DomainLogger } from '../domain/deps';
import { IdentityError } from '../domain/errors';
import type { PasswordHasher, VerifyResult } from '../domain/password-hasher';
import type { StoredPassword } from '../domain/user';
import { parseFormatSpec } from './format-spec';
import type { KdfLimiter } from './kdf-limiter';
import { MalformedHashError, type PasswordFormat } from './password-format';
import { isBelowCost, readScryptParams, scryptFormat, scryptHash } from './scrypt';

/**
 * The format `stored.format` names, when it names a known one (a schema profile's decision, e.g.
 * `membership-hmacsha256` where the shape is ambiguous); otherwise the first whose shape matches, so
 * a schema's own codes or a missing format fall back to detection.
 */
function selectFormat(formats: readonly PasswordFormat[], stored: StoredPassword): PasswordFormat | undefined {
  const spec = stored.format === undefined ? undefined : parseFormatSpec(stored.format);
  const named = spec && formats.find((f) => f.name === spec.name);
  if (named) return named;
  return formats.find((f) => {
    try {
      return f.detect(stored);
    } catch {
      return false; // detect must not throw; a faulty one only loses its claim
    }
  });
}

/** Refuses a format spec carrying options its format does not read (a profile typo, not a hash). */
function checkOptions(format: PasswordFormat, stored: StoredPassword): void {
  const spec = stored.format === undefined ? undefined : parseFormatSpec(stored.format);
  if (spec?.name !== format.name) return;
  for (const key of spec.options.keys()) {
    if (!format.options?.includes(key)) {
      throw new MalformedHashError(format.name, 'format spec has an unsupported option');
    }
  }
}

export interface PasswordHasherOptions {
  readonly cost: ScryptCost;
  readonly kdf: KdfLimiter;
  readonly logger: DomainLogger;
  /**
   * Legacy formats (usually LEGACY_FORMATS from legacy-formats.ts). A stored value whose `format` names
   * one of them (optionally with `;key=value` options, see format-spec.ts) is verified by it; any other
   * value by the first, scrypt included, whose `detect` accepts it.
   */
  readonly legacyFormats?: readonly PasswordFormat[];
}

/**
 * New hashes are scrypt-kdf at the configured cost; stored hashes are verified by the format their
 * `format` names, else by whichever format recognises their shape. A malformed or unknown stored value
 * is a non-match with a warning that names the problem (never the hash or the password). Every match of
 * a non-scrypt hash, or of scrypt below the current cost, reports `needsRehash`.
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
    const format = selectFormat(formats, stored);
    if (!format) {
      options.logger.warn(
        { event: 'password_format_unknown' },
        'stored password is in no supported format; treated as a non-match',
      );
      return { match: false, format: 'unknown', needsRehash: false };
    }
    try {
      checkOptions(format, stored);
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
