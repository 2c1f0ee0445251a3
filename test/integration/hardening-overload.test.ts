import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { initStore } from '../../src/commands/db-init';
import { memoryBudgetBytes } from '../../src/memory-budget';
import { callError, type PromiseClient, promiseClient } from '../support/grpc-call';
import { residentMemory } from '../support/process-memory';
import { metricValue } from '../support/prometheus-text';
import { type ServeProcess, startServeProcess } from '../support/serve-process';
import { type Stack, startStack } from '../support/stack';

const TOKEN = 'overload-bridge-token-0123456789abcdefghijk';
const PASSWORD = 'overload test password';
const MiB = 1024 * 1024;

describe('overload: a sustained login flood', () => {
  let dir: string;
  let serve: ServeProcess | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lia-overload-'));
  });
  after(async () => {
    if (serve && serve.child.exitCode === null) serve.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('sheds load with 429 rate_limited + Retry-After and keeps peak memory within the documented budget', async function () {
    this.timeout(180_000);
    const dbPath = join(dir, 'legacy.db');
    await initStore({ kind: 'sqlite', path: dbPath }, { profile: 'default', createLegacySchema: true });
    // 64 MiB per hash (above glibc's mmap threshold, so each hash's memory is returned), two at once,
    // a short queue; the per-address and per-identifier limits off so that the KDF queue is what sheds.
    // KDF_MAX_MEMORY at the cost's own 64 MiB, so the budget is as tight as the configuration allows.
    const cost = { logN: 16, r: 8, p: 1 };
    const kdfConcurrency = 2;
    const kdfMaxMemory = 64 * MiB;
    serve = await startServeProcess({
      STORE_URL: `sqlite:${dbPath}`,
      GRPC_ADDR: '127.0.0.1:0',
      HTTP_ADDR: '127.0.0.1:0',
      BRIDGE_TOKENS: TOKEN,
      METRICS_ADDR: 'off',
      SCRYPT_LOG_N: String(cost.logN),
      KDF_CONCURRENCY: String(kdfConcurrency),
      KDF_QUEUE_LIMIT: '4',
      KDF_MAX_MEMORY: '64MiB',
      RATE_LIMIT_IP_LOGIN: 'off',
      RATE_LIMIT_LOGIN: 'off',
    });
    const pid = serve.child.pid ?? Number.NaN;
    const bridge = serve.bridgeUrl;
    const login = async () => {
      const response = await fetch(`${bridge}/v1/login`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ username_or_email: 'flood@example.com', password: PASSWORD }),
      });
      const body = (await response.json()) as Record<string, unknown>;
      return { status: response.status, error: body.error, retryAfter: response.headers.get('retry-after') };
    };
    const created = await fetch(`${bridge}/v1/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'flood@example.com', password: PASSWORD }),
    });
    assert.equal(created.status, 201);

    // 64 clients, 1500 logins of a valid user, each client sending its next login as soon as it has an answer.
    const counts = new Map<string, number>();
    let sent = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (sent++ < 1500) {
          const answer = await login();
          const key = `${answer.status} ${answer.error ?? ''}`.trim();
          counts.set(key, (counts.get(key) ?? 0) + 1);
          if (answer.status === 429) assert.match(answer.retryAfter ?? '', /^\d+$/);
        }
      }),
    );
    const { peakBytes } = residentMemory(pid);
    // base + KDF_CONCURRENCY × KDF_MAX_MEMORY
    const budget = memoryBudgetBytes({ cost, kdfConcurrency, kdfMaxMemory });
    const summary = `answers ${JSON.stringify(Object.fromEntries(counts))}, peak RSS ${Math.round(peakBytes / MiB)} MiB, budget ${Math.round(budget / MiB)} MiB (${kdfConcurrency} × KDF_MAX_MEMORY ${kdfMaxMemory / MiB} MiB)`;
    assert.deepEqual(
      [...counts.keys()].sort(),
      ['200', '429 rate_limited'],
      `only successes and load shedding: ${summary}`,
    );
    assert.ok((counts.get('429 rate_limited') ?? 0) > (counts.get('200') ?? 0), `mostly shed: ${summary}`);
    assert.ok(peakBytes <= budget, `peak memory over budget: ${summary}`);

    // Still serving, and it drains and exits cleanly.
    assert.equal((await login()).status, 200);
    assert.equal(await serve.stop(), 0);
  });
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Polls `condition` until it holds; fails naming `what` if it never does (a bound on waiting, not a timing assertion). */
async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1_500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never came true: ${what}`);
}

describe('overload: a caller that gave up does not take a KDF slot', () => {
  const PASSWORD_OK = 'deadline test password';
  let stack: Stack;
  let rpc: PromiseClient;

  before(async () => {
    // One KDF slot; one failed login per identifier per hour, so a single wrongly charged attempt shows.
    stack = await startStack({ env: { KDF_CONCURRENCY: '1', KDF_QUEUE_LIMIT: '8', RATE_LIMIT_LOGIN: '1/1h' } });
    rpc = promiseClient(stack.client);
    await rpc.createUser({ email: 'long@example.com', password: PASSWORD_OK });
    await rpc.createUser({ email: 'short@example.com', password: PASSWORD_OK });
    await rpc.createUser({ email: 'guarded@example.com', password: PASSWORD_OK });
  });
  after(async () => {
    await stack.close();
  });

  const metrics = () => stack.running.metrics.registry.metrics();
  /** KDF tasks that left the queue and ran (the queue-wait histogram counts one per start). */
  const kdfStarted = async () => Number(/^identity_kdf_queue_wait_seconds_count (\d+)$/m.exec(await metrics())?.[1]);
  const kdfExpired = async () => Number(/^identity_kdf_expired_total (\d+)$/m.exec(await metrics())?.[1]);
  const authenticateEnded = async (code: string) =>
    metricValue(await metrics(), 'identity_grpc_requests_total', { rpc: 'Authenticate', code }) ?? 0;

  /**
   * Holds the only KDF slot until released: a slow hash that ends exactly when the test says, so
   * nothing depends on how fast this machine computes scrypt.
   */
  async function holdTheSlot() {
    const gate = deferred();
    const held = stack.running.kdf.run(() => gate.promise);
    await until('the slot is held', () => stack.running.kdf.running === 1);
    return {
      release: async () => {
        gate.resolve();
        await held;
      },
    };
  }

  it('a call whose deadline passes in the queue ends DEADLINE_EXCEEDED and its KDF never runs; the call ahead of it still does', async function () {
    this.timeout(30_000);
    const slot = await holdTheSlot();
    try {
      const startedBefore = await kdfStarted();
      const expiredBefore = await kdfExpired();
      // The long call waits for the slot with no deadline; the short one (another user: the login
      // throttle lets one identifier have only one attempt in flight here) queues behind it.
      const long = rpc.authenticate({ login: 'long@example.com', password: PASSWORD_OK });
      await until('the long call is queued', () => stack.running.kdf.queued === 1);
      const short = await callError(
        rpc.authenticate({ login: 'short@example.com', password: PASSWORD_OK }, { deadlineMs: 200 }),
      );
      assert.equal(short.code, status.DEADLINE_EXCEEDED);
      // The server gives it up too: it leaves the queue, counted as expired, while the slot is still held.
      await until('the server drops the expired call', async () => (await kdfExpired()) === expiredBefore + 1);
      assert.equal(stack.running.kdf.queued, 1, 'only the long call still waits');

      await slot.release();
      assert.equal((await long).user?.email, 'long@example.com');
      await until('the KDF queue is idle', () => stack.running.kdf.running === 0 && stack.running.kdf.queued === 0);
      assert.equal((await kdfStarted()) - startedBefore, 1, "only the long call's KDF ran, never the expired one's");
    } finally {
      await slot.release();
    }
  });

  it('an authenticate whose deadline passes in the queue is neither answered nor charged as invalid credentials', async function () {
    this.timeout(30_000);
    const slot = await holdTheSlot();
    const endedBefore = await authenticateEnded('DEADLINE_EXCEEDED');
    const unauthenticatedBefore = await authenticateEnded('UNAUTHENTICATED');
    const logged = stack.logs.lines.length;
    try {
      // A wrong password for a real user, and an unknown user: both would be charged had they run.
      const expired = await Promise.all([
        callError(rpc.authenticate({ login: 'guarded@example.com', password: 'wrong' }, { deadlineMs: 200 })),
        callError(rpc.authenticate({ login: 'nobody@example.com', password: 'wrong' }, { deadlineMs: 200 })),
      ]);
      assert.deepEqual(
        expired.map((e) => e.code),
        [status.DEADLINE_EXCEEDED, status.DEADLINE_EXCEEDED],
      );
      await until(
        'the server ends both calls',
        async () => (await authenticateEnded('DEADLINE_EXCEEDED')) === endedBefore + 2,
      );
    } finally {
      await slot.release();
    }
    assert.equal(
      await authenticateEnded('UNAUTHENTICATED'),
      unauthenticatedBefore,
      'an expired call was answered as invalid credentials',
    );

    // Each identifier still has its one failed attempt: the expired calls were not charged…
    for (const login of ['guarded@example.com', 'nobody@example.com']) {
      const wrong = await callError(rpc.authenticate({ login, password: 'wrong' }));
      assert.equal(wrong.code, status.UNAUTHENTICATED, `${login}: ${wrong.details}`);
      // …and the throttle is live: the next failure is refused.
      const throttled = await callError(rpc.authenticate({ login, password: 'wrong' }));
      assert.equal(throttled.code, status.RESOURCE_EXHAUSTED, `${login}: ${throttled.details}`);
    }
    const outcomes = stack.logs
      .entries()
      .slice(logged)
      .filter((e) => e.rpc === 'Authenticate')
      .map((e) => e.outcome);
    assert.deepEqual(outcomes, [
      'deadline_exceeded',
      'deadline_exceeded',
      'invalid_credentials',
      'resource_exhausted',
      'invalid_credentials',
      'resource_exhausted',
    ]);
  });
});
