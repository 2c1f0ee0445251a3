import { hash as bcryptHash } from 'bcrypt';
import type { StoredPassword } from '../domain/user';
import { equalBytes } from './equal-bytes';
import { type KdfAccess, MalformedHashError, type PasswordFormat } from './password-format';

const NAME = 'bcrypt';

/**
 * Costs accepted from stored hashes. 4 is bcrypt's minimum; 16 (65 536 rounds, several seconds a try
 * on these machines) is far above anything deployed (PHP and ASP.NET default to 10–12, OWASP asks ≥ 10),
 * and each step doubles the work, so a tampered `$31$` row cannot hold a KDF slot for days.
 */
export const BCRYPT_MIN_COST = 4;
export const BCRYPT_MAX_COST = 16;
/** bcrypt reads at most 72 bytes of the password; every implementation ignores the rest. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/** `$2<variant>$<cost>$<22 salt chars><31 hash chars>`. */
const SHAPE = /^\$2([a-z]?)\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;
const ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** bcrypt's own base64 (its alphabet, no padding); the 31 hash characters carry 23 bytes. */
function decodeBcryptBase64(text: string, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let bits = 0;
  let value = 0;
  let written = 0;
  for (const char of text) {
    value = ((value << 6) | ALPHABET.indexOf(char)) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (written < bytes) out[written++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

/** A stored bcrypt string taken apart and checked (variant, cost bounds, canonical encoding). */
export interface BcryptHash {
  /** The settings bcrypt is run with: `$2b$NN$<22 salt characters>`. */
  readonly settings: string;
  /** The 23 digest bytes. */
  readonly expected: Buffer;
}

/**
 * Reads a stored bcrypt string as `name`, refusing (MalformedHashError) anything not to be computed:
 * a bad shape, `$2x$` (crypt_blowfish's emulation of its own sign-extension bug) or another unknown
 * variant, a cost outside BCRYPT_MIN_COST..BCRYPT_MAX_COST, a non-canonical digest. `$2a$`, `$2b$`,
 * `$2y$` are all computed as `$2b$`: that is what `$2y$` (PHP) is, and it is what `$2a$` means
 * everywhere except OpenBSD's wrap-around bug for passwords of 255+ bytes.
 */
export function parseBcrypt(name: string, hash: string): BcryptHash {
  const match = SHAPE.exec(hash);
  if (!match || match[1] === undefined || !match[2] || !match[3] || !match[4]) {
    throw new MalformedHashError(name, 'not a 60-character $2?$NN$ bcrypt hash');
  }
  const [, variant, costText, salt, digest] = match;
  if (variant === 'x') throw new MalformedHashError(name, 'the $2x$ variant is refused (crypt_blowfish bug mode)');
  if (variant !== 'a' && variant !== 'b' && variant !== 'y') {
    throw new MalformedHashError(name, 'unsupported bcrypt variant (expected $2a$, $2b$ or $2y$)');
  }
  const cost = Number(costText);
  if (cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST) {
    throw new MalformedHashError(name, `cost ${cost} is outside ${BCRYPT_MIN_COST}..${BCRYPT_MAX_COST}`);
  }
  // A digest whose unused low bits are set is never produced by bcrypt; string-comparing libraries
  // would never match it either.
  if (!canonicalLastChar(digest)) throw new MalformedHashError(name, 'hash is not canonically encoded');
  return { settings: `$2b$${costText}$${salt}`, expected: decodeBcryptBase64(digest, 23) };
}

/**
 * bcrypt over `input` cut to 72 bytes, on the libuv threadpool through the KDF queue, compared with
 * the stored digest in constant time.
 */
export async function checkBcrypt(input: Buffer, hash: BcryptHash, kdf: KdfAccess): Promise<boolean> {
  const bytes = input.subarray(0, BCRYPT_MAX_PASSWORD_BYTES);
  const computed = await kdf.run(() => bcryptHash(bytes, hash.settings));
  return equalBytes(hash.expected, decodeBcryptBase64(computed.slice(-31), 23));
}

/** bcrypt `$2a$`, `$2b$`, `$2y$` over the UTF-8 password cut to 72 bytes (see parseBcrypt). */
export const bcryptFormat: PasswordFormat = {
  name: NAME,
  detect: (stored: StoredPassword) => /^\$2[a-z]?\$/.test(stored.hash),
  verify: (password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean> =>
    checkBcrypt(Buffer.from(password, 'utf8'), parseBcrypt(NAME, stored.hash), kdf),
};

/** The last of 31 characters holds 4 bits of byte 23 and 2 unused bits, which must be zero. */
function canonicalLastChar(digest: string): boolean {
  return (ALPHABET.indexOf(digest.charAt(digest.length - 1)) & 0b11) === 0;
}
