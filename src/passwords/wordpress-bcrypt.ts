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
 * (bcrypt.ts). wp_hash_password trims the password before hashing and WordPress's login form trims
 * what the user types; wp_check_password itself does not trim, and neither does this.
 */
export const wordpressBcryptFormat: PasswordFormat = {
  name: NAME,
  detect: (stored: StoredPassword) => stored.hash.startsWith('$wp$'),
  async verify(password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean> {
    if (!stored.hash.startsWith('$wp$')) throw new MalformedHashError(NAME, 'does not start with $wp$');
    const bcrypt = parseBcrypt(NAME, stored.hash.slice(3));
    const bytes = Buffer.from(password, 'utf8');
    if (bytes.length > WORDPRESS_PASSWORD_MAX_BYTES) return false;
    const prehash = createHmac('sha384', WP_PREHASH_KEY).update(bytes).digest('base64');
    return checkBcrypt(Buffer.from(prehash, 'latin1'), bcrypt, kdf);
  },
};
