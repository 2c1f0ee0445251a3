import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initStore } from '../../src/commands/db-init';
import { loadConfig } from '../../src/config';
import { TEST_BRIDGE_TOKEN, TEST_SCRYPT_ENV } from '../support/stack';

const CLI = resolve('src/cli.ts');
const TSX = resolve('node_modules/.bin/tsx');

function occupyPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolvePort({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

/** Runs `serve` to its end; returns its exit code, its output and the gRPC address it logged. */
function serve(env: Record<string, string>): Promise<{ code: number | null; output: string; grpc: string | null }> {
  const child = spawn(TSX, [CLI, 'serve'], {
    env: { PATH: process.env.PATH ?? '', ...TEST_SCRYPT_ENV, GRPC_ADDR: '127.0.0.1:0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  return new Promise((resolveRun) => {
    child.once('exit', (code) => {
      const grpc = /"event":"grpc_listening","address":"([^"]+)"/.exec(output)?.[1] ?? null;
      resolveRun({ code, output, grpc });
    });
  });
}

/** True when something accepts TCP connections at host:port. */
function listening(address: string): Promise<boolean> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolveProbe) => {
    const probe = createServer();
    probe.once('error', () => resolveProbe(true));
    probe.listen(port, host, () => probe.close(() => resolveProbe(false)));
  });
}

describe('serve: a start-up failure after the gRPC port is bound', function () {
  this.timeout(60_000);
  let dir: string;
  let busy: { server: Server; port: number };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lia-startup-'));
    busy = await occupyPort();
    const config = loadConfig({ STORE_URL: `sqlite:${join(dir, 'legacy.db')}`, HTTP_ADDR: 'off' });
    await initStore(config.store, { profile: config.schemaProfile, createLegacySchema: true });
  });
  after(() => {
    busy.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [what, env] of [
    ['the bridge port is taken', () => ({ HTTP_ADDR: `127.0.0.1:${busy.port}`, METRICS_ADDR: 'off' })],
    ['the metrics port is taken', () => ({ HTTP_ADDR: '127.0.0.1:0', METRICS_ADDR: `127.0.0.1:${busy.port}` })],
  ] as const) {
    it(`${what}: closes what it had started and exits 1`, async () => {
      const run = await serve({
        STORE_URL: `sqlite:${join(dir, 'legacy.db')}`,
        BRIDGE_TOKENS: TEST_BRIDGE_TOKEN,
        ...env(),
      });
      assert.equal(run.code, 1, run.output);
      assert.match(run.output, /"event":"startup_failed".*EADDRINUSE/);
      assert.ok(run.grpc, 'the gRPC server had started before the failure');
      assert.equal(await listening(run.grpc), false, 'the gRPC port is free again');
    });
  }

  it('a malformed STORE_URL exits 2 naming STORE_URL, quoting no part of the password, before opening anything', async () => {
    const run = await serve({
      STORE_URL: 'mssql://sa:Zq7S?ecretWord=1@127.0.0.1/db',
      BRIDGE_TOKENS: TEST_BRIDGE_TOKEN,
      HTTP_ADDR: '127.0.0.1:0',
      METRICS_ADDR: 'off',
    });
    assert.equal(run.code, 2, run.output);
    assert.match(run.output, /STORE_URL/);
    assert.doesNotMatch(run.output, /ecretWord|Zq7S/);
    assert.equal(run.grpc, null, 'nothing was started');
  });
});
