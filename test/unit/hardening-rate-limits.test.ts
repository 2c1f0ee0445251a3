import assert from 'node:assert/strict';
import { CREDENTIAL_ROUTES, clientKey, createIpRateLimit } from '../../src/bridge/rate-limit';
import { failureFromUpstream } from '../../src/bridge/status';
import { UpstreamError } from '../../src/bridge/upstream';
import type { Clock } from '../../src/domain/clock';
import { IdentityError } from '../../src/domain/errors';
import { IdentityService } from '../../src/domain/identity-service';
import { KeyedRateLimiter } from '../../src/domain/keyed-rate-limiter';
import { createLoginThrottle, LOGIN_THROTTLED_MESSAGE, normaliseLogin } from '../../src/domain/login-throttle';
import { decodeRetryInfo, encodeRetryInfo } from '../../src/grpc/retry-info';
import { toServiceError } from '../../src/grpc/status';
import { FakeHasher } from '../support/fake-hasher';
import { MemoryRepository } from '../support/memory-repository';

class ManualClock implements Clock {
  constructor(public ms = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

async function failure(promise: Promise<unknown>): Promise<IdentityError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof IdentityError, String(error));
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('KeyedRateLimiter', () => {
  it('allows a burst of `count`, then refuses with the time until the next token', () => {
    const clock = new ManualClock();
    const limiter = new KeyedRateLimiter({ count: 3, windowMs: 60_000 }, () => clock.ms);
    for (let i = 0; i < 3; i++) assert.equal(limiter.take('a').allowed, true);
    const refused = limiter.take('a');
    assert.equal(refused.allowed, false);
    assert.equal(refused.allowed === false && refused.retryAfterMs, 20_000);
    clock.advance(19_999);
    assert.equal(limiter.take('a').allowed, false);
    clock.advance(1);
    assert.equal(limiter.take('a').allowed, true);
  });

  it('keeps keys apart: one exhausted key does not limit another', () => {
    const clock = new ManualClock();
    const limiter = new KeyedRateLimiter({ count: 1, windowMs: 1000 }, () => clock.ms);
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, false);
    assert.equal(limiter.take('b').allowed, true);
  });

  it('gives a refunded token back, never beyond the capacity', () => {
    const clock = new ManualClock();
    const limiter = new KeyedRateLimiter({ count: 2, windowMs: 1000 }, () => clock.ms);
    limiter.take('a');
    limiter.take('a');
    limiter.refund('a');
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, false);
    for (let i = 0; i < 5; i++) limiter.refund('a');
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, false);
  });

  it('never tracks more than maxKeys, dropping refilled buckets before live ones', () => {
    const clock = new ManualClock();
    const limiter = new KeyedRateLimiter({ count: 2, windowMs: 1000 }, () => clock.ms, 100);
    for (let i = 0; i < 99; i++) limiter.take(`spray-${i}`);
    clock.advance(500);
    // The spray buckets have refilled; the victim's is empty and must survive the next eviction.
    limiter.take('victim');
    limiter.take('victim');
    limiter.take('newcomer');
    assert.equal(limiter.take('victim').allowed, false);
    for (let i = 0; i < 1000; i++) limiter.take(`more-${i}`);
    assert.ok(limiter.size <= 100, `size ${limiter.size}`);
  });

  it('does not refill when the clock goes backwards', () => {
    const clock = new ManualClock();
    const limiter = new KeyedRateLimiter({ count: 1, windowMs: 1000 }, () => clock.ms);
    limiter.take('a');
    clock.advance(-10_000);
    assert.equal(limiter.take('a').allowed, false);
  });
});

describe('login throttle', () => {
  function setup(rate = { count: 3, windowMs: 60_000 }) {
    const repository = new MemoryRepository();
    const hasher = new FakeHasher();
    const clock = new ManualClock();
    const service = new IdentityService({
      repository,
      hasher,
      clock,
      logger: { warn() {}, info() {} },
      migration: { mode: 'legacy', graceMs: 0 },
      rehashOnLogin: false,
      loginThrottle: createLoginThrottle(rate, clock),
    });
    return { service, hasher, clock };
  }

  it('normalises identifiers: case, surrounding space and compatibility forms share a budget', () => {
    assert.equal(normaliseLogin(' Alice@Example.COM '), 'alice@example.com');
    assert.equal(normaliseLogin('ａｌｉｃｅ'), 'alice');
  });

  it('refuses an identifier after `count` wrong passwords with resource_exhausted and a retry delay, before any KDF work', async () => {
    const { service, hasher } = setup();
    await service.createUser({ email: 'alice@example.com', password: 'right password' });
    for (let i = 0; i < 3; i++) {
      const e = await failure(service.authenticate({ login: 'alice@example.com', password: `wrong ${i}` }));
      assert.equal(e.code, 'invalid_credentials');
    }
    const verifies = hasher.calls.verify;
    const throttled = await failure(service.authenticate({ login: 'ALICE@example.com', password: 'right password' }));
    assert.equal(throttled.code, 'resource_exhausted');
    assert.equal(throttled.message, LOGIN_THROTTLED_MESSAGE);
    assert.equal(throttled.retryAfterMs, 20_000);
    assert.equal(hasher.calls.verify, verifies, 'no password was checked');
    assert.ok(!throttled.message.includes('alice'));
  });

  it('throttles unknown identifiers exactly like known ones (no enumeration)', async () => {
    const { service } = setup();
    await service.createUser({ email: 'alice@example.com', password: 'right password' });
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 4; i++) {
      known.push((await failure(service.authenticate({ login: 'alice@example.com', password: 'x' }))).code);
      unknown.push((await failure(service.authenticate({ login: 'nobody@example.com', password: 'x' }))).code);
    }
    assert.deepEqual(known, unknown);
    assert.deepEqual(known, [
      'invalid_credentials',
      'invalid_credentials',
      'invalid_credentials',
      'resource_exhausted',
    ]);
  });

  it('leaves other identifiers alone while one is throttled', async () => {
    const { service } = setup();
    await service.createUser({ email: 'bob@example.com', password: 'bob password' });
    for (let i = 0; i < 5; i++) await failure(service.authenticate({ login: 'alice@example.com', password: 'x' }));
    const bob = await service.authenticate({ login: 'bob@example.com', password: 'bob password' });
    assert.equal(bob.email, 'bob@example.com');
  });

  it('does not charge successes, overload or outages, so a busy legitimate user is never throttled', async () => {
    const { service, hasher } = setup({ count: 1, windowMs: 60_000 });
    await service.createUser({ email: 'carol@example.com', password: 'carol password' });
    for (let i = 0; i < 10; i++) await service.authenticate({ login: 'carol@example.com', password: 'carol password' });
    hasher.overloaded = true;
    for (let i = 0; i < 3; i++) {
      const e = await failure(service.authenticate({ login: 'carol@example.com', password: 'carol password' }));
      assert.equal(e.code, 'resource_exhausted');
      assert.equal(e.retryAfterMs, undefined, 'the KDF queue, not the throttle');
    }
    hasher.overloaded = false;
    await service.authenticate({ login: 'carol@example.com', password: 'carol password' });
  });

  it('lets the identifier try again once the retry delay has passed', async () => {
    const { service, clock } = setup({ count: 2, windowMs: 10_000 });
    await service.createUser({ email: 'dave@example.com', password: 'dave password' });
    await failure(service.authenticate({ login: 'dave@example.com', password: 'x' }));
    await failure(service.authenticate({ login: 'dave@example.com', password: 'y' }));
    const throttled = await failure(service.authenticate({ login: 'dave@example.com', password: 'dave password' }));
    assert.equal(throttled.code, 'resource_exhausted');
    clock.advance(throttled.retryAfterMs ?? Number.NaN);
    await service.authenticate({ login: 'dave@example.com', password: 'dave password' });
  });

  it('carries the retry delay to gRPC as google.rpc.RetryInfo', () => {
    const error = new IdentityError('resource_exhausted', LOGIN_THROTTLED_MESSAGE, { retryAfterMs: 61_500 });
    const serviceError = toServiceError(error);
    const upstream = new UpstreamError('authenticate', serviceError);
    assert.equal(upstream.retryAfterSeconds, 62);
    const failure = failureFromUpstream(upstream, 1);
    assert.deepEqual([failure.status, failure.error, failure.retryAfterSeconds], [429, 'rate_limited', 62]);
    // Without RetryInfo (a full KDF queue) the bridge's default applies.
    const queueFull = new UpstreamError(
      'authenticate',
      toServiceError(new IdentityError('resource_exhausted', 'busy')),
    );
    assert.equal(failureFromUpstream(queueFull, 1).retryAfterSeconds, 1);
    // grpc-js's own RESOURCE_EXHAUSTED (a message over a size limit) is a fault, not load shedding.
    const tooBig = new UpstreamError('getUser', { code: 8, details: 'Sent message larger than max' });
    assert.equal(failureFromUpstream(tooBig, 1).error, 'internal');
    assert.equal(decodeRetryInfo(encodeRetryInfo(61_500)), 61_500);
    assert.equal(decodeRetryInfo(encodeRetryInfo(0)), 0);
    assert.equal(decodeRetryInfo(Buffer.from([0xff, 0xff])), undefined);
  });
});

describe('bridge per-address limits', () => {
  it('counts IPv4-mapped IPv6 as IPv4 and IPv6 by its /64', () => {
    assert.equal(clientKey('203.0.113.9'), '203.0.113.9');
    assert.equal(clientKey('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(clientKey('2001:db8:1:2:aaaa::1'), clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
    assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'));
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
  });

  it('gives the KDF routes their own, stricter budget and answers 429 rate_limited with Retry-After', () => {
    let now = 0;
    const check = createIpRateLimit(
      { credentials: { count: 2, windowMs: 60_000 }, other: { count: 5, windowMs: 60_000 } },
      () => now,
    );
    assert.deepEqual([...CREDENTIAL_ROUTES].sort(), ['/v1/change-password', '/v1/create', '/v1/login']);
    assert.equal(check({ ip: '198.51.100.1', route: '/v1/login' }), null);
    assert.equal(check({ ip: '198.51.100.1', route: '/v1/change-password' }), null);
    const refused = check({ ip: '198.51.100.1', route: '/v1/login' });
    assert.equal(refused?.status, 429);
    assert.equal(refused?.error, 'rate_limited');
    assert.equal(refused?.retryAfterSeconds, 30);
    // Look-ups from the same address still pass; another address is untouched.
    assert.equal(check({ ip: '198.51.100.1', route: '/v1/get-user' }), null);
    assert.equal(check({ ip: '198.51.100.2', route: '/v1/login' }), null);
    now += 30_000;
    assert.equal(check({ ip: '198.51.100.1', route: '/v1/login' }), null);
  });
});
