import Scrypt from 'scrypt-kdf';
import type { ScryptCost } from '../config';
import type { StoredPassword } from '../domain/user';
import type { KdfLimiter } from './kdf-limiter';
import { MalformedHashError, type PasswordFormat } from './password-format';

/** Stored scrypt costs above these are refused: a tampered row must not allocate gigabytes. */
export const SCRYPT_VERIFY_MAX = { logN: 20, r: 32, p: 16 } as const;
/** 128·N·r·p bytes of work memory at most (1 GiB), whatever the combination. */
export const SCRYPT_VERIFY_MAX_MEMORY = 1024 * 1024 * 1024;

/** The Tarsnap scrypt header, 96 bytes, is always 128 base64 characters beginning with "scrypt". */
const SCRYPT_B64 = /^c2NyeXB0[A-Za-z0-9+/]{120}$/;

/** True when `hash` has the shape of the hashes this adapter writes (a scrypt-kdf key in base64). */
export function isScryptKdfHash(hash: string): boolean {
  return SCRYPT_B64.test(hash);
}

export function readScryptParams(hash: string): ScryptCost {
  if (!SCRYPT_B64.test(hash)) throw new MalformedHashError('scrypt', 'not a 96-byte scrypt-kdf key');
  const key = Buffer.from(hash, 'base64');
  if (key[6] !== 0) throw new MalformedHashError('scrypt', 'unknown scrypt-kdf version');
  const params = { logN: key.readUInt8(7), r: key.readUInt32BE(8), p: key.readUInt32BE(12) };
  if (params.logN < 1 || params.r < 1 || params.p < 1) throw new MalformedHashError('scrypt', 'zero cost parameter');
  if (
    params.logN > SCRYPT_VERIFY_MAX.logN ||
    params.r > SCRYPT_VERIFY_MAX.r ||
    params.p > SCRYPT_VERIFY_MAX.p ||
    128 * 2 ** params.logN * params.r * params.p > SCRYPT_VERIFY_MAX_MEMORY
  ) {
    throw new MalformedHashError(
      'scrypt',
      `cost logN=${params.logN} r=${params.r} p=${params.p} is beyond the allowed bounds`,
    );
  }
  return params;
}

/** True when `stored` is weaker than `current` in any parameter. */
export function isBelowCost(stored: ScryptCost, current: ScryptCost): boolean {
  return stored.logN < current.logN || stored.r < current.r || stored.p < current.p;
}

export const scryptFormat: PasswordFormat = {
  name: 'scrypt',
  detect: (stored: StoredPassword) => stored.hash.startsWith('c2NyeXB0'),
  async verify(password, stored, kdf: KdfLimiter) {
    readScryptParams(stored.hash);
    const key = Buffer.from(stored.hash, 'base64');
    // scrypt-kdf recomputes the key on the libuv threadpool and compares with timingSafeEqual.
    return kdf.run(() => Scrypt.verify(key, password));
  },
};

export async function scryptHash(password: string, cost: ScryptCost, kdf: KdfLimiter): Promise<string> {
  const key = await kdf.run(() => Scrypt.kdf(password, cost));
  return Buffer.from(key).toString('base64');
}
