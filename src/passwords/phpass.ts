import type { StoredPassword } from '../domain/user';
import { equalBytes } from './equal-bytes';
import { type KdfAccess, MalformedHashError, type PasswordFormat } from './password-format';
import { ITOA64, iteratedDigest, readCountLog2 } from './phpass-crypt';

export { PHPASS_MAX_LOG2 } from './phpass-crypt';

const NAME = 'phpass';
/** `$P$` (WordPress, Drupal) or `$H$` (phpBB): count character, 8 salt characters, 22 hash characters. */
const SHAPE = /^\$[PH]\$([./0-9A-Za-z])([./0-9A-Za-z]{8})([./0-9A-Za-z]{22})$/;

/** phpass's encode64 packs bytes little-endian, 6 bits a character; 22 characters hold 16 bytes + 4 zero bits. */
function decodePhpassBase64(text: string): Buffer | undefined {
  const out: number[] = [];
  let value = 0;
  let bits = 0;
  for (const char of text) {
    value |= ITOA64.indexOf(char) << bits;
    bits += 6;
    while (bits >= 8) {
      out.push(value & 0xff);
      value >>>= 8;
      bits -= 8;
    }
  }
  return value === 0 ? Buffer.from(out) : undefined;
}

/**
 * Portable PHP password hashes (phpass): WordPress `$P$`, phpBB `$H$`, and Drupal's imported `$P$` /
 * `$H$` (Drupal checks them with the same MD5 construction); password as UTF-8.
 */
export const phpassFormat: PasswordFormat = {
  name: NAME,
  detect: (stored: StoredPassword) => stored.hash.startsWith('$P$') || stored.hash.startsWith('$H$'),
  async verify(password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean> {
    const match = SHAPE.exec(stored.hash);
    if (!match?.[1] || !match[2] || !match[3]) throw new MalformedHashError(NAME, 'not a 34-character $P$/$H$ hash');
    const log2 = readCountLog2(match[1], (reason) => new MalformedHashError(NAME, reason));
    const expected = decodePhpassBase64(match[3]);
    if (!expected) throw new MalformedHashError(NAME, 'hash is not canonically encoded');
    const salt = Buffer.from(match[2], 'latin1');
    const computed = await kdf.run(() => iteratedDigest('md5', salt, Buffer.from(password, 'utf8'), 2 ** log2));
    return equalBytes(expected, computed);
  },
};
