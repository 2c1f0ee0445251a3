import { createHash, timingSafeEqual } from 'node:crypto';

/** `Bearer <token>`; the scheme is case-insensitive (RFC 9110 §11.1), the token is the rest of the line. */
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/**
 * Builds the bridge's caller check: true when the Authorization header carries one of `tokens`.
 *
 * Several tokens may be valid at once so they can rotate without downtime. Both sides are hashed to
 * 32 bytes before `timingSafeEqual`, so neither a token's length nor the position of the first wrong
 * byte shows in the timing, and every configured token is compared on every call (no early exit).
 */
export function createTokenCheck(tokens: readonly string[]): (authorization: string | undefined) => boolean {
  if (tokens.length === 0) throw new Error('the bridge needs at least one token');
  const expected = tokens.map(digest);
  return (authorization) => {
    const presented = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    // Hash something even when nothing usable was sent, so a missing token costs what a wrong one does.
    const candidate = digest(presented ?? '');
    let match = false;
    for (const token of expected) {
      if (timingSafeEqual(token, candidate)) match = true;
    }
    return match && presented !== undefined;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
