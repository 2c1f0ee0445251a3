import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initStore } from '../../src/commands/db-init';
import { loadConfig } from '../../src/config';
import { createTestCa } from '../support/certs';
import { startTestOtlpReceiver, type TestOtlpReceiver } from '../support/otlp-receiver';
import { killUnfinished, runCliToExit } from '../support/serve-process';
import { TEST_BRIDGE_TOKEN, TEST_SCRYPT_ENV } from '../support/stack';

function occupyPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolvePort({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

interface Run {
  readonly code: number | null;
  readonly output: string;
  /** The addresses the process logged as listening (gRPC, bridge, metrics) before it failed. */
  readonly listened: readonly string[];
}

/** Runs `legacy-identity <command>` to its end; resolves with its exit code, output and the addresses it had bound. */
async function runCommand(command: 'serve' | 'demo', env: Record<string, string>): Promise<Run> {
  const { code, output } = await runCliToExit(command, {
    ...TEST_SCRYPT_ENV,
    GRPC_ADDR: '127.0.0.1:0',
    LOG_LEVEL: 'info',
    ...env,
  });
  const listened = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .flatMap((line) => {
      if (line.event === 'grpc_listening') return [String(line.address)];
      if (line.event === 'bridge_listening') return [`${line.host}:${line.port}`];
      if (line.event === 'metrics_listening') return [new URL(String(line.url)).host];
      return [];
    });
  return { code, output, listened };
}

/** True when something accepts TCP connections at host:port (binding it fails). */
function listening(address: string): Promise<boolean> {
  const host = address.slice(0, address.lastIndexOf(':'));
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return new Promise((resolveProbe) => {
    const probe = createServer();
    probe.once('error', () => resolveProbe(true));
    probe.listen(port, host, () => probe.close(() => resolveProbe(false)));
  });
}

describe('serve and demo: a start-up failure after the gRPC port is bound', function () {
  this.timeout(60_000);
  let dir: string;
  let busy: { server: Server; port: number };
  let receiver: TestOtlpReceiver;
  let cert: string;
  let notAKey: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lia-startup-'));
    busy = await occupyPort();
    receiver = await startTestOtlpReceiver();
    cert = createTestCa(dir, 'startup').issue('server', 'server').certFile;
    notAKey = join(dir, 'not-a-key.pem');
    writeFileSync(notAKey, 'this is not a PEM private key\n');
    const config = loadConfig({ STORE_URL: `sqlite:${join(dir, 'legacy.db')}`, HTTP_ADDR: 'off' });
    await initStore(config.store, { profile: config.schemaProfile, createLegacySchema: true });
  });
  afterEach(() => {
    killUnfinished();
  });
  after(async () => {
    busy.server.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const store = () => ({ STORE_URL: `sqlite:${join(dir, 'legacy.db')}`, BRIDGE_TOKENS: TEST_BRIDGE_TOKEN });
  const CASES: ReadonlyArray<
    readonly [string, 'serve' | 'demo', () => Record<string, string>, RegExp, number /* addresses bound */]
  > = [
    [
      'serve, the bridge port is taken',
      'serve',
      () => ({ HTTP_ADDR: `127.0.0.1:${busy.port}`, METRICS_ADDR: 'off' }),
      /EADDRINUSE/,
      1,
    ],
    [
      'serve, the metrics port is taken (the bridge had started too)',
      'serve',
      () => ({ HTTP_ADDR: '127.0.0.1:0', METRICS_ADDR: `127.0.0.1:${busy.port}` }),
      /EADDRINUSE/,
      2,
    ],
    [
      'serve, HTTPS_KEY is not a key',
      'serve',
      () => ({ HTTP_ADDR: '127.0.0.1:0', METRICS_ADDR: 'off', HTTPS_CERT: cert, HTTPS_KEY: notAKey }),
      /HTTPS_KEY/,
      1,
    ],
    [
      'serve with tracing exporting, the bridge port is taken',
      'serve',
      () => ({
        HTTP_ADDR: `127.0.0.1:${busy.port}`,
        METRICS_ADDR: 'off',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      }),
      /EADDRINUSE/,
      1,
    ],
    [
      'demo (make run), the bridge port is taken',
      'demo',
      () => ({ HTTP_ADDR: `127.0.0.1:${busy.port}`, METRICS_ADDR: 'off' }),
      /EADDRINUSE/,
      1,
    ],
  ];

  for (const [what, command, env, reason, bound] of CASES) {
    it(`${what}: closes what it had started and exits 1`, async () => {
      const run = await runCommand(command, { ...store(), ...env() });
      assert.equal(run.code, 1, run.output);
      const fatal = run.output.split('\n').find((line) => line.includes('"event":"startup_failed"'));
      assert.match(fatal ?? '', reason, run.output);
      assert.equal(run.listened.length, bound, `the servers started before the failure: ${run.output}`);
      for (const address of run.listened) assert.equal(await listening(address), false, `${address} is free again`);
    });
  }

  it('a malformed STORE_URL exits 2 naming STORE_URL, quoting no part of the password, before opening anything', async () => {
    const run = await runCommand('serve', {
      STORE_URL: 'mssql://sa:Zq7S?ecretWord=1@127.0.0.1/db',
      BRIDGE_TOKENS: TEST_BRIDGE_TOKEN,
      HTTP_ADDR: '127.0.0.1:0',
      METRICS_ADDR: 'off',
    });
    assert.equal(run.code, 2, run.output);
    assert.match(run.output, /STORE_URL/);
    assert.doesNotMatch(run.output, /ecretWord|Zq7S/);
    assert.deepEqual(run.listened, [], 'nothing was started');
  });
});
