import { createHmac } from 'node:crypto';
import type { StoredPassword } from '../domain/user';
import { checkBcrypt, parseBcrypt } from './bcrypt';
import { type KdfAccess, MalformedHashError, type PasswordFormat } from './password-format';

const NAME = 'wordpress-bcrypt';
/** The HMAC key WordPress uses for domain separation (wp-includes/pluggable.php, 6.8+). */
const WP_PREHASH_KEY = 'wp-sha384';
/** wp_check_password refuses passwords longer than 4096 bytes before looking at a `$wp` hash. */
export const WORDPRESS_PASSWORD_MAX_BYTES = 4096;

/**
 * WordPress 6.8+ `$wp$2y$…`: `'$wp' . password_hash(base64_encode(hash_hmac('sha384', $password,
 * 'wp-sha384', true)), PASSWORD_BCRYPT)`. The pre-hash keeps the entropy of passwords longer than
 * bcrypt's 72 bytes (its base64 is 64 characters). Verified as wp_check_password does: HMAC-SHA384 of
 * the password's UTF-8 bytes as given, then bcrypt over the base64, with bcrypt's rules and cost bounds
 * (bcrypt.ts). The password is trimmed first, as WordPress's sign-in does (wp_authenticate trims before
 * wp_check_password, and wp_hash_password trims before hashing): a user who typed spaces around the
 * password in WordPress signs in here the same way. No stored hash can be of an untrimmed password.
 */
export const wordpressBcryptFormat: PasswordFormat = {
  name: NAME,
  detect: (stored: StoredPassword) => stored.hash.startsWith('$wp$'),
  async verify(password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean> {
    if (!stored.hash.startsWith('$wp$')) throw new MalformedHashError(NAME, 'does not start with $wp$');
    const bcrypt = parseBcrypt(NAME, stored.hash.slice(3));
    const bytes = Buffer.from(phpTrim(password), 'utf8');
    if (bytes.length > WORDPRESS_PASSWORD_MAX_BYTES) return false;
    const prehash = createHmac('sha384', WP_PREHASH_KEY).update(bytes).digest('base64');
    return checkBcrypt(Buffer.from(prehash, 'latin1'), bcrypt, kdf);
  },
};

/** The characters PHP's trim() strips by default: space, \t, \n, \r, NUL, vertical tab. */
const PHP_TRIMMED = new Set([' ', '\t', '\n', '\r', '\0', '\x0B']);

function phpTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PHP_TRIMMED.has(text.charAt(start))) start++;
  while (end > start && PHP_TRIMMED.has(text.charAt(end - 1))) end--;
  return text.slice(start, end);
}
