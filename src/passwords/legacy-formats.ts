import { argon2dFormat, argon2idFormat, argon2iFormat } from './argon2';
import { aspnetIdentityV2Format, aspnetIdentityV3Format } from './aspnet-identity';
import { bcryptFormat } from './bcrypt';
import { djangoPbkdf2Sha1Format, djangoPbkdf2Sha256Format } from './django-pbkdf2';
import { drupal7Format, drupal7Md5PrehashedFormat } from './drupal7';
import { membershipClearFormat } from './membership-clear';
import { createMembershipEncryptedFormat } from './membership-encrypted';
import { MEMBERSHIP_HASHED_FORMATS } from './membership-hashed';
import type { MembershipMachineKey } from './membership-machine-key';
import type { PasswordFormat } from './password-format';
import { phpassFormat } from './phpass';
import { SALTED_DIGEST_FORMATS } from './salted-digest';
import { wordpressBcryptFormat } from './wordpress-bcrypt';

/**
 * Every legacy format the adapter verifies, for `createPasswordHasher({ legacyFormats })`. The order is
 * the detection order for rows whose `format` names none of them: self-describing prefixes first, then
 * the base64 shapes (Identity without a salt, Membership with one), then bare hex digests. Formats
 * that are never detected by shape (membership-clear, membership-encrypted, the Membership algorithms
 * other than SHA1 and HMACSHA256) are used only when `format` names them. `membershipMachineKey`
 * (MEMBERSHIP_DECRYPTION_KEY) lets membership-encrypted verify; without it those rows are refused.
 */
export function createLegacyFormats(
  options: { membershipMachineKey?: MembershipMachineKey | null } = {},
): readonly PasswordFormat[] {
  return [
    bcryptFormat,
    wordpressBcryptFormat,
    phpassFormat,
    drupal7Format,
    drupal7Md5PrehashedFormat,
    argon2idFormat,
    argon2iFormat,
    argon2dFormat,
    djangoPbkdf2Sha256Format,
    djangoPbkdf2Sha1Format,
    aspnetIdentityV3Format,
    aspnetIdentityV2Format,
    ...MEMBERSHIP_HASHED_FORMATS,
    membershipClearFormat,
    createMembershipEncryptedFormat(options.membershipMachineKey ?? null),
    ...SALTED_DIGEST_FORMATS,
  ];
}

/** The legacy formats without a machine key (format names, detection, and tests that need no key). */
export const LEGACY_FORMATS: readonly PasswordFormat[] = createLegacyFormats();
