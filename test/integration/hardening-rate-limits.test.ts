import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { UpstreamError } from '../../src/bridge/upstream';
import type { Clock } from '../../src/domain/clock';
import { callError, promiseClient } from '../support/grpc-call';
import { type Stack, startStack, TEST_BRIDGE_TOKEN } from '../support/stack';

class ManualClock implements Clock {
  ms = Date.parse('2026-06-01T00:00:00Z');
  now(): Date {
    return new Date(this.ms);
  }
}

interface Answer {
  readonly status: number;
  readonly error: unknown;
  readonly retryAfter: string | null;
}

async function post(stack: Stack, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${stack.bridgeUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  return { status: response.status, error: json.error, retryAfter: response.headers.get('retry-after') };
}

const login = (stack: Stack, who: string, password: string, headers?: Record<string, string>) =>
  post(stack, '/v1/login', { username_or_email: who, password }, headers);

describe('rate limits through the real bridge and gRPC server', () => {
  describe('per login identifier (RATE_LIMIT_LOGIN, shared by /v1/login and gRPC Authenticate)', () => {
    let stack: Stack;
    const clock = new ManualClock();
    before(async () => {
      stack = await startStack({ bridge: true, clock, env: { RATE_LIMIT_LOGIN: '10/15m' } });
      const rpc = promiseClient(stack.client);
      await rpc.createUser({ email: 'alice@example.com', password: 'alice password', username: 'alice' });
      await rpc.createUser({ email: 'bob@example.com', password: 'bob password' });
    });
    after(async () => {
      await stack.close();
    });

    it('answers 429 rate_limited with Retry-After after 10 wrong passwords, whatever the case of the identifier', async () => {
      for (let i = 0; i < 10; i++) {
        const who = i % 2 === 0 ? 'alice@example.com' : 'ALICE@Example.COM';
        assert.equal((await login(stack, who, `guess ${i}`)).status, 401);
      }
      assert.deepEqual(await login(stack, 'alice@example.com', 'guess 10'), {
        status: 429,
        error: 'rate_limited',
        retryAfter: '90',
      });
      // The right password is refused too while the budget is spent: the throttle runs before any check.
      assert.equal((await login(stack, 'alice@example.com', 'alice password')).status, 429);
    });

    it('throttles the same identifier over gRPC, with RESOURCE_EXHAUSTED and a RetryInfo', async () => {
      const error = await callError(
        promiseClient(stack.client).authenticate({ login: 'alice@example.com', password: 'alice password' }),
      );
      assert.equal(error.code, status.RESOURCE_EXHAUSTED);
      assert.equal(new UpstreamError('authenticate', error).retryAfterSeconds, 90);
    });

    it('does not affect other identifiers', async () => {
      assert.equal((await login(stack, 'bob@example.com', 'bob password')).status, 200);
      assert.equal((await login(stack, 'bob@example.com', 'wrong')).status, 401);
      // The username is a separate identifier (telling them apart would need the lookup the throttle avoids).
      assert.equal((await login(stack, 'alice', 'alice password')).status, 200);
    });

    it('lets the identifier in again once Retry-After has passed', async () => {
      clock.ms += 90_000;
      assert.equal((await login(stack, 'alice@example.com', 'alice password')).status, 200);
      // One token refilled; the success gave its reservation back, so one more guess is allowed, then 429.
      assert.equal((await login(stack, 'alice@example.com', 'guess 11')).status, 401);
      assert.equal((await login(stack, 'alice@example.com', 'guess 12')).status, 429);
    });

    it('never logs the identifier in clear', () => {
      assert.ok(!stack.logs.text.toLowerCase().includes('alice@example.com'));
    });
  });

  describe('per client address (RATE_LIMIT_IP_LOGIN, RATE_LIMIT_IP, BRIDGE_TRUST_PROXY)', () => {
    let stack: Stack;
    const clock = new ManualClock();
    before(async () => {
      stack = await startStack({
        bridge: true,
        clock,
        env: { RATE_LIMIT_IP_LOGIN: '3/1m', RATE_LIMIT_IP: '5/1m', RATE_LIMIT_LOGIN: 'off' },
      });
      await promiseClient(stack.client).createUser({ email: 'carol@example.com', password: 'carol password' });
    });
    after(async () => {
      await stack.close();
    });

    it('limits KDF routes more strictly than look-ups, each with its own budget and Retry-After', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await login(stack, 'carol@example.com', 'carol password')).status, 200);
      assert.deepEqual(await login(stack, 'carol@example.com', 'carol password'), {
        status: 429,
        error: 'rate_limited',
        retryAfter: '20',
      });
      assert.equal(
        (await post(stack, '/v1/change-password', { email: 'carol@example.com', new_password: 'x'.repeat(12) })).status,
        429,
      );
      // Look-ups from the same address have their own budget.
      assert.equal((await post(stack, '/v1/get-user', { email: 'carol@example.com' })).status, 200);
    });

    it('counts refused tokens against the address, and leaves the probes alone', async () => {
      for (let i = 0; i < 4; i++) {
        const answer = await post(
          stack,
          '/v1/get-user',
          { email: 'carol@example.com' },
          { authorization: 'Bearer wrong' },
        );
        assert.equal(answer.status, 401);
      }
      assert.equal((await post(stack, '/v1/get-user', { email: 'carol@example.com' })).status, 429);
      for (let i = 0; i < 10; i++) assert.equal((await fetch(`${stack.bridgeUrl}/healthz`)).status, 200);
    });

    it('ignores X-Forwarded-For from an untrusted peer', async () => {
      const answer = await login(stack, 'carol@example.com', 'carol password', { 'x-forwarded-for': '203.0.113.50' });
      assert.equal(answer.status, 429);
      clock.ms += 60_000;
      assert.equal((await login(stack, 'carol@example.com', 'carol password')).status, 200);
    });
  });

  describe('behind a trusted proxy', () => {
    let stack: Stack;
    before(async () => {
      stack = await startStack({
        bridge: true,
        env: { RATE_LIMIT_IP_LOGIN: '2/1m', RATE_LIMIT_LOGIN: 'off', BRIDGE_TRUST_PROXY: '127.0.0.1' },
      });
      await promiseClient(stack.client).createUser({ email: 'dave@example.com', password: 'dave password' });
    });
    after(async () => {
      await stack.close();
    });

    it('counts each forwarded client separately', async () => {
      const as = (ip: string) => login(stack, 'dave@example.com', 'dave password', { 'x-forwarded-for': ip });
      assert.deepEqual(
        [(await as('198.51.100.1')).status, (await as('198.51.100.1')).status, (await as('198.51.100.1')).status],
        [200, 200, 429],
      );
      assert.equal((await as('198.51.100.2')).status, 200);
      assert.equal((await as('2001:db8::1, 198.51.100.1')).status, 429, 'the address the trusted proxy saw counts');
    });
  });
});
