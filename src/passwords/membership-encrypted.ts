import { MalformedHashError, type PasswordFormat } from './password-format';

const NAME = 'membership-encrypted';

/**
 * ASP.NET Membership, PasswordFormat 2: the password encrypted with the site's `<machineKey>`
 * decryption key. Decrypting it is not implemented — the layout depends on the framework version and
 * compatibility mode, and no real ciphertext was available to verify an implementation against — so
 * such rows are refused with a warning, and the operator migrates them another way (a password reset,
 * or decrypting on the legacy site and re-importing). Never recognised by shape.
 */
export const membershipEncryptedFormat: PasswordFormat = {
  name: NAME,
  detect: () => false,
  async verify(): Promise<boolean> {
    throw new MalformedHashError(
      NAME,
      'Membership PasswordFormat 2 (encrypted with the machine key) is not supported; reset these passwords or re-import them hashed',
    );
  },
};
