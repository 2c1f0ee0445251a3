/**
 * The part of an ASP.NET `<machineKey>` that Membership's PasswordFormat 2 needs: the `decryption`
 * algorithm and the `decryptionKey`. Parsed once at start-up (config.ts) and handed to the hasher.
 */
export interface MembershipMachineKey {
  /** The cipher, after `Auto` is resolved (System.Web: AES unless the key is 8 bytes, which is DES). */
  readonly decryption: 'AES' | '3DES';
  /** The `decryptionKey` bytes. A secret: never logged, never in an error message. */
  readonly key: Buffer;
}

/** The `decryption` values accepted, as web.config spells them. DES (8-byte keys) is not supported. */
export const MEMBERSHIP_DECRYPTIONS = ['AES', '3DES', 'Auto'] as const;
export type MembershipDecryption = (typeof MEMBERSHIP_DECRYPTIONS)[number];

/** Key sizes (bytes) .NET accepts for each cipher: AES-128/192/256; TripleDES with two or three keys. */
const KEY_BYTES = { AES: [16, 24, 32], '3DES': [16, 24] } as const;

/** A machineKey `decryption` value, case-insensitive. */
export function parseMembershipDecryption(value: string): MembershipDecryption {
  const name = MEMBERSHIP_DECRYPTIONS.find((d) => d.toLowerCase() === value.trim().toLowerCase());
  if (name === undefined) throw new Error('expected AES, 3DES or Auto (DES is not supported)');
  return name;
}

/**
 * Parses a hex `decryptionKey` for the `decryption` cipher. Throws an Error whose message describes
 * the problem by sizes and never contains the key.
 */
export function parseMembershipMachineKey(name: MembershipDecryption, keyHex: string): MembershipMachineKey {
  const hex = keyHex.trim();
  if (hex.startsWith('AutoGenerate')) {
    throw new Error(
      'an AutoGenerate key never leaves the legacy server (and SqlMembershipProvider refuses encrypted passwords with it); copy an explicit decryptionKey',
    );
  }
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) {
    throw new Error(
      `expected the machineKey decryptionKey as hex (an even number of 0-9 A-F), got ${hex.length} characters that are not`,
    );
  }
  const key = Buffer.from(hex, 'hex');
  if (name === 'Auto' && key.length === 8) {
    throw new Error('an 8-byte key with decryption Auto means single DES, which is not supported');
  }
  const cipher = name === 'Auto' ? 'AES' : name;
  const sizes: readonly number[] = KEY_BYTES[cipher];
  if (!sizes.includes(key.length)) {
    throw new Error(
      `a ${key.length}-byte key does not fit ${cipher} (expected ${sizes.map((n) => `${n * 2}`).join(' or ')} hex characters)`,
    );
  }
  return { decryption: cipher, key };
}
