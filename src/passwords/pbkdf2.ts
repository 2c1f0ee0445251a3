import { pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import { type KdfAccess, MalformedHashError } from './password-format';

const pbkdf2Async = promisify(pbkdf2);

/**
 * The most PBKDF2 work a stored hash may ask for, counted as iterations × output blocks (one block is
 * one digest length of derived key). Real configurations stay far below it — ASP.NET Identity v3 uses
 * 10 000 (Core ≤ 6) or 100 000 (.NET 7+), Django 1 000 000 (5.2) and raises ~20 % a release, OWASP
 * asks 600 000 for SHA-256 — while 5 000 000 SHA-256 iterations already take ≈ 0.7 s of one core here.
 * Beyond it a tampered row could hold a KDF slot for minutes, so the hash is refused without work.
 */
export const PBKDF2_MAX_ITERATIONS = 5_000_000;
/** Derived keys longer than this are no format's: Identity uses 32 bytes, Django one digest. */
export const PBKDF2_MAX_KEY_BYTES = 256;

export type Pbkdf2Digest = 'sha1' | 'sha256' | 'sha512';

const DIGEST_BYTES: Record<Pbkdf2Digest, number> = { sha1: 20, sha256: 32, sha512: 64 };

export interface Pbkdf2Params {
  readonly digest: Pbkdf2Digest;
  readonly iterations: number;
  readonly salt: Buffer;
  readonly keyBytes: number;
}

/**
 * Refuses parameters beyond the bounds (as MalformedHashError of `format`), then derives the key on the
 * libuv threadpool through the limiter.
 */
export async function derivePbkdf2(
  format: string,
  password: string,
  params: Pbkdf2Params,
  kdf: KdfAccess,
): Promise<Buffer> {
  const { digest, iterations, salt, keyBytes } = params;
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new MalformedHashError(format, 'iteration count is not a positive integer');
  }
  if (keyBytes < 1 || keyBytes > PBKDF2_MAX_KEY_BYTES) {
    throw new MalformedHashError(format, `derived key of ${keyBytes} bytes is beyond the allowed bounds`);
  }
  const blocks = Math.ceil(keyBytes / DIGEST_BYTES[digest]);
  if (iterations * blocks > PBKDF2_MAX_ITERATIONS) {
    throw new MalformedHashError(
      format,
      `${iterations} iterations × ${blocks} blocks exceed the limit of ${PBKDF2_MAX_ITERATIONS}`,
    );
  }
  return kdf.run(() => pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, keyBytes, digest));
}
