import { createDecipheriv } from 'node:crypto';
import type { StoredPassword } from '../domain/user';
import { decodeBase64 } from './encodings';
import { equalBytes } from './equal-bytes';
import type { MembershipMachineKey } from './membership-machine-key';
import { MalformedHashError, type PasswordFormat } from './password-format';

const NAME = 'membership-encrypted';

/** SqlMembershipProvider.SALT_SIZE: the salt bytes at the start of the plaintext. */
const SALT_BYTES = 16;

/** OpenSSL cipher and block size for each machineKey `decryption`, by key length. */
function cipherFor(machineKey: MembershipMachineKey): { name: string; blockBytes: number } {
  if (machineKey.decryption === '3DES') {
    return { name: machineKey.key.length === 16 ? 'des-ede-cbc' : 'des-ede3-cbc', blockBytes: 8 };
  }
  return { name: `aes-${machineKey.key.length * 8}-cbc`, blockBytes: 16 };
}

/**
 * ASP.NET Membership, PasswordFormat 2: the password encrypted with the site's `<machineKey>`, as
 * .NET Framework's System.Web does it (reference source of SqlMembershipProvider.EncodePassword,
 * MembershipAdapter.EncryptOrDecryptData and MachineKeySection):
 *   Password = base64( CBC-encrypt( key = decryptionKey, IV = zero bytes, PKCS7,
 *                                   base64-decode(PasswordSalt) ‖ UTF-16LE(password) ) )
 * with AES or TripleDES per `decryption`. Membership calls MachineKeySection with IVType.None and no
 * signature, so — unlike forms tickets and view state — there is no random prefix block and no HMAC
 * in any compatibility mode; the value is deterministic, which is how SqlMembershipProvider.CheckPassword
 * verifies it (it encrypts the candidate and compares the strings).
 *
 * Verification decrypts and compares the plaintext with PasswordSalt ‖ UTF-16LE(candidate) in
 * constant time (with no salt column, the 16 salt bytes are skipped, as UnEncodePassword does) — for
 * a deterministic cipher, the same answer as CheckPassword's comparison of ciphertexts. A value that
 * does not decrypt (wrong key or algorithm, damaged value) raises MalformedHashError naming the
 * problem, never the value, the key or the plaintext. Without a machine key every row is refused
 * with a MalformedHashError saying so. Never recognised by shape; fast, so no KDF queue.
 */
export function createMembershipEncryptedFormat(machineKey: MembershipMachineKey | null): PasswordFormat {
  if (machineKey === null) {
    return {
      name: NAME,
      detect: () => false,
      async verify(): Promise<boolean> {
        throw new MalformedHashError(
          NAME,
          "Membership PasswordFormat 2 (encrypted with the machine key) is not supported without MEMBERSHIP_DECRYPTION_KEY (the site's machineKey decryptionKey); configure it, or reset these passwords",
        );
      },
    };
  }
  const cipher = cipherFor(machineKey);
  return {
    name: NAME,
    detect: () => false,
    async verify(password: string, stored: StoredPassword): Promise<boolean> {
      const plaintext = decrypt(machineKey, cipher, stored.hash);
      const candidate = Buffer.from(password, 'utf16le');
      if (stored.salt === undefined || stored.salt === '') {
        if (plaintext.length < SALT_BYTES) {
          throw new MalformedHashError(
            NAME,
            `decrypts to ${plaintext.length} bytes, fewer than the ${SALT_BYTES}-byte salt`,
          );
        }
        return equalBytes(plaintext.subarray(SALT_BYTES), candidate);
      }
      const salt = decodeBase64(stored.salt);
      if (salt === undefined) throw new MalformedHashError(NAME, 'salt is not base64');
      return equalBytes(plaintext, Buffer.concat([salt, candidate]));
    },
  };
}

/** The CBC/PKCS7 plaintext of a stored value, or MalformedHashError naming what is wrong with it. */
function decrypt(machineKey: MembershipMachineKey, cipher: { name: string; blockBytes: number }, hash: string): Buffer {
  const ciphertext = decodeBase64(hash);
  if (ciphertext === undefined) throw new MalformedHashError(NAME, 'encrypted password is not base64');
  if (ciphertext.length === 0 || ciphertext.length % cipher.blockBytes !== 0) {
    throw new MalformedHashError(
      NAME,
      `encrypted password is ${ciphertext.length} bytes, not a whole number of ${cipher.blockBytes}-byte ${machineKey.decryption} blocks`,
    );
  }
  try {
    const decipher = createDecipheriv(cipher.name, machineKey.key, Buffer.alloc(cipher.blockBytes));
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    // OpenSSL's error says only "bad decrypt"; what it means for an operator is said here instead.
    throw new MalformedHashError(
      NAME,
      `does not decrypt with the configured ${machineKey.decryption} machine key (invalid padding): a different MEMBERSHIP_DECRYPTION_KEY or MEMBERSHIP_DECRYPTION, or a damaged value`,
    );
  }
}

/** The format without a machine key: every PasswordFormat 2 row is refused with a warning. */
export const membershipEncryptedFormat: PasswordFormat = createMembershipEncryptedFormat(null);
