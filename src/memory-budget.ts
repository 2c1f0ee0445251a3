import type { ScryptCost } from './config';
import { defaultKdfMaxMemory } from './passwords/kdf-memory';

const MiB = 1024 * 1024;

/**
 * Resident memory of a running service apart from password hashing, under a sustained login flood
 * (runtime, code, heaps grown by the flood, open connections). Measured on Node 24 running the
 * sources through tsx with telemetry loaded — about 200 MiB idle, 300–320 MiB at the peak of a
 * 256-connection flood — plus headroom; a built process (`npm start`) uses less.
 */
export const BASE_MEMORY_BYTES = 352 * MiB;

/** What one new scrypt hash at `cost` holds while it runs: 128·N·r bytes (p lanes run one after another). */
export function kdfMemoryBytes(cost: ScryptCost): number {
  return 128 * 2 ** cost.logN * cost.r;
}

/**
 * The memory budget: BASE_MEMORY_BYTES + KDF_CONCURRENCY × KDF_MAX_MEMORY. It holds because at most
 * KDF_CONCURRENCY hashes run at once, every request beyond the bounded queue is refused at once
 * (RESOURCE_EXHAUSTED / 429) instead of waiting, and no hash may take more than KDF_MAX_MEMORY: new
 * hashes are at the configured cost, which start-up keeps within it, and a stored hash needing more
 * (scrypt 128·N·r·p, argon2 m — a tampered row) is refused before any work; bcrypt, PBKDF2, phpass and
 * the digests allocate nothing significant. The budget is for the worst case, every slot running a
 * hash at the ceiling; with only the service's own hashes the KDF part is KDF_CONCURRENCY × 128·N·r.
 * glibc returns a hash's memory when it is over its 32 MiB mmap threshold (SCRYPT_LOG_N ≥ 15 with
 * r = 8, so the default cost); smaller hashes may be kept in per-thread malloc arenas, up to
 * UV_THREADPOOL_SIZE (4) of them — still bounded.
 *
 * `kdfMaxMemory` is KDF_MAX_MEMORY (config.kdf.maxMemoryBytes); absent, its default for `cost`.
 */
export function memoryBudgetBytes(options: {
  readonly cost: ScryptCost;
  readonly kdfConcurrency: number;
  readonly kdfMaxMemory?: number;
}): number {
  return BASE_MEMORY_BYTES + options.kdfConcurrency * (options.kdfMaxMemory ?? defaultKdfMaxMemory(options.cost));
}
