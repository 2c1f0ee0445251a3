import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from './clock';
import { IdentityError } from './errors';
import { KeyedRateLimiter, type Rate } from './keyed-rate-limiter';

/** One reserved login attempt, settled once its outcome is known. */
export interface LoginAttempt {
  /** The attempt did not end in wrong credentials (success, overload, outage): it does not count. */
  release(): void;
}

/**
 * Limits password guesses per login identifier, whatever address they come from: the bridge sees
 * every Auth0 login from a few Auth0 egress addresses, so only the identifier separates an attacker
 * from everyone else. One identifier under attack never affects another.
 */
export interface LoginThrottle {
  /**
   * Reserves an attempt for `login` before any password work. Raises `resource_exhausted` with
   * `retryAfterMs` when the identifier's budget of failed attempts is spent.
   */
  reserve(login: string): LoginAttempt;
}

/** The refusal's message: the same for every identifier, and it never names the identifier. */
export const LOGIN_THROTTLED_MESSAGE = 'too many failed attempts for this login; retry later';

/**
 * The key an identifier is counted under: Unicode NFKC, trimmed, lower-cased, so `Alice@Example.com`
 * and `alice@example.com` share one budget (emails compare case-insensitively in the store). An
 * email and the username of the same user are counted separately: telling them apart would need a
 * store lookup before the throttle, which is the work the throttle exists to avoid.
 */
export function normaliseLogin(login: string): string {
  return login.normalize('NFKC').trim().toLowerCase();
}

/**
 * The throttle the domain uses: a token bucket per identifier (`rate.count` failed attempts, refilled
 * evenly over `rate.windowMs`). Every attempt takes a token before the KDF runs, so a burst of
 * concurrent guesses is capped too (at most `rate.count` attempts of one identifier are in flight at
 * once); success, overload and outages give it back, so only wrong credentials count and a user who
 * logs in often is never throttled.
 *
 * Identifiers are kept only as keyed hashes (HMAC-SHA-256 with a random per-process key): a heap
 * dump holds no login names, and each key has a fixed size whatever the caller sent.
 */
export function createLoginThrottle(rate: Rate, clock: Clock): LoginThrottle {
  const limiter = new KeyedRateLimiter(rate, () => clock.now().getTime());
  const hashKey = randomBytes(32);
  const keyOf = (login: string) => createHmac('sha256', hashKey).update(normaliseLogin(login)).digest('base64url');
  return {
    reserve(login) {
      const key = keyOf(login);
      const taken = limiter.take(key);
      if (!taken.allowed) {
        throw new IdentityError('resource_exhausted', LOGIN_THROTTLED_MESSAGE, { retryAfterMs: taken.retryAfterMs });
      }
      let settled = false;
      return {
        release() {
          if (settled) return;
          settled = true;
          limiter.refund(key);
        },
      };
    },
  };
}
