import { createHash } from 'node:crypto';
import type { StoredPassword } from '../domain/user';
import { equalBytes } from './equal-bytes';
import type { PasswordFormat } from './password-format';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * ASP.NET Membership, PasswordFormat 0: the password in clear text (PasswordSalt unused). Never
 * recognised by shape — anything could be a clear password — only when the profile says so. Both
 * sides are hashed before the constant-time compare so that not even the length leaks.
 */
export const membershipClearFormat: PasswordFormat = {
  name: 'membership-clear',
  detect: () => false,
  verify: async (password: string, stored: StoredPassword) => equalBytes(sha256(stored.hash), sha256(password)),
};
