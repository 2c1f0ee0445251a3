import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { initStore } from '../../src/commands/db-init';
import { HealthCheckRequest, HealthCheckResponse_ServingStatus, HealthClient } from '../support/health-client';
import { type ServeProcess, startServeProcess } from '../support/serve-process';

const TOKEN = 'sigterm-bridge-token-0123456789abcdefghijkl';
const PASSWORD = 'sigterm load password';
const IN_FLIGHT = 16;
/** Generous: the drain of 16 logins needs a fraction of it; exceeding it means the drain hung. */
const SHUTDOWN_TIMEOUT_MS = 60_000;

/** The value of an unlabelled gauge in Prometheus text (0 when absent). */
function gauge(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

type Outcome = { status: number; error: unknown } | { failed: string };

describe('SIGTERM under load through the bridge', () => {
  let dir: string;
  let serve: ServeProcess | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lia-sigterm-load-'));
  });
  after(() => {
    if (serve && serve.child.exitCode === null) serve.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes every accepted request, refuses new ones cleanly (503 or connection refused), health NOT_SERVING, exit 0 within SHUTDOWN_TIMEOUT', async function () {
    this.timeout(120_000);
    const dbPath = join(dir, 'legacy.db');
    await initStore({ kind: 'sqlite', path: dbPath }, { profile: 'default', createLegacySchema: true });
    serve = await startServeProcess({
      STORE_URL: `sqlite:${dbPath}`,
      GRPC_ADDR: '127.0.0.1:0',
      HTTP_ADDR: '127.0.0.1:0',
      BRIDGE_TOKENS: TOKEN,
      // Scraped to see when every login has reached the KDF queue (below).
      METRICS_ADDR: '127.0.0.1:0',
      // One KDF at a time and room to queue: logins are still waiting when SIGTERM arrives. Each login
      // waits for every KDF run before it, so the bridge's budget and the drain get the largest values
      // allowed: this test is about draining, and a slow machine must not turn it into a 504 test.
      SCRYPT_LOG_N: '14',
      KDF_CONCURRENCY: '1',
      KDF_QUEUE_LIMIT: '64',
      BRIDGE_TIMEOUT: '15s',
      SHUTDOWN_TIMEOUT: `${SHUTDOWN_TIMEOUT_MS}ms`,
      // One user logs in many times at once here; the per-identifier throttle caps attempts in flight.
      RATE_LIMIT_LOGIN: 'off',
    });
    const post = async (path: string, body: unknown): Promise<Outcome> => {
      try {
        const response = await fetch(`${serve?.bridgeUrl}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const json = (await response.json()) as Record<string, unknown>;
        return { status: response.status, error: json.error };
      } catch (error) {
        return {
          failed: error instanceof Error ? `${error.message} ${String((error.cause as Error)?.message)}` : 'error',
        };
      }
    };
    assert.deepEqual(await post('/v1/create', { email: 'drain@example.com', password: PASSWORD }), {
      status: 201,
      error: undefined,
    });
    const health = new HealthClient(serve.grpcAddress, credentials.createInsecure());
    try {
      let sigtermAt = Number.POSITIVE_INFINITY;
      const finishedAt: number[] = [];
      const accepted = Array.from({ length: IN_FLIGHT }, () =>
        post('/v1/login', { username_or_email: 'drain@example.com', password: PASSWORD }).then((outcome) => {
          finishedAt.push(performance.now());
          return outcome;
        }),
      );
      // SIGTERM once every login is in the server's hands (waiting for the KDF, in it, or answered) and
      // some still wait: those are the accepted requests the drain must finish. Waiting for a condition,
      // not for time: on a loaded machine the requests can take longer to arrive than a KDF run.
      for (let scrape = 0; ; scrape++) {
        const text = await (await fetch(serve.metricsUrl)).text();
        const queued = gauge(text, 'identity_kdf_queue_depth');
        const inServer = queued + gauge(text, 'identity_kdf_in_flight') + finishedAt.length;
        if (inServer === IN_FLIGHT && queued > 0) break;
        assert.ok(scrape < 3_000, `only ${inServer} of ${IN_FLIGHT} logins reached the server`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const exited = new Promise<number | null>((resolve) => serve?.child.once('exit', (code) => resolve(code)));
      sigtermAt = performance.now();
      serve.child.kill('SIGTERM');

      // While draining: gRPC health says NOT_SERVING, and new requests are refused cleanly.
      const serving = await new Promise<number>((resolve) =>
        health.check(
          HealthCheckRequest.create({ service: '' }),
          new Metadata(),
          { deadline: Date.now() + 3_000 },
          (e, r) => resolve(e ? -1 : r.status),
        ),
      );
      const late: Outcome[] = [];
      for (let i = 0; i < 5; i++) late.push(await post('/v1/get-user', { email: 'drain@example.com' }));

      const results = await Promise.all(accepted);
      const code = await exited;
      const exitMs = performance.now() - sigtermAt;

      assert.deepEqual(
        results,
        Array.from({ length: IN_FLIGHT }, () => ({ status: 200, error: undefined })),
        'every accepted login completed',
      );
      assert.ok(finishedAt.filter((t) => t > sigtermAt).length > 0, 'some logins were still running at SIGTERM');
      assert.equal(serving, HealthCheckResponse_ServingStatus.NOT_SERVING, 'gRPC health while draining');
      for (const outcome of late) {
        const clean = 'failed' in outcome || (outcome.status === 503 && outcome.error === 'unavailable');
        assert.ok(clean, `a request after SIGTERM got ${JSON.stringify(outcome)}`);
      }
      assert.equal(code, 0, serve.output().slice(-2000));
      const stopped = serve.logLines().find((l) => l.event === 'stopped');
      assert.ok(stopped, 'logged the end of the drain');
      assert.ok(
        Number(stopped.duration_ms) <= SHUTDOWN_TIMEOUT_MS,
        `drain took ${stopped.duration_ms} ms, over SHUTDOWN_TIMEOUT`,
      );
      assert.ok(exitMs > 0);
      assert.ok(!serve.output().includes(PASSWORD));
    } finally {
      health.close();
    }
  });
});
