import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initStore } from '../../src/commands/db-init';
import { kdfMemoryBytes, memoryBudgetBytes } from '../../src/memory-budget';
import { residentMemory } from '../support/process-memory';
import { type ServeProcess, startServeProcess } from '../support/serve-process';

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
    const cost = { logN: 16, r: 8, p: 1 };
    const kdfConcurrency = 2;
    serve = await startServeProcess({
      STORE_URL: `sqlite:${dbPath}`,
      GRPC_ADDR: '127.0.0.1:0',
      HTTP_ADDR: '127.0.0.1:0',
      BRIDGE_TOKENS: TOKEN,
      METRICS_ADDR: 'off',
      SCRYPT_LOG_N: String(cost.logN),
      KDF_CONCURRENCY: String(kdfConcurrency),
      KDF_QUEUE_LIMIT: '4',
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
    const budget = memoryBudgetBytes({ cost, kdfConcurrency });
    const summary = `answers ${JSON.stringify(Object.fromEntries(counts))}, peak RSS ${Math.round(peakBytes / MiB)} MiB, budget ${Math.round(budget / MiB)} MiB (${kdfConcurrency} × ${kdfMemoryBytes(cost) / MiB} MiB KDF)`;
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
