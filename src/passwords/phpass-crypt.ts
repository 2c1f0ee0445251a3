import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/**
 * The iterated digest shared by phpass (`$P$` / `$H$`, MD5) and Drupal 7 (`$S$`, SHA-512): both are
 * Drupal's `_password_crypt($algo, …)` / phpass's `crypt_private`: h = digest(salt ‖ password), then
 * 2^log2 times h = digest(h ‖ password), written with the crypt alphabet below.
 */
export const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** phpass and Drupal accept log2(count) 7..30 (DRUPAL_MIN_HASH_COUNT, DRUPAL_MAX_HASH_COUNT). */
export const PHPASS_SPEC_MIN_LOG2 = 7;
export const PHPASS_SPEC_MAX_LOG2 = 30;
/**
 * The largest count actually computed: 2^18 rounds, ≈ 0.4 s of CPU here for MD5 and SHA-512 alike
 * (in Node each round costs the same object overhead whichever digest). Deployed hashes use 2^13
 * (WordPress), 2^11 (phpBB, Drupal's `U$` upgrades), 2^15 (Drupal 7) or 2^16 (Drupal 8+), so 18 leaves
 * headroom; the spec's 2^30 would be ≈ 30 minutes of CPU per attempt, which a tampered row must not
 * be able to ask for.
 */
export const PHPASS_MAX_LOG2 = 18;
/**
 * Rounds computed between two yields to the event loop. Node has no threadpool primitive for an
 * iterated digest, so these run on the main thread in slices of a few milliseconds and other
 * requests interleave.
 */
const ROUNDS_PER_SLICE = 4096;

/**
 * The count character's log2, checked against the spec and then against PHPASS_MAX_LOG2; `problem`
 * receives the reason it is refused (safe to log), or the log2 is returned.
 */
export function readCountLog2(char: string, problem: (reason: string) => Error): number {
  const log2 = ITOA64.indexOf(char);
  if (log2 < PHPASS_SPEC_MIN_LOG2 || log2 > PHPASS_SPEC_MAX_LOG2) {
    throw problem(`count 2^${log2} is outside the spec's 2^${PHPASS_SPEC_MIN_LOG2}..2^${PHPASS_SPEC_MAX_LOG2}`);
  }
  if (log2 > PHPASS_MAX_LOG2) throw problem(`count 2^${log2} exceeds the limit of 2^${PHPASS_MAX_LOG2}`);
  return log2;
}

/** phpass's `encode64` (Drupal's `_password_base64_encode`): little-endian, 6 bits a character. */
export function encodePhpassBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const value = (bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += ITOA64.charAt((value >>> (6 * c)) & 0x3f);
  }
  return out;
}

/** h = digest(salt ‖ password), then `rounds` times h = digest(h ‖ password), yielding between slices. */
export async function iteratedDigest(
  algorithm: 'md5' | 'sha512',
  salt: Buffer,
  password: Buffer,
  rounds: number,
): Promise<Buffer> {
  let digest = createHash(algorithm).update(salt).update(password).digest();
  for (let done = 0; done < rounds; ) {
    const sliceEnd = Math.min(rounds, done + ROUNDS_PER_SLICE);
    for (; done < sliceEnd; done++) digest = createHash(algorithm).update(digest).update(password).digest();
    if (done < rounds) await yieldToEventLoop();
  }
  return digest;
}
