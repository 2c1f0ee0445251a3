import { randomBytes, randomUUID } from 'node:crypto';
import type { Stamp } from './schema-profile';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding, as ASP.NET Core Identity's Base32.ToBase32 writes it. */
function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * A fresh stamp value. Legacy applications only compare stamps for equality, so any unpredictable
 * value works; these imitate what the application itself writes (Identity: 20 random bytes in base32
 * for SecurityStamp, a GUID for ConcurrencyStamp).
 */
export function newStamp(generation: Stamp['generation']): string {
  switch (generation) {
    case 'uuid':
      return randomUUID();
    case 'base32':
      return base32(randomBytes(20));
    default: {
      const unreachable: never = generation;
      throw new Error(`unknown stamp generation ${String(unreachable)}`);
    }
  }
}
