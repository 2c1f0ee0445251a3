import { createHash, createHmac } from 'node:crypto';
import type { StoredPassword } from '../domain/user';
import { decodeBase64 } from './encodings';
import { equalBytes } from './equal-bytes';
import { MalformedHashError, type PasswordFormat } from './password-format';

/**
 * ASP.NET Membership, PasswordFormat 1 (hashed), as SqlMembershipProvider.EncodePassword computes it:
 * salt = base64-decode(PasswordSalt), password as UTF-16LE, Password = base64(digest).
 * - unkeyed algorithms: digest(salt ‖ password);
 * - keyed (HMAC…): the key is the salt repeated (or cut) to the algorithm's default key size — 64
 *   bytes for HMACSHA1/HMACSHA256, 128 for HMACSHA384/HMACSHA512 — then HMAC(key, password).
 * The digest length cannot tell SHA256 from HMACSHA256 (or MD5 from a salted MD5 in base64): the
 * profile's configured algorithm decides (through StoredPassword.format). By shape alone, a salted row
 * is taken as the two defaults: SHA1 (Framework20 compatibility mode, most sites) for 20 bytes,
 * HMACSHA256 (Framework40 / Universal Providers) for 32 bytes. These digests are fast, so they do not
 * use the KDF queue.
 */

interface Algorithm {
  readonly digest: 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';
  readonly bytes: number;
  /** The .NET KeyedHashAlgorithm's default key size, which the salt is stretched to; absent if unkeyed. */
  readonly keyBytes?: number;
  /** Recognised from the hash's shape when no format is given. */
  readonly detectable: boolean;
}

export const MEMBERSHIP_ALGORITHMS = {
  sha1: { digest: 'sha1', bytes: 20, detectable: true },
  sha256: { digest: 'sha256', bytes: 32, detectable: false },
  sha384: { digest: 'sha384', bytes: 48, detectable: false },
  sha512: { digest: 'sha512', bytes: 64, detectable: false },
  hmacsha1: { digest: 'sha1', bytes: 20, keyBytes: 64, detectable: false },
  hmacsha256: { digest: 'sha256', bytes: 32, keyBytes: 64, detectable: true },
  hmacsha384: { digest: 'sha384', bytes: 48, keyBytes: 128, detectable: false },
  hmacsha512: { digest: 'sha512', bytes: 64, keyBytes: 128, detectable: false },
  /** hashAlgorithmType="MD5": rare, but SqlMembershipProvider computes it like SHA1 (HashAlgorithm.Create("MD5")). */
  md5: { digest: 'md5', bytes: 16, detectable: false },
} as const satisfies Record<string, Algorithm>;

export type MembershipAlgorithm = keyof typeof MEMBERSHIP_ALGORITHMS;

/** The salt filling a key of `keyBytes`, as SqlMembershipProvider builds it. */
function stretchSalt(salt: Buffer, keyBytes: number): Buffer {
  const key = Buffer.alloc(keyBytes);
  for (let offset = 0; offset < keyBytes; offset += salt.length) salt.copy(key, offset);
  return key;
}

function membershipHashedFormat(algorithmName: MembershipAlgorithm): PasswordFormat {
  const name = `membership-${algorithmName}`;
  const algorithm: Algorithm = MEMBERSHIP_ALGORITHMS[algorithmName];
  const base64Length = 4 * Math.ceil(algorithm.bytes / 3);
  return {
    name,
    detect: (stored: StoredPassword) =>
      algorithm.detectable &&
      !!stored.salt &&
      stored.hash.length === base64Length &&
      decodeBase64(stored.hash)?.length === algorithm.bytes &&
      decodeBase64(stored.salt) !== undefined,
    async verify(password: string, stored: StoredPassword): Promise<boolean> {
      if (!stored.salt) throw new MalformedHashError(name, 'PasswordSalt is missing');
      const salt = decodeBase64(stored.salt);
      if (!salt?.length) throw new MalformedHashError(name, 'PasswordSalt is not base64');
      const expected = decodeBase64(stored.hash);
      if (expected?.length !== algorithm.bytes) {
        throw new MalformedHashError(name, `Password is not ${algorithm.bytes} bytes of base64`);
      }
      const data = Buffer.from(password, 'utf16le');
      const computed =
        algorithm.keyBytes === undefined
          ? createHash(algorithm.digest).update(salt).update(data).digest()
          : createHmac(algorithm.digest, stretchSalt(salt, algorithm.keyBytes)).update(data).digest();
      return equalBytes(expected, computed);
    },
  };
}

export const MEMBERSHIP_HASHED_FORMATS: readonly PasswordFormat[] = (
  Object.keys(MEMBERSHIP_ALGORITHMS) as MembershipAlgorithm[]
).map(membershipHashedFormat);
