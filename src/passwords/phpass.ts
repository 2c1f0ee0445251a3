import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { StoredPassword } from '../domain/user';
import { equalBytes } from './equal-bytes';
import { type KdfAccess, MalformedHashError, type PasswordFormat } from './password-format';

const NAME = 'phpass';
const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** `$P$` (WordPress) or `$H$` (phpBB): count character, 8 salt characters, 22 hash characters. */
const SHAPE = /^\$[PH]\$([./0-9A-Za-z])([./0-9A-Za-z]{8})([./0-9A-Za-z]{22})$/;

/** The phpass spec allows log2(count) 7..30. */
const PHPASS_SPEC_MAX_LOG2 = 30;
const PHPASS_MIN_LOG2 = 7;
/**
 * The largest count actually computed: 2^18 MD5 rounds (≈ 0.25 s of CPU here). Deployed hashes use
 * 2^13 (WordPress), 2^11 (phpBB) or 2^15–2^16 (Drupal), so 18 leaves headroom; the spec's 2^30 would
 * be ≈ 20 minutes of CPU per attempt, which a tampered row must not be able to ask for.
 */
export const PHPASS_MAX_LOG2 = 18;
/**
 * MD5 rounds computed between two yields to the event loop. Node has no threadpool primitive for
 * iterated MD5, so phpass runs on the main thread in slices of ≈ 4 ms and other requests interleave.
 */
const ROUNDS_PER_SLICE = 4096;

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

async function iteratedMd5(salt: Buffer, password: Buffer, rounds: number): Promise<Buffer> {
  let digest = createHash('md5').update(salt).update(password).digest();
  for (let done = 0; done < rounds; ) {
    const sliceEnd = Math.min(rounds, done + ROUNDS_PER_SLICE);
    for (; done < sliceEnd; done++) digest = createHash('md5').update(digest).update(password).digest();
    if (done < rounds) await yieldToEventLoop();
  }
  return digest;
}

/** Portable PHP password hashes (phpass): WordPress `$P$`, phpBB `$H$`; password as UTF-8. */
export const phpassFormat: PasswordFormat = {
  name: NAME,
  detect: (stored: StoredPassword) => stored.hash.startsWith('$P$') || stored.hash.startsWith('$H$'),
  async verify(password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean> {
    const match = SHAPE.exec(stored.hash);
    if (!match?.[1] || !match[2] || !match[3]) throw new MalformedHashError(NAME, 'not a 34-character $P$/$H$ hash');
    const log2 = ITOA64.indexOf(match[1]);
    if (log2 < PHPASS_MIN_LOG2 || log2 > PHPASS_SPEC_MAX_LOG2) {
      throw new MalformedHashError(NAME, `count 2^${log2} is outside the spec's 2^7..2^30`);
    }
    if (log2 > PHPASS_MAX_LOG2) {
      throw new MalformedHashError(NAME, `count 2^${log2} exceeds the limit of 2^${PHPASS_MAX_LOG2}`);
    }
    const expected = decodePhpassBase64(match[3]);
    if (!expected) throw new MalformedHashError(NAME, 'hash is not canonically encoded');
    const salt = Buffer.from(match[2], 'latin1');
    const computed = await kdf.run(() => iteratedMd5(salt, Buffer.from(password, 'utf8'), 2 ** log2));
    return equalBytes(expected, computed);
  },
};
