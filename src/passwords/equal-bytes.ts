import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality of two byte strings. Only the lengths (which the stored format fixes, so they
 * reveal nothing about the password) are compared in variable time.
 */
export function equalBytes(expected: Uint8Array, actual: Uint8Array): boolean {
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
