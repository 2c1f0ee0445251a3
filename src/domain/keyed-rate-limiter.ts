/** A rate: `count` events per `windowMs`, e.g. 10 per 15 minutes. */
export interface Rate {
  readonly count: number;
  readonly windowMs: number;
}

/**
 * Keys tracked at most, per limiter. A bucket is ~200 bytes (a 43-character key and two numbers), so
 * this caps a limiter near 20 MiB however many distinct keys (addresses, guessed logins) a flood uses.
 */
export const RATE_LIMITER_MAX_KEYS = 100_000;

/** Share of the keys dropped at once when the limiter is full of live buckets, so eviction stays rare. */
const EVICT_SHARE = 0.1;

interface Bucket {
  tokens: number;
  at: number;
}

export type TakeResult = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Token buckets, one per key: each holds up to `rate.count` tokens and refills evenly, `rate.count` per
 * `rate.windowMs`. `take` spends one token or says how long until one is back. Memory is bounded: a
 * bucket that has refilled completely is the same as no bucket and is dropped when room is needed;
 * beyond `maxKeys` live buckets, the least recently used are dropped (their keys start afresh, which
 * only loosens the limit for keys idle longer than every other tracked key).
 *
 * Pure and synchronous, with the time passed in, so it is exact under test and shared by the bridge
 * (per client address) and the domain (per login).
 */
export class KeyedRateLimiter {
  readonly #capacity: number;
  /** Tokens per millisecond. */
  readonly #refill: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  /** In least-recently-used order: a touched key is re-inserted at the end. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(rate: Rate, now: () => number, maxKeys: number = RATE_LIMITER_MAX_KEYS) {
    if (!(rate.count >= 1) || !(rate.windowMs >= 1)) throw new RangeError('a rate needs count ≥ 1 and windowMs ≥ 1');
    this.#capacity = rate.count;
    this.#refill = rate.count / rate.windowMs;
    this.#maxKeys = Math.max(1, maxKeys);
    this.#now = now;
  }

  /** Keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Spends one of `key`'s tokens, or refuses and says when the next one will be there. */
  take(key: string): TakeResult {
    const now = this.#now();
    const bucket = this.#bucket(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#refill)) };
  }

  /** Gives back a token taken for an event that, in the end, should not count. */
  refund(key: string): void {
    const now = this.#now();
    const bucket = this.#buckets.get(key);
    if (!bucket) return;
    this.#settle(bucket, now);
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + 1);
  }

  #bucket(key: string, now: number): Bucket {
    const existing = this.#buckets.get(key);
    if (existing) {
      this.#buckets.delete(key);
      this.#buckets.set(key, existing);
      this.#settle(existing, now);
      return existing;
    }
    if (this.#buckets.size >= this.#maxKeys) this.#makeRoom(now);
    const fresh = { tokens: this.#capacity, at: now };
    this.#buckets.set(key, fresh);
    return fresh;
  }

  #settle(bucket: Bucket, now: number): void {
    // A clock that goes backwards (a test, an NTP step) refills nothing rather than draining the bucket.
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + elapsed * this.#refill);
    bucket.at = Math.max(bucket.at, now);
  }

  #makeRoom(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      this.#settle(bucket, now);
      if (bucket.tokens >= this.#capacity) this.#buckets.delete(key);
    }
    if (this.#buckets.size < this.#maxKeys * (1 - EVICT_SHARE)) return;
    let drop = Math.max(1, Math.ceil(this.#maxKeys * EVICT_SHARE));
    for (const key of this.#buckets.keys()) {
      if (drop-- <= 0) break;
      this.#buckets.delete(key);
    }
  }
}
