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

/**
 * bcrypt `$2a$`, `$2b$`, `$2y$`, verified by the native `bcrypt` package on the libuv threadpool. All
 * three are computed as `$2b$` on the UTF-8 password cut to 72 bytes: that is what `$2y$` (PHP) is, and
 * it is what `$2a$` means everywhere except OpenBSD's wrap-around bug for passwords of 255+ bytes.
 * `$2x$` (crypt_blowfish's emulation of its own sign-extension bug) is refused.
 */
export const bcryptFormat: PasswordFormat = {
  name: NAME,
  detect: (stored: StoredPassword) => /^\$2[a-z]?\$/.test(stored.hash),
  async verify(password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean> {
    const match = SHAPE.exec(stored.hash);
    if (!match || match[1] === undefined || !match[2] || !match[3] || !match[4]) {
      throw new MalformedHashError(NAME, 'not a 60-character $2?$NN$ bcrypt hash');
    }
    const [, variant, costText, salt, digest] = match;
    if (variant === 'x') throw new MalformedHashError(NAME, 'the $2x$ variant is refused (crypt_blowfish bug mode)');
    if (variant !== 'a' && variant !== 'b' && variant !== 'y') {
      throw new MalformedHashError(NAME, 'unsupported bcrypt variant (expected $2a$, $2b$ or $2y$)');
    }
    const cost = Number(costText);
    if (cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST) {
      throw new MalformedHashError(NAME, `cost ${cost} is outside ${BCRYPT_MIN_COST}..${BCRYPT_MAX_COST}`);
    }
    const expected = decodeBcryptBase64(digest, 23);
    // A digest whose unused low bits are set is never produced by bcrypt; string-comparing libraries
    // would never match it either.
    if (!canonicalLastChar(digest)) {
      throw new MalformedHashError(NAME, 'hash is not canonically encoded');
    }
    const input = Buffer.from(password, 'utf8').subarray(0, BCRYPT_MAX_PASSWORD_BYTES);
    const computed = await kdf.run(() => bcryptHash(input, `$2b$${costText}$${salt}`));
    return equalBytes(expected, decodeBcryptBase64(computed.slice(-31), 23));
  },
};

/** The last of 31 characters holds 4 bits of byte 23 and 2 unused bits, which must be zero. */
function canonicalLastChar(digest: string): boolean {
  return (ALPHABET.indexOf(digest.charAt(digest.length - 1)) & 0b11) === 0;
}
