import assert from 'node:assert/strict';
import { initStore } from '../../src/commands/db-init';
import { loadConfig } from '../../src/config';
import { type ReceivedSpan, STATUS_ERROR } from '../../src/telemetry/otlp/received-span';
import { startTestOtlpReceiver, type TestOtlpReceiver } from '../support/otlp-receiver';
import { metricValue } from '../support/prometheus-text';
import { type ServeProcess, startServeProcess } from '../support/serve-process';
import { CLIENT, hopsArrived, INTERNAL, one, RPC_SPAN, SERVER } from '../support/span-queries';
import { TEST_BRIDGE_TOKEN, TEST_SCRYPT_ENV } from '../support/stack';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';
import { post, type Sent } from '../support/traced-bridge-call';

/**
 * ARCHITECTURE.md §8 on the SQL Server store: the service as a real process (telemetry preloaded), its
 * mssql/tedious client talking TDS to the test server, spans exported over OTLP to a receiver here.
 * The statements must arrive as instrumentation-tedious client spans under the domain span, with
 * placeholders in `db.query.text` and never a parameter value; the pool gauge must follow mssql's pool.
 */

const DB_PASSWORD = 'Tedious-Db-S3cret-77';
const EMAIL = 'sql.trace@example.com';
const PASSWORD = 'first Secret passphrase 51';
const NEW_PASSWORD = 'second Secret passphrase 52';
const WRONG_PASSWORD = 'not the Secret passphrase 53';
const DATABASE = 'legacy';

const SQL_SERVER = 'microsoft.sql_server';

const sqlServerSpans = (spans: readonly ReceivedSpan[]) =>
  spans.filter((s) => s.attributes['db.system.name'] === SQL_SERVER);

/**
 * HTTP server (child of the caller's span) → gRPC client → gRPC server → domain span → SQL Server
 * spans, all in the caller's trace. Returns the domain span and its statements.
 */
function assertSqlUnderDomain(spans: readonly ReceivedSpan[], sent: Sent, route: string, useCase: string) {
  const http = one(spans, `POST ${route}`, SERVER);
  assert.equal(http.parentSpanId, sent.parentId, 'the HTTP server span continues the caller’s traceparent');
  const client = one(spans, RPC_SPAN, CLIENT);
  assert.equal(client.parentSpanId, http.spanId);
  const server = one(spans, RPC_SPAN, SERVER);
  assert.equal(server.parentSpanId, client.spanId);
  const domain = one(spans, useCase, INTERNAL);
  assert.equal(domain.parentSpanId, server.spanId);
  for (const span of spans) assert.equal(span.traceId, sent.traceId);

  const sql = sqlServerSpans(spans);
  assert.ok(sql.length > 0, `SQL Server spans expected in the trace: ${spans.map((s) => s.name)}`);
  for (const span of sql) {
    assert.equal(span.parentSpanId, domain.spanId, `${span.name} is a child of ${useCase}`);
    assert.equal(span.kind, CLIENT);
    assert.equal(span.scope, '@opentelemetry/instrumentation-tedious');
    assert.equal(span.attributes['db.namespace'], DATABASE);
    assert.equal(span.attributes['server.address'], '127.0.0.1');
    assert.equal(typeof span.attributes['db.query.text'], 'string');
    assert.equal(span.attributes['db.operation.name'], /^\S+/.exec(String(span.attributes['db.query.text']))?.[0]);
  }
  return { http, server, domain, sql };
}

/** The adapter's own statements (not the pool's `SELECT 1;` check of each connection it lends). */
const statements = (sql: readonly ReceivedSpan[]) => sql.filter((s) => s.attributes['db.query.text'] !== 'SELECT 1;');

const poolGauge = (text: string, state: string) => metricValue(text, 'identity_store_pool_connections', { state });

describe('Telemetry on SQL Server: tedious spans in the request’s trace, pool gauge', function () {
  this.timeout(60_000);
  let tds: TdsServer;
  let receiver: TestOtlpReceiver;
  let serve: ServeProcess;
  const allSpans: ReceivedSpan[] = [];

  before(async () => {
    tds = await startTdsServer({ credentials: { user: 'sa', password: DB_PASSWORD } });
    const STORE_URL = tds.storeUrl({ password: DB_PASSWORD });
    await initStore(loadConfig({ STORE_URL, HTTP_ADDR: 'off' }).store, {
      profile: 'default',
      createLegacySchema: true,
    });
    receiver = await startTestOtlpReceiver();
    serve = await startServeProcess({
      STORE_URL,
      // One connection, so a second request visibly waits for it (the `pending` state); kept while idle.
      MSSQL_POOL_MAX: '1',
      MSSQL_POOL_IDLE_TIMEOUT: '10m',
      MSSQL_REQUEST_TIMEOUT: '10s',
      BRIDGE_TIMEOUT: '15s',
      GRPC_ADDR: '127.0.0.1:0',
      HTTP_ADDR: '127.0.0.1:0',
      METRICS_ADDR: '127.0.0.1:0',
      BRIDGE_TOKENS: TEST_BRIDGE_TOKEN,
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
    await tds?.close();
  });

  /** Values the statements carried as parameters (user id, email, password hashes); none may appear in a span. */
  const storedRow = () =>
    tds.engine.database
      .prepare('SELECT "Id" AS id, "PasswordHash" AS hash FROM "Users" WHERE "Email" = ?')
      .get(EMAIL) as {
      id: string;
      hash: string;
    };
  const parameterValues: string[] = [];
  const hashes: string[] = [];

  it('traces a login down to its SQL Server statements, under identity.authenticate, placeholders only', async () => {
    const { id, hash } = storedRow();
    hashes.push(hash);
    parameterValues.push(id, hash, EMAIL);
    const sent = await post(serve, '/v1/login', { username_or_email: EMAIL, password: PASSWORD });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const spans = await receiver.waitForTrace(sent.traceId, hopsArrived('/v1/login', 'identity.authenticate'));
    allSpans.push(...spans);
    const { domain, sql } = assertSqlUnderDomain(spans, sent, '/v1/login', 'identity.authenticate');
    assert.equal(domain.attributes['identity.outcome'], 'ok');
    const lookup = one(statements(sql), 'SELECT Users');
    assert.equal(lookup.attributes['db.collection.name'], 'Users');
    assert.match(String(lookup.attributes['db.query.text']), /^SELECT .* FROM \[Users\] WHERE \[Email\] = @email$/s);
    assert.ok(
      sql.some((s) => s.name === 'SELECT' && s.attributes['db.query.text'] === 'SELECT 1;'),
      'the pool’s check of the connection it lends is visible too',
    );
    assert.ok(sql.every((s) => s.status.code !== STATUS_ERROR));
    one(spans, 'password.verify');
  });

  it('traces a wrong password the same way, with no span in error', async () => {
    const sent = await post(serve, '/v1/login', { username_or_email: EMAIL, password: WRONG_PASSWORD });
    assert.equal(sent.status, 401);
    const spans = await receiver.waitForTrace(sent.traceId, hopsArrived('/v1/login', 'identity.authenticate'));
    allSpans.push(...spans);
    const { domain, server, sql } = assertSqlUnderDomain(spans, sent, '/v1/login', 'identity.authenticate');
    assert.equal(domain.attributes['identity.outcome'], 'invalid_credentials');
    assert.equal(server.attributes['rpc.grpc.status_code'], 16);
    one(statements(sql), 'SELECT Users');
    assert.deepEqual(
      spans.filter((s) => s.status.code === STATUS_ERROR).map((s) => s.name),
      [],
      'a mistyped password is an outcome, not an error',
    );
  });

  it('traces a change-password down to the UPDATE, whose text names @hash but not the hash', async () => {
    const sent = await post(serve, '/v1/change-password', { email: EMAIL, new_password: NEW_PASSWORD });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const spans = await receiver.waitForTrace(
      sent.traceId,
      hopsArrived('/v1/change-password', 'identity.change_password'),
    );
    allSpans.push(...spans);
    const { domain, sql } = assertSqlUnderDomain(spans, sent, '/v1/change-password', 'identity.change_password');
    assert.equal(domain.attributes['identity.outcome'], 'ok');
    const update = one(statements(sql), 'UPDATE Users');
    assert.equal(update.attributes['db.operation.name'], 'UPDATE');
    assert.equal(update.attributes['db.collection.name'], 'Users');
    assert.match(
      String(update.attributes['db.query.text']),
      /^UPDATE \[Users\] SET \[PasswordHash\] = @hash\b.*@userId/s,
    );
    const hash = one(spans, 'password.hash');
    // The SDK anchors each span's clock to Date.now() on its own, so two spans may disagree by up to 1 ms.
    const clockSkew = 1_000_000n;
    assert.ok(
      hash.endTimeUnixNano <= update.startTimeUnixNano + clockSkew,
      'the new hash is computed before the UPDATE',
    );
    hashes.push(storedRow().hash);
    parameterValues.push(...hashes);

    const relogin = await post(serve, '/v1/login', { username_or_email: EMAIL, password: NEW_PASSWORD });
    assert.equal(relogin.status, 200, 'the new password works');
  });

  it('exports exactly the statements sent over TDS, with no parameter value in any SQL span', () => {
    const sql = sqlServerSpans(allSpans);
    for (const span of sql) {
      const text = String(span.attributes['db.query.text']);
      assert.ok(tds.received.includes(text), `the span shows what went over the wire: ${text}`);
      const attributes = JSON.stringify(span.attributes);
      for (const value of parameterValues) assert.ok(!attributes.includes(value), `${span.name} carries "${value}"`);
    }
  });

  it('makes SQL Server spans only inside a request: no trace of its own for start-up checks or health probes', () => {
    // The service checked the schema at start-up and its readiness probe pings the store: outside a request.
    assert.ok(
      tds.received.some((text) => text.startsWith('SELECT TOP (0)')),
      'the start-up schema check ran over TDS',
    );
    const sql = sqlServerSpans(receiver.spans);
    assert.ok(sql.length > 0);
    const byId = new Map(receiver.spans.map((s) => [s.spanId, s]));
    for (const span of sql) {
      const parent = byId.get(span.parentSpanId);
      assert.ok(parent, `${span.name} (${String(span.attributes['db.query.text'])}) has a parent span`);
      assert.match(parent.name, /^identity\./, 'the parent is a domain span');
    }
  });

  it('reports the mssql pool on the metrics endpoint: idle, then in use with a request waiting', async () => {
    const scrape = async () => (await fetch(serve.metricsUrl)).text();
    const usage = (text: string) => ['in_use', 'idle', 'pending'].map((state) => poolGauge(text, state));
    /** Scrapes until the pool is at rest: the readiness probe borrows the connection now and then. */
    const atRest = async () => {
      let text = '';
      for (let scrapes = 0; scrapes < 100; scrapes++) {
        text = await scrape();
        if (poolGauge(text, 'in_use') === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return text;
    };

    const quiet = await atRest();
    assert.match(quiet, /^identity_build_info\{[^}]*store="mssql"\} 1$/m);
    assert.deepEqual(usage(quiet), [0, 1, 0], 'one open connection, idle (kept by the idle timeout)');

    // Hold the first look-up in the server: it keeps the only connection, the second waits for it.
    tds.delay(3_000, /FROM \[Users\] WHERE \[Email\]/);
    let settled = false;
    const first = post(serve, '/v1/get-user', { email: EMAIL }).finally(() => {
      settled = true;
    });
    const second = post(serve, '/v1/get-user', { email: EMAIL });
    let busy = '';
    try {
      while (!settled) {
        busy = await scrape();
        if (poolGauge(busy, 'in_use') === 1 && (poolGauge(busy, 'pending') ?? 0) >= 1) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      tds.delay(0);
    }
    assert.equal(poolGauge(busy, 'in_use'), 1, busy);
    assert.equal(poolGauge(busy, 'idle'), 0);
    assert.ok((poolGauge(busy, 'pending') ?? 0) >= 1, 'a request waits for the connection');
    assert.deepEqual([(await first).status, (await second).status], [200, 200]);

    const after = await atRest();
    assert.deepEqual(usage(after), [0, 1, 0], 'the connection went back to the pool');
    const states = after.split('\n').filter((l) => l.startsWith('identity_store_pool_connections{'));
    assert.deepEqual(states.map((l) => /state="([^"]+)"/.exec(l)?.[1]).sort(), ['idle', 'in_use', 'pending']);
    assert.ok(
      (metricValue(after, 'identity_store_operation_duration_seconds_count', {
        operation: 'findByEmail',
        outcome: 'ok',
      }) ?? 0) >= 5,
    );
  });

  it('lets no password, token, email, hash or database password out, in any exported byte or log line', async () => {
    assert.equal(await serve.stop(), 0);
    const exported = receiver.allBytes();
    assert.ok(exported.length > 0);
    const output = serve.output();
    assert.equal(new Set(hashes).size, 2, 'the old and the new password hash');
    for (const secret of [PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, TEST_BRIDGE_TOKEN, DB_PASSWORD, EMAIL, ...hashes]) {
      assert.ok(!exported.includes(Buffer.from(secret)), `exported spans contain "${secret}"`);
    }
    for (const secret of [PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, TEST_BRIDGE_TOKEN, DB_PASSWORD, EMAIL]) {
      assert.ok(!output.includes(secret), `the service printed "${secret}"`);
    }
  });
});
