import type { ScryptCost } from '../config';
import { type CallContext, NO_CONTEXT } from '../domain/call-context';
import type { DomainLogger } from '../domain/deps';
import { IdentityError } from '../domain/errors';
import type { PasswordHasher, VerifyResult } from '../domain/password-hasher';
import type { StoredPassword } from '../domain/user';
import { parseFormatSpec } from './format-spec';
import type { KdfLimiter } from './kdf-limiter';
import { defaultKdfMaxMemory, formatBytes, scryptMemoryBytes } from './kdf-memory';
import { type KdfAccess, MalformedHashError, type PasswordFormat } from './password-format';
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
  /**
   * KDF_MAX_MEMORY: the most memory one hash may take; a stored hash needing more is a non-match with
   * a warning, refused before any work. At least what `cost` needs; default defaultKdfMaxMemory(cost).
   */
  readonly maxMemoryBytes?: number;
  readonly logger: DomainLogger;
  /**
   * Legacy formats (usually LEGACY_FORMATS from legacy-formats.ts). A stored value whose `format` names
   * one of them (optionally with `;key=value` options, see format-spec.ts) is verified by it; any other
   * value by the first, scrypt included, whose `detect` accepts it.
   */
  readonly legacyFormats?: readonly PasswordFormat[];
  /**
   * Check a stored hash cheaper than the dummy side by side with the dummy (default true), so response
   * times do not reveal which accounts exist. Off only for tests that count one format's own KDF work.
   */
  readonly equalizeTiming?: boolean;
}

/**
 * New hashes are scrypt-kdf at the configured cost; stored hashes are verified by the format their
 * `format` names, else by whichever format recognises their shape. A malformed or unknown stored value,
 * or one whose cost needs more memory than `maxMemoryBytes`, is a non-match with a warning that names
 * the problem (never the hash or the password). Every match of a non-scrypt hash, or of scrypt below
 * the current cost, reports `needsRehash`. KDF work waits in `kdf` no later than the call's deadline.
 */
export function createPasswordHasher(
  options: PasswordHasherOptions,
): PasswordHasher & { readonly formats: readonly PasswordFormat[] } {
  const formats = [scryptFormat, ...(options.legacyFormats ?? [])];
  const maxMemoryBytes = options.maxMemoryBytes ?? defaultKdfMaxMemory(options.cost);
  if (maxMemoryBytes < scryptMemoryBytes(options.cost)) {
    // loadConfig refuses this naming KDF_MAX_MEMORY; here it would make every new hash unverifiable.
    throw new RangeError(
      `maxMemoryBytes ${formatBytes(maxMemoryBytes)} is below the ${formatBytes(scryptMemoryBytes(options.cost))} the scrypt cost needs`,
    );
  }
  let dummy: Promise<StoredPassword> | undefined;

  /** The KDF queue as one call sees it: its deadline, and the memory ceiling. */
  const kdfFor = (ctx: CallContext): KdfAccess => ({
    run: (work) => options.kdf.run(work, { deadline: ctx.deadline }),
    maxMemoryBytes,
  });

  const hash = async (password: string, ctx: CallContext = NO_CONTEXT): Promise<StoredPassword> => ({
    hash: await scryptHash(password, options.cost, kdfFor(ctx)),
    format: 'scrypt',
  });

  const verifyStored = async (password: string, stored: StoredPassword, ctx: CallContext): Promise<VerifyResult> => {
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
      const match = await format.verify(password, stored, kdfFor(ctx));
      const needsRehash =
        match && (format !== scryptFormat || isBelowCost(readScryptParams(stored.hash), options.cost));
      return { match, format: format.name, needsRehash };
    } catch (error) {
      if (error instanceof IdentityError) throw error; // overload and deadlines are not a wrong password
      if (!(error instanceof MalformedHashError)) {
        // The KDF itself failed (out of memory, a threadpool or native-module error): a fault of
        // this service, never a wrong password, so the caller sees UNAVAILABLE and nothing is counted.
        throw new IdentityError('unavailable', 'password verification failed', { cause: error });
      }
      options.logger.warn(
        { event: 'password_hash_malformed', format: format.name, problem: error.problem },
        'stored password hash is unusable; treated as a non-match',
      );
      return { match: false, format: format.name, needsRehash: false, unusable: error.problem };
    }
  };

  /**
   * The dummy: one hash at the current cost, made on first use and kept. Made without the caller's
   * deadline: it is shared, so one caller giving up must not fail the others waiting for it.
   */
  const dummyHash = async (): Promise<StoredPassword> => {
    dummy ??= hash('legacy-identity-adapter dummy password');
    return dummy.catch((error: unknown) => {
      dummy = undefined;
      throw error;
    });
  };
  const dummyVerify = async (password: string, ctx: CallContext = NO_CONTEXT): Promise<void> => {
    await verifyStored(password, await dummyHash(), ctx);
  };

  /**
   * True when checking `stored` costs at least what the dummy costs: scrypt at or above the current
   * cost and within the memory ceiling (a hash refused for its memory costs nothing: the dummy runs beside it).
   */
  const coversDummyCost = (stored: StoredPassword): boolean => {
    if (selectFormat(formats, stored) !== scryptFormat) return false;
    try {
      const params = readScryptParams(stored.hash);
      return !isBelowCost(params, options.cost) && scryptMemoryBytes(params) <= maxMemoryBytes;
    } catch {
      return false;
    }
  };

  /**
   * A legacy hash is often far cheaper than the dummy an unknown user pays (a salted SHA1 takes
   * microseconds), which would let response times tell which accounts exist. So a cheaper stored hash
   * is checked side by side with the dummy: the answer takes at least one current-cost scrypt, the
   * same as for an unknown user, whatever the legacy format.
   */
  const verify = async (
    password: string,
    stored: StoredPassword,
    ctx: CallContext = NO_CONTEXT,
  ): Promise<VerifyResult> => {
    if (options.equalizeTiming === false || coversDummyCost(stored)) return verifyStored(password, stored, ctx);
    const [result] = await Promise.all([verifyStored(password, stored, ctx), dummyVerify(password, ctx)]);
    return result;
  };

  return { formats, hash, verify, dummyVerify };
}
