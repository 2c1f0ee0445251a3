import type { ScryptCost } from '../config';
import { MalformedHashError } from './password-format';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/**
 * The floor of KDF_MAX_MEMORY's default. 256 MiB verifies every deployed default this adapter has met:
 * scrypt at OWASP's logN 17 r 8 (128 MiB), argon2 at OWASP's 19 MiB, PHP's 64 MiB and libsodium's
 * "moderate" 256 MiB. It is also what argon2 rows were held to before the ceiling was configurable.
 */
export const KDF_MAX_MEMORY_DEFAULT_FLOOR = 256 * MiB;

/** The largest KDF_MAX_MEMORY accepted: a typo (`256GiB`) must not switch the ceiling off. */
export const KDF_MAX_MEMORY_LIMIT = 4 * GiB;

/**
 * The memory one scrypt hash is charged: 128·N·r·p bytes. Node's scrypt (OpenSSL) runs the p lanes
 * one after another over one 128·N·r array, so this over-counts when p > 1; counting p keeps the
 * bound an upper one whatever the implementation, and also caps the work of a tampered p.
 */
export function scryptMemoryBytes(cost: ScryptCost): number {
  return 128 * 2 ** cost.logN * cost.r * cost.p;
}

/** argon2's `m` is its whole memory in KiB, however many lanes share it. */
export function argon2MemoryBytes(memoryKiB: number): number {
  return memoryKiB * KiB;
}

/**
 * KDF_MAX_MEMORY when it is not set: the configured scrypt cost's memory, or 256 MiB if that is less,
 * so the service always verifies its own hashes and the usual legacy costs.
 */
export function defaultKdfMaxMemory(cost: ScryptCost): number {
  return Math.max(scryptMemoryBytes(cost), KDF_MAX_MEMORY_DEFAULT_FLOOR);
}

/** `256 MiB`, `1.5 GiB`, `1024 KiB` or bytes: for messages and docs, never for parsing. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', GiB],
    ['MiB', MiB],
    ['KiB', KiB],
  ] as const) {
    if (bytes >= size) return `${Math.round((bytes / size) * 100) / 100} ${unit}`;
  }
  return `${bytes} bytes`;
}

/**
 * Refuses a stored hash whose cost needs more than `maxBytes` (KDF_MAX_MEMORY), before any work: a
 * MalformedHashError, so the caller sees a non-match and the log a warning naming the bound.
 */
export function assertWithinMemory(format: string, bytes: number, maxBytes: number): void {
  if (bytes > maxBytes) {
    throw new MalformedHashError(
      format,
      `cost needs ${formatBytes(bytes)} of memory, above KDF_MAX_MEMORY (${formatBytes(maxBytes)})`,
    );
  }
}
