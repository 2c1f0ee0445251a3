import { createHash } from 'node:crypto';
import type { StoredPassword } from '../domain/user';
import { equalBytes } from './equal-bytes';
import { type KdfAccess, MalformedHashError, type PasswordFormat } from './password-format';
import { encodePhpassBase64, iteratedDigest, readCountLog2 } from './phpass-crypt';

/**
 * Drupal 7's password.inc (kept as PhpassHashedPassword in Drupal 8–10 and the phpass module of 10.1+).
 * `_password_crypt($algo, $password, $setting)`: the 12-character setting `$S$` ‖ count ‖ 8 salt
 * characters, then the iterated digest (phpass-crypt.ts) written with the crypt alphabet and the whole
 * string cut to DRUPAL_HASH_LENGTH, 55 characters: for SHA-512 that keeps 43 of the 86 characters
 * (258 of 512 bits). `user_check_password` compares the recomputed string with the stored one.
 */
const DRUPAL_HASH_LENGTH = 55;
/** Drupal refuses to hash a password longer than 512 bytes (PasswordInterface::PASSWORD_MAX_LENGTH), so it never matches. */
export const DRUPAL_PASSWORD_MAX_BYTES = 512;

/** The setting ($S$/$P$/$H$, count, salt) and the encoded digest of one Drupal hash. */
const SHAPE = /^\$([SPH])\$([./0-9A-Za-z])([./0-9A-Za-z]{8})([./0-9A-Za-z]*)$/;
/** `$S$` is SHA-512 cut to 55 characters; `$P$` and `$H$` are phpass's MD5, 34 characters. */
const TYPES = {
  S: { algorithm: 'sha512', hashChars: DRUPAL_HASH_LENGTH - 12 },
  P: { algorithm: 'md5', hashChars: 22 },
  H: { algorithm: 'md5', hashChars: 22 },
} as const;

/** `_password_crypt` against one stored Drupal hash, compared in constant time; `name` is the format that owns it. */
async function checkDrupalHash(
  name: string,
  password: Buffer,
  stored: string,
  kdf: KdfAccess,
  shapeProblem: string,
): Promise<boolean> {
  const match = SHAPE.exec(stored);
  const type = match?.[1] === undefined ? undefined : TYPES[match[1] as keyof typeof TYPES];
  if (!match?.[2] || !match[3] || match[4] === undefined || type?.hashChars !== match[4].length) {
    throw new MalformedHashError(name, shapeProblem);
  }
  const log2 = readCountLog2(match[2], (reason) => new MalformedHashError(name, reason));
  if (password.length > DRUPAL_PASSWORD_MAX_BYTES) return false;
  const salt = Buffer.from(match[3], 'latin1');
  const digest = await kdf.run(() => iteratedDigest(type.algorithm, salt, password, 2 ** log2));
  const computed = encodePhpassBase64(digest).slice(0, type.hashChars);
  return equalBytes(Buffer.from(match[4], 'latin1'), Buffer.from(computed, 'latin1'));
}

const DRUPAL7 = 'drupal7';
/**
 * Drupal 7+ `$S$`: 2^7..2^30 rounds of SHA-512 (2^15 by default, 2^16 from Drupal 8), password as UTF-8.
 * Recognised by its `$S$`; a row whose format names `drupal7` may also hold the `$P$` / `$H$` hashes
 * Drupal imported, which it checks like phpass, and so does this.
 */
export const drupal7Format: PasswordFormat = {
  name: DRUPAL7,
  detect: (stored: StoredPassword) => stored.hash.startsWith('$S$'),
  verify: (password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean> =>
    checkDrupalHash(
      DRUPAL7,
      Buffer.from(password, 'utf8'),
      stored.hash,
      kdf,
      'not a 55-character $S$ hash (nor a 34-character $P$/$H$ one)',
    ),
};

const DRUPAL7_MD5 = 'drupal7-md5-prehashed';
/**
 * Drupal 7's `U$` hashes: Drupal 6 stored unsalted MD5 hex, and user_update_7000 re-hashed those values
 * in place, marking them with a leading `U`; `user_check_password` then checks the stored hash without
 * the `U` against md5-hex(password). `U$S$` is what the update writes (2^11 rounds); `U$P$` and `U$H$`
 * are accepted too, as Drupal accepts them.
 */
export const drupal7Md5PrehashedFormat: PasswordFormat = {
  name: DRUPAL7_MD5,
  detect: (stored: StoredPassword) => /^U\$[SPH]\$/.test(stored.hash),
  verify(password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean> {
    if (!stored.hash.startsWith('U$')) throw new MalformedHashError(DRUPAL7_MD5, 'does not start with U$');
    const md5Hex = createHash('md5').update(password, 'utf8').digest('hex');
    return checkDrupalHash(
      DRUPAL7_MD5,
      Buffer.from(md5Hex, 'latin1'),
      stored.hash.slice(1),
      kdf,
      'not U followed by a 55-character $S$ or a 34-character $P$/$H$ hash',
    );
  },
};
