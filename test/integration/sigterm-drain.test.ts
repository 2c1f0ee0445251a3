import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { initStore } from '../../src/commands/db-init';
import { createIdentityClient } from '../../src/grpc/client';
import { callError, promiseClient } from '../support/grpc-call';
import { HealthCheckRequest, HealthCheckResponse_ServingStatus, HealthClient } from '../support/health-client';

const PASSWORD = 'sigterm test password';

/** Starts `legacy-identity serve` as a real process and resolves with its gRPC address. */
async function startServe(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; address: string; output: () => string }> {
  const child = spawn(join('node_modules', '.bin', 'tsx'), ['src/cli.ts', 'serve'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /"event":"grpc_listening","address":"([^"]+)"/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited early (${code}): ${output}`)));
  });
  return { child, address, output: () => output };
}

describe('SIGTERM during in-flight calls', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lia-sigterm-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('turns health NOT_SERVING, finishes in-flight calls, refuses new ones, and exits 0', async function () {
    this.timeout(60_000);
    const dbPath = join(dir, 'legacy.db');
    await initStore({ kind: 'sqlite', path: dbPath }, { profile: 'default', createLegacySchema: true });
    const { child, address, output } = await startServe({
      STORE_URL: `sqlite:${dbPath}`,
      GRPC_ADDR: '127.0.0.1:0',
      HTTP_ADDR: 'off',
      METRICS_ADDR: 'off',
      // A deliberately slow KDF, one at a time, so calls are still running when SIGTERM arrives.
      SCRYPT_LOG_N: '15',
      KDF_CONCURRENCY: '1',
      KDF_QUEUE_LIMIT: '16',
    });
    const client = createIdentityClient(address);
    const rpc = promiseClient(client);
    const health = new HealthClient(address, credentials.createInsecure());
    try {
      await rpc.createUser({ email: 'drain@example.com', password: PASSWORD });
      const statuses: number[] = [];
      const watch = health.watch(HealthCheckRequest.create({ service: '' }));
      watch.on('data', (r: { status: number }) => statuses.push(r.status));
      watch.on('error', () => {});
      await new Promise((r) => setTimeout(r, 100));

      const inFlight = Array.from({ length: 4 }, () =>
        rpc.authenticate({ login: 'drain@example.com', password: PASSWORD }),
      );
      await new Promise((r) => setTimeout(r, 50));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');

      const results = await Promise.allSettled(inFlight);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'],
        JSON.stringify(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))),
      );
      assert.ok(statuses.includes(HealthCheckResponse_ServingStatus.NOT_SERVING), `health statuses seen: ${statuses}`);

      const late = await callError(rpc.getUser({ email: 'drain@example.com', login: '' }, { deadlineMs: 3_000 }));
      assert.ok([status.UNAVAILABLE, status.DEADLINE_EXCEEDED].includes(late.code), `late call got ${late.code}`);
      assert.equal(await exited, 0, output());
      assert.ok(!output().includes(PASSWORD));
    } finally {
      client.close();
      health.close();
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
