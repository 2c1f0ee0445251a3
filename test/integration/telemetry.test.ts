import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { initStore } from '../../src/commands/db-init';
import { type ReceivedSpan, STATUS_ERROR } from '../../src/telemetry/otlp/received-span';
import { startTestOtlpReceiver, type TestOtlpReceiver } from '../support/otlp-receiver';
import { metricValue } from '../support/prometheus-text';
import { type ServeProcess, startServeProcess } from '../support/serve-process';
import { CLIENT, hopsArrived, INTERNAL, named, one, RPC_SPAN, SERVER } from '../support/span-queries';
import { TEST_BRIDGE_TOKEN, TEST_SCRYPT_ENV } from '../support/stack';
import { post, type Sent } from '../support/traced-bridge-call';

const EMAIL = 'trace.me@example.com';
const PASSWORD = 'first Secret passphrase 41';
const NEW_PASSWORD = 'second Secret passphrase 42';
const WRONG_PASSWORD = 'not the Secret passphrase 43';
const EMAIL_HASH_KEY = 'telemetry-test-email-hash-key-0123456789';

/**
 * The hops of ARCHITECTURE.md §8, each the parent of the next: the bridge's HTTP server span (child of
 * the caller's remote span), the gRPC client span, the gRPC server span, the domain span.
 */
function assertChain(spans: readonly ReceivedSpan[], sent: Sent, route: string, useCase: string) {
  const http = one(spans, `POST ${route}`, SERVER);
  assert.equal(http.parentSpanId, sent.parentId, 'the HTTP server span continues the caller’s traceparent');
  assert.equal(http.attributes['http.route'], route);
  const client = one(spans, RPC_SPAN, CLIENT);
  assert.equal(client.parentSpanId, http.spanId, 'gRPC client under the HTTP server span');
  const server = one(spans, RPC_SPAN, SERVER);
  assert.equal(server.parentSpanId, client.spanId, 'gRPC server under the gRPC client span');
  const domain = one(spans, useCase, INTERNAL);
  assert.equal(domain.parentSpanId, server.spanId, 'domain span under the gRPC server span');
  for (const span of spans) assert.equal(span.traceId, sent.traceId);
  return { http, client, server, domain };
}

/** A series' value; 0 when absent. */
const metric = (text: string, name: string, labels: Record<string, string>): number =>
  metricValue(text, name, labels) ?? 0;

const sqlSpans = (spans: readonly ReceivedSpan[]) => spans.filter((s) => s.attributes['db.system.name'] === 'sqlite');

describe('Telemetry: one trace per request across every hop', function () {
  this.timeout(60_000);
  let dir: string;
  let dbPath: string;
  let receiver: TestOtlpReceiver;
  let serve: ServeProcess;
  const expectedHash = createHmac('sha256', EMAIL_HASH_KEY).update(EMAIL).digest('hex').slice(0, 32);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lia-telemetry-'));
    dbPath = join(dir, 'legacy.db');
    await initStore({ kind: 'sqlite', path: dbPath }, { profile: 'default', createLegacySchema: true });
    receiver = await startTestOtlpReceiver();
    serve = await startServeProcess({
      STORE_URL: `sqlite:${dbPath}`,
      GRPC_ADDR: '127.0.0.1:0',
      HTTP_ADDR: '127.0.0.1:0',
      METRICS_ADDR: '127.0.0.1:0',
      BRIDGE_TOKENS: TEST_BRIDGE_TOKEN,
      EMAIL_HASH_KEY,
      ...TEST_SCRYPT_ENV,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    const created = await post(serve, '/v1/create', { email: EMAIL, password: PASSWORD });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });

  after(async () => {
    await serve?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let login: Sent;
  let loginSpans: ReceivedSpan[];

  it('traces a login: HTTP server → gRPC client → gRPC server → identity.authenticate → password and SQL', async () => {
    login = await post(serve, '/v1/login', { username_or_email: EMAIL, password: PASSWORD });
    assert.equal(login.status, 200);
    loginSpans = await receiver.waitForTrace(login.traceId, hopsArrived('/v1/login', 'identity.authenticate'));
    const { http, server, domain } = assertChain(loginSpans, login, '/v1/login', 'identity.authenticate');
    assert.equal(http.attributes['http.response.status_code'], 200);
    assert.equal(server.attributes['rpc.grpc.status_code'], 0);
    assert.equal(server.attributes['identity.email_hash'], expectedHash, 'the RPC span names the user by keyed hash');
    assert.equal(domain.attributes['identity.outcome'], 'ok');

    const verify = one(loginSpans, 'password.verify');
    assert.equal(verify.parentSpanId, domain.spanId);
    assert.equal(verify.attributes['password.format'], 'scrypt');
    assert.equal(verify.attributes['password.scrypt.log_n'], 10);
    assert.equal(typeof verify.attributes['password.kdf.queue_wait_ms'], 'number');

    const sql = sqlSpans(loginSpans);
    assert.ok(sql.length >= 1, 'the user lookup is a SQL span');
    for (const span of sql) {
      assert.equal(span.parentSpanId, domain.spanId);
      assert.equal(span.kind, CLIENT);
      assert.equal(span.attributes['db.operation.name'], 'SELECT');
      assert.match(String(span.attributes['db.query.text']), /@\w+/, 'parameters appear as placeholders');
    }
    assert.ok(loginSpans.every((s) => s.status.code !== STATUS_ERROR));
    assert.equal(http.resource['service.name'], 'legacy-identity-adapter');
    assert.equal(typeof http.resource['service.version'], 'string');
    assert.equal(typeof http.resource['service.instance.id'], 'string');
  });

  it('treats a wrong password as an outcome: invalid_credentials and 401, but no span in error', async () => {
    const sent = await post(serve, '/v1/login', { username_or_email: EMAIL, password: WRONG_PASSWORD });
    assert.equal(sent.status, 401);
    const spans = await receiver.waitForTrace(sent.traceId, hopsArrived('/v1/login', 'identity.authenticate'));
    const { http, client, server, domain } = assertChain(spans, sent, '/v1/login', 'identity.authenticate');
    assert.equal(domain.attributes['identity.outcome'], 'invalid_credentials');
    assert.equal(server.attributes['rpc.grpc.status_code'], 16, 'UNAUTHENTICATED stays visible for filtering');
    assert.equal(client.attributes['rpc.grpc.status_code'], 16);
    assert.equal(http.attributes['http.response.status_code'], 401);
    assert.equal(http.attributes['identity.bridge.outcome'], 'invalid_credentials');
    assert.deepEqual(
      spans.filter((s) => s.status.code === STATUS_ERROR).map((s) => s.name),
      [],
      'a mistyped password must not count as an error',
    );
    one(spans, 'password.verify');
  });

  it('traces a change-password down to the new hash and the UPDATE', async () => {
    const sent = await post(serve, '/v1/change-password', { email: EMAIL, new_password: NEW_PASSWORD });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const spans = await receiver.waitForTrace(
      sent.traceId,
      hopsArrived('/v1/change-password', 'identity.change_password'),
    );
    const { domain, server } = assertChain(spans, sent, '/v1/change-password', 'identity.change_password');
    assert.equal(domain.attributes['identity.outcome'], 'ok');
    assert.equal(server.attributes['identity.email_hash'], expectedHash);
    const hash = one(spans, 'password.hash');
    assert.equal(hash.parentSpanId, domain.spanId);
    assert.deepEqual(
      [
        hash.attributes['password.format'],
        hash.attributes['password.scrypt.log_n'],
        hash.attributes['password.scrypt.r'],
      ],
      ['scrypt', 10, 8],
    );
    const update = sqlSpans(spans).find((s) => s.attributes['db.operation.name'] === 'UPDATE');
    assert.ok(update, `an UPDATE span: ${spans.map((s) => s.name)}`);
    assert.equal(update.attributes['db.collection.name'], 'Users');
    assert.match(String(update.attributes['db.query.text']), /^UPDATE .*@\w+/s);

    const relogin = await post(serve, '/v1/login', { username_or_email: EMAIL, password: NEW_PASSWORD });
    assert.equal(relogin.status, 200, 'the new password works');
  });

  it('traces a verify through identity.verify_email and its UPDATE', async () => {
    const sent = await post(serve, '/v1/verify', { email: EMAIL });
    assert.equal(sent.status, 200);
    const spans = await receiver.waitForTrace(sent.traceId, hopsArrived('/v1/verify', 'identity.verify_email'));
    const { domain } = assertChain(spans, sent, '/v1/verify', 'identity.verify_email');
    assert.equal(domain.attributes['identity.outcome'], 'ok');
    assert.ok(sqlSpans(spans).some((s) => s.attributes['db.operation.name'] === 'UPDATE'));
    assert.equal(named(spans, /^password\./).length, 0, 'verify needs no KDF');
  });

  it('marks a store outage as an error on the SQL, domain, gRPC and HTTP spans, with the cause recorded', async () => {
    // Another connection holds the write lock: the UPDATE waits out its busy timeout and fails.
    const blocker = new DatabaseSync(dbPath);
    blocker.exec('BEGIN EXCLUSIVE');
    let sent: Sent;
    try {
      sent = await post(serve, '/v1/change-password', { email: EMAIL, new_password: PASSWORD });
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    assert.equal(sent.status, 503, JSON.stringify(sent.body));
    const spans = await receiver.waitForTrace(
      sent.traceId,
      hopsArrived('/v1/change-password', 'identity.change_password'),
    );
    const { http, server, domain } = assertChain(spans, sent, '/v1/change-password', 'identity.change_password');
    assert.equal(domain.attributes['identity.outcome'], 'unavailable');
    assert.equal(domain.status.code, STATUS_ERROR);
    assert.ok(
      domain.events.some((e) => e.name === 'exception'),
      'the cause is an exception event',
    );
    assert.equal(server.attributes['rpc.grpc.status_code'], 14);
    assert.equal(server.status.code, STATUS_ERROR, 'UNAVAILABLE is a fault');
    assert.equal(http.status.code, STATUS_ERROR);
    // Only the UPDATE failed, on the lock (SQLITE_BUSY); the store may try it more than once while it
    // waits for the lock, each attempt its own span.
    const failed = sqlSpans(spans).filter((s) => s.status.code === STATUS_ERROR);
    assert.ok(failed.length >= 1, 'the failed UPDATE has a span in error');
    for (const span of failed) {
      assert.equal(span.attributes['db.operation.name'], 'UPDATE');
      assert.equal(span.attributes['db.response.status_code'], '5', 'SQLITE_BUSY');
    }
  });

  it('writes one JSON log line per request and per RPC, each with the trace_id and span_id of its span', () => {
    const lines = serve.logLines().filter((l) => l.trace_id === login.traceId);
    const http = one(loginSpans, 'POST /v1/login', SERVER);
    const server = one(loginSpans, RPC_SPAN, SERVER);
    const rpcLine = lines.find((l) => l.rpc === 'Authenticate');
    assert.ok(rpcLine, 'the gRPC line carries the trace id');
    assert.equal(rpcLine.span_id, server.spanId);
    assert.equal(rpcLine.outcome, 'ok');
    assert.equal(typeof rpcLine.duration_ms, 'number');
    assert.equal(rpcLine.email_hash, expectedHash);
    const httpLine = lines.find((l) => l.event === 'http_request');
    assert.ok(httpLine, 'the bridge line carries the trace id');
    assert.equal(httpLine.span_id, http.spanId);
    assert.deepEqual([httpLine.route, httpLine.status, httpLine.outcome], ['/v1/login', 200, 'ok']);
  });

  it('counts those requests on the metrics endpoint, with bounded labels', async () => {
    const response = await fetch(serve.metricsUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    const http = 'identity_http_requests_total';
    assert.equal(metric(text, http, { route: '/v1/login', status: '200', outcome: 'ok' }), 2);
    assert.equal(metric(text, http, { route: '/v1/login', status: '401', outcome: 'invalid_credentials' }), 1);
    assert.equal(metric(text, http, { route: '/v1/change-password', status: '200', outcome: 'ok' }), 1);
    assert.equal(metric(text, http, { route: '/v1/change-password', status: '503', outcome: 'unavailable' }), 1);
    assert.equal(metric(text, http, { route: '/v1/verify', status: '200', outcome: 'ok' }), 1);
    const grpc = 'identity_grpc_requests_total';
    assert.equal(metric(text, grpc, { rpc: 'Authenticate', code: 'OK' }), 2);
    assert.equal(metric(text, grpc, { rpc: 'Authenticate', code: 'UNAUTHENTICATED' }), 1);
    assert.equal(metric(text, grpc, { rpc: 'ChangePassword', code: 'UNAVAILABLE' }), 1);
    assert.equal(
      metric(text, 'identity_http_request_duration_seconds_count', { route: '/v1/login', outcome: 'ok' }),
      2,
    );
    assert.equal(
      metric(text, 'identity_store_operation_duration_seconds_count', {
        operation: 'updatePassword',
        outcome: 'unavailable',
      }),
      1,
    );
    assert.ok(
      metric(text, 'identity_store_operation_duration_seconds_count', {
        operation: 'findByEmail',
        outcome: 'ok',
      }) >= 5,
    );
    // Every KDF call went through the queue once: the create's hash, three logins' verifications (the
    // first, the wrong password, the re-login after the change), and two change-passwords' hashes (the
    // one the outage failed hashed before its UPDATE).
    const kdfOperations = 6;
    const queued = Number(/^identity_kdf_queue_wait_seconds_count (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
    assert.ok(queued >= kdfOperations, `identity_kdf_queue_wait_seconds_count ${queued} < ${kdfOperations}`);
    assert.match(text, /^identity_kdf_queue_depth 0$/m);
    assert.match(text, /^identity_kdf_in_flight 0$/m);
    assert.match(text, /^identity_build_info\{version="[^"]+",node_version="v\d+[^"]*",store="sqlite"\} 1$/m);
    assert.ok(!text.includes(EMAIL) && !text.includes(expectedHash), 'no user in a label');
  });

  it('does not warn that tracing is off when the preload started it', () => {
    assert.equal(serve.logLines().filter((l) => l.event === 'tracing_not_started').length, 0);
  });

  it('lets no password, token, email or hash key out, in any exported byte or any log line', async () => {
    const exited = await serve.stop();
    assert.equal(exited, 0);
    const exported = receiver.allBytes();
    assert.ok(exported.length > 0);
    const output = serve.output();
    for (const secret of [PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, TEST_BRIDGE_TOKEN, EMAIL, EMAIL_HASH_KEY]) {
      assert.ok(!exported.includes(Buffer.from(secret)), `exported spans contain "${secret}"`);
      assert.ok(!output.includes(secret), `the service printed "${secret}"`);
    }
  });
});

describe('Telemetry: SIGTERM flushes queued spans', function () {
  this.timeout(60_000);

  it('exports a request’s spans (OTLP/JSON here) when the process is stopped before the batch delay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lia-telemetry-flush-'));
    const receiver = await startTestOtlpReceiver();
    let serve: ServeProcess | undefined;
    try {
      const dbPath = join(dir, 'legacy.db');
      await initStore({ kind: 'sqlite', path: dbPath }, { profile: 'default', createLegacySchema: true });
      serve = await startServeProcess({
        STORE_URL: `sqlite:${dbPath}`,
        GRPC_ADDR: '127.0.0.1:0',
        HTTP_ADDR: '127.0.0.1:0',
        METRICS_ADDR: 'off',
        BRIDGE_TOKENS: TEST_BRIDGE_TOKEN,
        ...TEST_SCRYPT_ENV,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'identity-under-test',
        // Far longer than the test: only the shutdown flush can deliver these spans.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      });
      const sent = await post(serve, '/v1/get-user', { email: EMAIL });
      assert.equal(sent.status, 404);
      assert.equal(receiver.trace(sent.traceId).length, 0, 'nothing exported before the stop');
      assert.equal(await serve.stop(), 0);
      const spans = receiver.trace(sent.traceId);
      const { domain, http } = assertChain(spans, sent, '/v1/get-user', 'identity.get_user');
      assert.equal(domain.attributes['identity.outcome'], 'not_found');
      assert.equal(http.resource['service.name'], 'identity-under-test');
      assert.ok(
        receiver.bodies.every((b) => b.toString('utf8').startsWith('{')),
        'sent as OTLP/JSON',
      );
    } finally {
      await serve?.stop();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Telemetry: serve started without the preload (the installed bin, or node dist/src/cli.js serve)', function () {
  this.timeout(60_000);

  it('warns once, saying how to preload register, and exports nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lia-telemetry-nopreload-'));
    const receiver = await startTestOtlpReceiver();
    // The CLI without --require of telemetry/register, as the installed bin or a bare node dist/src/cli.js runs it.
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/cli.ts', 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        STORE_URL: `sqlite:${join(dir, 'legacy.db')}`,
        GRPC_ADDR: '127.0.0.1:0',
        HTTP_ADDR: '127.0.0.1:0',
        METRICS_ADDR: 'off',
        BRIDGE_TOKENS: TEST_BRIDGE_TOKEN,
        ...TEST_SCRYPT_ENV,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await initStore(
        { kind: 'sqlite', path: join(dir, 'legacy.db') },
        { profile: 'default', createLegacySchema: true },
      );
      const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const line = stdout.split('\n').find((l) => l.includes('"event":"started"'));
          if (line) resolve(JSON.parse(line) as Record<string, unknown>);
        });
        exited.then((code) => reject(new Error(`serve exited early (${code}): ${stdout}`)));
      });
      const response = await fetch(`${String(started.bridge)}/v1/get-user`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: EMAIL }),
      });
      assert.equal(response.status, 404);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const warnings = lines.filter((l) => l.event === 'tracing_not_started');
      assert.equal(warnings.length, 1, stdout);
      assert.equal(warnings[0]?.level, 'warn');
      assert.match(
        String(warnings[0]?.msg),
        /`node --require tsx\/cjs --require \.\/src\/telemetry\/register\.ts \.\/src\/cli\.ts serve`/,
      );
      assert.equal(receiver.bodies.length, 0, 'no spans without the preload');
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
