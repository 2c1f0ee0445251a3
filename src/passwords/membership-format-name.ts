import { MEMBERSHIP_ALGORITHMS, type MembershipAlgorithm } from './membership-hashed';

/**
 * The format name of an `aspnet_Membership` row, for schema profiles: PasswordFormat 0 → clear,
 * 1 → hashed with the site's `hashAlgorithmType` (`SHA1`, `HMACSHA256`, … as web.config writes it,
 * also as a full .NET type name), 2 → encrypted. Undefined for anything else, so the row falls back
 * to detection by shape (and a warning if that fails).
 */
export function membershipFormatName(passwordFormat: number, hashAlgorithmType: string): string | undefined {
  switch (passwordFormat) {
    case 0:
      return 'membership-clear';
    case 1: {
      const algorithm = hashAlgorithmType
        .replace(/^System\.Security\.Cryptography\./i, '')
        .replace(/-/g, '')
        .toLowerCase();
      return Object.hasOwn(MEMBERSHIP_ALGORITHMS, algorithm)
        ? `membership-${algorithm as MembershipAlgorithm}`
        : undefined;
    }
    case 2:
      return 'membership-encrypted';
    default:
      return undefined;
  }
}
