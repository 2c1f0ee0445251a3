import Scrypt from 'scrypt-kdf';
import type { ScryptCost } from '../config';
import type { StoredPassword } from '../domain/user';
import { assertWithinMemory, scryptMemoryBytes } from './kdf-memory';
import { type KdfAccess, MalformedHashError, type PasswordFormat } from './password-format';

/**
 * Stored scrypt parameters beyond these are not a cost anyone deployed but a broken or tampered row.
 * Memory (128·N·r·p) is bounded separately, by KDF_MAX_MEMORY, when the hash is verified.
 */
export const SCRYPT_VERIFY_MAX = { logN: 20, r: 32, p: 16 } as const;

/**
 * scrypt-kdf gives Node's scrypt maxmem 2^31 − 1, and OpenSSL refuses a cost whose 128·r·(N + p + 2)
 * bytes exceed it. A stored cost beyond that (admitted only by a KDF_MAX_MEMORY of 2 GiB or more) is
 * refused as unusable, rather than failing in the KDF as an outage.
 */
const SCRYPT_KDF_MAXMEM = 2 ** 31 - 1;

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
  if (params.logN > SCRYPT_VERIFY_MAX.logN || params.r > SCRYPT_VERIFY_MAX.r || params.p > SCRYPT_VERIFY_MAX.p) {
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
  async verify(password, stored, kdf: KdfAccess) {
    const params = readScryptParams(stored.hash);
    assertWithinMemory('scrypt', scryptMemoryBytes(params), kdf.maxMemoryBytes);
    if (128 * params.r * (2 ** params.logN + params.p + 2) > SCRYPT_KDF_MAXMEM) {
      throw new MalformedHashError('scrypt', 'cost needs more memory than scrypt-kdf computes (2 GiB)');
    }
    const key = Buffer.from(stored.hash, 'base64');
    // scrypt-kdf recomputes the key on the libuv threadpool and compares with timingSafeEqual.
    return kdf.run(() => Scrypt.verify(key, password));
  },
};

/** A new scrypt-kdf hash (base64) at `cost`, computed in the KDF queue. */
export async function scryptHash(password: string, cost: ScryptCost, kdf: Pick<KdfAccess, 'run'>): Promise<string> {
  const key = await kdf.run(() => Scrypt.kdf(password, cost));
  return Buffer.from(key).toString('base64');
}
