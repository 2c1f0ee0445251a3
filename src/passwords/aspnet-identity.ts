import type { StoredPassword } from '../domain/user';
import { decodeBase64 } from './encodings';
import { equalBytes } from './equal-bytes';
import { type KdfAccess, MalformedHashError, type PasswordFormat } from './password-format';
import { derivePbkdf2, type Pbkdf2Digest } from './pbkdf2';

/**
 * ASP.NET Identity's `AspNetUsers.PasswordHash` (Microsoft.AspNetCore.Identity.PasswordHasher), base64,
 * password as UTF-8. These hashes live in a column of their own, so a row with a salt is not one.
 */

const V2_NAME = 'aspnet-identity-v2';
const V3_NAME = 'aspnet-identity-v3';

/** v2: 0x00 ‖ salt(16) ‖ subkey(32), PBKDF2-HMAC-SHA1 with 1000 iterations: 49 bytes, 68 characters. */
const V2_SHAPE = /^A[A-P][A-Za-z0-9+/]{63}[AQgw]==$/;
/** v3: 0x01 ‖ prf (u32 BE, 0..2) … — always begins `AQAAAA`; `verify` reports what else is wrong. */
const V3_SHAPE = /^AQAAAA[A-Za-z0-9+/]*={0,2}$/;

/** The KeyDerivationPrf values of the v3 header. */
const V3_PRF: readonly Pbkdf2Digest[] = ['sha1', 'sha256', 'sha512'];
/** Identity itself rejects salts and subkeys under 128 bits. */
const MIN_SALT_BYTES = 16;
const MIN_SUBKEY_BYTES = 16;
const V3_HEADER_BYTES = 13;

export const aspnetIdentityV2Format: PasswordFormat = {
  name: V2_NAME,
  detect: (stored: StoredPassword) => !stored.salt && V2_SHAPE.test(stored.hash),
  async verify(password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean> {
    const bytes = decodeBase64(stored.hash);
    if (bytes?.length !== 49 || bytes[0] !== 0x00) {
      throw new MalformedHashError(V2_NAME, 'not a 49-byte Identity v2 hash (version byte 0x00)');
    }
    const subkey = bytes.subarray(17);
    const derived = await derivePbkdf2(
      V2_NAME,
      password,
      { digest: 'sha1', iterations: 1000, salt: bytes.subarray(1, 17), keyBytes: subkey.length },
      kdf,
    );
    return equalBytes(subkey, derived);
  },
};

export const aspnetIdentityV3Format: PasswordFormat = {
  name: V3_NAME,
  detect: (stored: StoredPassword) => !stored.salt && V3_SHAPE.test(stored.hash),
  async verify(password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean> {
    const bytes = decodeBase64(stored.hash);
    if (!bytes || bytes.length < V3_HEADER_BYTES || bytes[0] !== 0x01) {
      throw new MalformedHashError(V3_NAME, 'not an Identity v3 hash (version byte 0x01 and a 13-byte header)');
    }
    const digest = V3_PRF[bytes.readUInt32BE(1)];
    if (!digest) throw new MalformedHashError(V3_NAME, 'unknown PRF (expected 0 SHA1, 1 SHA256 or 2 SHA512)');
    const iterations = bytes.readUInt32BE(5);
    const saltBytes = bytes.readUInt32BE(9);
    if (saltBytes < MIN_SALT_BYTES) throw new MalformedHashError(V3_NAME, 'salt shorter than 16 bytes');
    const subkeyBytes = bytes.length - V3_HEADER_BYTES - saltBytes;
    if (subkeyBytes < MIN_SUBKEY_BYTES) {
      throw new MalformedHashError(V3_NAME, 'subkey shorter than 16 bytes (or salt length beyond the hash)');
    }
    const salt = bytes.subarray(V3_HEADER_BYTES, V3_HEADER_BYTES + saltBytes);
    const subkey = bytes.subarray(V3_HEADER_BYTES + saltBytes);
    const derived = await derivePbkdf2(V3_NAME, password, { digest, iterations, salt, keyBytes: subkeyBytes }, kdf);
    return equalBytes(subkey, derived);
  },
};
