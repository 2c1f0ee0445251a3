import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { context, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { IdentityError } from '../../../src/domain/errors';
import { IdentityService } from '../../../src/domain/identity-service';
import { createConfiguredHasher } from '../../../src/passwords/configured-hasher';
import { KdfLimiter } from '../../../src/passwords/kdf-limiter';
import { kdfTelemetry } from '../../../src/telemetry/kdf-telemetry';
import { measureRepository } from '../../../src/telemetry/measured-repository';
import { createMetrics } from '../../../src/telemetry/metrics';
import { describeSql, NodeSqliteInstrumentation } from '../../../src/telemetry/node-sqlite-instrumentation';
import { storedCostAttributes } from '../../../src/telemetry/password-cost';
import { withRpcStatusPolicy } from '../../../src/telemetry/refusals-are-not-errors';
import { createSubjectDescriber } from '../../../src/telemetry/subject-attribute';
import { traceLogFields } from '../../../src/telemetry/trace-log-fields';
import { tracePasswordHasher } from '../../../src/telemetry/traced-password-hasher';
import { CheckThenWriteSeam } from '../../support/check-then-write-seam';
import { FakeHasher } from '../../support/fake-hasher';
import { MemoryRepository } from '../../support/memory-repository';

const TEST_COST = { logN: 10, r: 8, p: 1 };

/** A real SDK provider, registered globally with a context manager for the duration of a suite. */
function useTracing() {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterEach(() => memory.reset());
  after(async () => {
    trace.disable();
    context.disable();
    // Tracers handed out while it was global keep pointing at it: shut down, it records nothing more.
    await provider.shutdown();
  });
  return {
    provider,
    spans: () => memory.getFinishedSpans(),
    /** Runs `work` inside a request span, as the gRPC instrumentation would. */
    inRequest: <T>(work: () => Promise<T> | T) =>
      provider.getTracer('test').startActiveSpan('request', async (span) => {
        try {
          return await work();
        } finally {
          span.end();
        }
      }),
  };
}

function fakeSpan(status: number, attributes: Record<string, unknown>): ReadableSpan {
  const spanContext = { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 };
  return {
    name: 'rpc',
    status: { code: status, message: 'invalid credentials' },
    attributes,
    spanContext: () => spanContext,
  } as unknown as ReadableSpan;
}

describe('Span status policy for gRPC refusals', () => {
  it('exports a refusal (UNAUTHENTICATED, NOT_FOUND, RESOURCE_EXHAUSTED) without error status', () => {
    for (const code of [16, 5, 6, 3, 9, 8]) {
      const view = withRpcStatusPolicy(fakeSpan(SpanStatusCode.ERROR, { 'rpc.grpc.status_code': code }));
      assert.equal(view.status.code, SpanStatusCode.UNSET, `code ${code}`);
      assert.equal(view.attributes['rpc.grpc.status_code'], code, 'the code stays for filtering');
      assert.equal(view.spanContext().spanId, '2'.repeat(16));
    }
  });

  it('keeps faults (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN) and non-gRPC errors as errors', () => {
    for (const code of [14, 4, 13, 2, 12, 15]) {
      const span = fakeSpan(SpanStatusCode.ERROR, { 'rpc.grpc.status_code': code });
      assert.equal(withRpcStatusPolicy(span), span, `code ${code}`);
    }
    const other = fakeSpan(SpanStatusCode.ERROR, { 'db.system.name': 'sqlite' });
    assert.equal(withRpcStatusPolicy(other), other);
  });
});

describe('Email hash (identity.email_hash)', () => {
  it('names one user alike whatever the case, differently under another key, and never by address', () => {
    const describe1 = createSubjectDescriber({ recordEmail: false, key: 'k'.repeat(32) });
    const a = describe1('Jane.Doe@Example.com');
    assert.equal(a.key, 'email_hash');
    assert.match(a.value, /^[0-9a-f]{32}$/);
    assert.deepEqual(describe1(' jane.doe@example.com '), a);
    assert.notEqual(
      createSubjectDescriber({ recordEmail: false, key: 'x'.repeat(32) })('jane.doe@example.com').value,
      a.value,
    );
    assert.notEqual(createSubjectDescriber({ recordEmail: false, key: null })('jane.doe@example.com').value, a.value);
    assert.equal(describe1('jdoe').key, 'username_hash');
  });

  it('records the address itself only when asked to (OTEL_RECORD_EMAIL=true)', () => {
    const describe1 = createSubjectDescriber({ recordEmail: true, key: null });
    assert.deepEqual(describe1('jane@example.com'), { key: 'email', value: 'jane@example.com' });
    assert.deepEqual(describe1('jdoe'), { key: 'username', value: 'jdoe' });
  });
});

describe('Spans of the adapters', () => {
  const tracing = useTracing();

  describe('node:sqlite instrumentation', () => {
    let instrumentation: NodeSqliteInstrumentation;
    let db: DatabaseSync;
    before(() => {
      instrumentation = new NodeSqliteInstrumentation();
      instrumentation.setTracerProvider(tracing.provider);
      db = new DatabaseSync(':memory:');
      db.exec('CREATE TABLE "Users" (Id TEXT PRIMARY KEY, Email TEXT UNIQUE)');
    });
    after(() => {
      instrumentation.disable();
      db.close();
    });

    it('makes one client span per statement, with the source SQL only (placeholders, never values)', async () => {
      await tracing.inRequest(() => {
        db.prepare('INSERT INTO "Users" (Id, Email) VALUES (@id, @email)').run({
          id: '1',
          email: 'secret@example.com',
        });
        db.prepare('SELECT Id FROM "Users" WHERE Email = @email').get({ email: 'secret@example.com' });
      });
      const sql = tracing.spans().filter((s) => s.attributes['db.system.name'] === 'sqlite');
      assert.deepEqual(
        sql.map((s) => [s.name, s.attributes['db.operation.name'], s.attributes['db.collection.name']]),
        [
          ['INSERT Users', 'INSERT', 'Users'],
          ['SELECT Users', 'SELECT', 'Users'],
        ],
      );
      const request = tracing.spans().find((s) => s.name === 'request');
      for (const span of sql) {
        assert.equal(span.parentSpanContext?.spanId, request?.spanContext().spanId);
        assert.ok(!JSON.stringify(span.attributes).includes('secret@example.com'));
      }
      assert.equal(sql[1]?.attributes['db.query.text'], 'SELECT Id FROM "Users" WHERE Email = @email');
    });

    it('marks a failed statement as an error with SQLite’s result code, and rethrows unchanged', async () => {
      await tracing.inRequest(() => {
        const insert = db.prepare('INSERT INTO "Users" (Id, Email) VALUES (@id, @email)');
        insert.run({ id: '2', email: 'a@example.com' });
        assert.throws(() => insert.run({ id: '3', email: 'a@example.com' }), /UNIQUE constraint failed/);
      });
      const failed = tracing.spans().filter((s) => s.status.code === SpanStatusCode.ERROR);
      assert.equal(failed.length, 1);
      assert.equal(failed[0]?.attributes['db.response.status_code'], '2067');
      assert.equal(failed[0]?.events[0]?.name, 'exception');
    });

    it('makes no span outside a request (health probes, start-up DDL), and nothing once disabled', async () => {
      db.prepare('SELECT 1').get();
      db.exec('PRAGMA user_version');
      assert.equal(tracing.spans().length, 0);
      instrumentation.disable();
      await tracing.inRequest(() => db.prepare('SELECT 1').get());
      assert.deepEqual(
        tracing.spans().map((s) => s.name),
        ['request'],
      );
      instrumentation.enable();
    });

    it('names statements by operation and first table', () => {
      assert.deepEqual(describeSql('  update "Users" SET a = @a'), { operation: 'UPDATE', collection: 'Users' });
      assert.deepEqual(describeSql('DELETE FROM [dbo].[AspNetUsers] WHERE Id = @id'), {
        operation: 'DELETE',
        collection: 'dbo',
      });
      assert.deepEqual(describeSql('BEGIN IMMEDIATE'), { operation: 'BEGIN', collection: undefined });
      assert.deepEqual(describeSql('CREATE TABLE IF NOT EXISTS "Marks" (x)'), {
        operation: 'CREATE',
        collection: 'Marks',
      });
    });
  });

  describe('identity.migrated (import mode)', () => {
    it('is set when a call marks the user, when it finds the user gone, and when a change is refused', async () => {
      let now = new Date('2026-01-01T00:00:00Z');
      const repository = new MemoryRepository();
      const service = new IdentityService({
        repository,
        hasher: new FakeHasher(),
        clock: { now: () => now },
        logger: silent,
        migration: { mode: 'import', graceMs: 60_000 },
        rehashOnLogin: false,
      });
      await repository.insert({ email: 'm@example.com', password: { hash: 'fake:pw' }, emailVerified: false });
      const migrated = () =>
        tracing
          .spans()
          .filter((s) => s.name.startsWith('identity.'))
          .map((s) => [s.name, s.attributes['identity.outcome'], s.attributes['identity.migrated']]);
      await tracing.inRequest(() => service.getUser({ email: 'm@example.com', login: '' }));
      await assert.rejects(
        tracing.inRequest(() => service.changePassword({ email: 'm@example.com', newPassword: 'another pw 123' })),
      );
      now = new Date('2026-01-01T01:00:00Z');
      await assert.rejects(tracing.inRequest(() => service.getUser({ email: 'm@example.com', login: '' })));
      assert.deepEqual(migrated(), [
        ['identity.get_user', 'ok', true],
        ['identity.change_password', 'failed_precondition', true],
        ['identity.get_user', 'not_found', true],
      ]);
    });

    it('is set when the write refuses a user marked after the change checked (the race a login wins)', async () => {
      const seam = new CheckThenWriteSeam(new MemoryRepository());
      const service = new IdentityService({
        repository: seam.repository,
        hasher: new FakeHasher(),
        clock: { now: () => new Date('2026-01-01T00:00:00Z') },
        logger: silent,
        migration: { mode: 'import', graceMs: 60_000 },
        rehashOnLogin: false,
      });
      await seam.store.insert({ email: 'r@example.com', password: { hash: 'fake:pw' }, emailVerified: false });
      seam.beforeNextCheckAnswers(async () => {
        await service.authenticate({ login: 'r@example.com', password: 'pw' });
      });
      await assert.rejects(tracing.inRequest(() => service.verifyEmail({ email: 'r@example.com' })));
      assert.equal(seam.ran, 1);
      const change = tracing.spans().find((s) => s.name === 'identity.verify_email');
      assert.deepEqual(
        [change?.attributes['identity.outcome'], change?.attributes['identity.migrated']],
        ['failed_precondition', true],
      );
    });
  });

  describe('Password spans and the KDF queue wait', () => {
    it('traces verify with the detected format, the stored cost and the queue wait, never the secret', async () => {
      const metrics = createMetrics({ build: { version: 't', node: 'v0' }, store: 'sqlite', processMetrics: false });
      const kdf = new KdfLimiter({ concurrency: 1, queueLimit: 4, observer: kdfTelemetry(metrics) });
      const hasher = tracePasswordHasher(createConfiguredHasher({ cost: TEST_COST, kdf, logger: silent }), TEST_COST);
      const stored = await tracing.inRequest(() => hasher.hash('hunter2 correct horse'));
      await tracing.inRequest(() => hasher.verify('hunter2 wrong horse', stored));
      const [hash, verify] = tracing.spans().filter((s) => s.name.startsWith('password.'));
      assert.equal(hash?.name, 'password.hash');
      assert.deepEqual(hash?.attributes, {
        'password.format': 'scrypt',
        'password.scrypt.log_n': 10,
        'password.scrypt.r': 8,
        'password.scrypt.p': 1,
        'password.kdf.queue_wait_ms': hash?.attributes['password.kdf.queue_wait_ms'],
      });
      assert.equal(typeof hash?.attributes['password.kdf.queue_wait_ms'], 'number');
      assert.equal(verify?.name, 'password.verify');
      assert.equal(verify?.attributes['password.format'], 'scrypt');
      assert.equal(verify?.attributes['password.scrypt.log_n'], 10);
      assert.equal(verify?.status.code, SpanStatusCode.UNSET, 'a wrong password is not an error');
      const everything = JSON.stringify(tracing.spans().map((s) => [s.attributes, s.events]));
      assert.ok(!everything.includes('hunter2') && !everything.includes(stored.hash));
      const text = await metrics.registry.metrics();
      assert.match(text, /^identity_kdf_queue_wait_seconds_count 2$/m);
    });

    it('records overload as password.kdf.rejected, not as an error, and makes no span outside a request', async () => {
      const fake = new FakeHasher();
      const hasher = tracePasswordHasher(fake, TEST_COST);
      fake.overloaded = true;
      await assert.rejects(
        tracing.inRequest(() => hasher.dummyVerify('x')),
        (e: unknown) => e instanceof IdentityError && e.code === 'resource_exhausted',
      );
      const span = tracing.spans().find((s) => s.name === 'password.verify');
      assert.equal(span?.attributes['password.kdf.rejected'], true);
      assert.equal(span?.attributes['password.dummy'], true);
      assert.equal(span?.status.code, SpanStatusCode.UNSET);
      fake.overloaded = false;
      await hasher.dummyVerify('warm-up');
      assert.equal(tracing.spans().length, 2, 'the warm-up outside a request adds no span');
    });

    it('reads the work factor of self-describing legacy hashes', () => {
      assert.deepEqual(storedCostAttributes(`$2b$12$${'a'.repeat(53)}`), { 'password.bcrypt.cost': 12 });
      assert.deepEqual(storedCostAttributes('pbkdf2_sha256$600000$salt$hash='), {
        'password.pbkdf2.iterations': 600000,
      });
      assert.deepEqual(storedCostAttributes('$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA'), {
        'password.argon2.memory_kib': 65536,
        'password.argon2.iterations': 3,
        'password.argon2.parallelism': 4,
      });
      assert.deepEqual(storedCostAttributes(`$P$B${'x'.repeat(30)}`), { 'password.phpass.log2_rounds': 13 });
      assert.deepEqual(storedCostAttributes('5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8'), {});
    });

    it('puts the active span’s ids on log lines, and nothing without one', async () => {
      assert.deepEqual(traceLogFields(), {});
      const fields = await tracing.inRequest(() => traceLogFields());
      const request = tracing.spans().find((s) => s.name === 'request');
      assert.deepEqual(fields, { trace_id: request?.spanContext().traceId, span_id: request?.spanContext().spanId });
      assert.equal(trace.getSpan(ROOT_CONTEXT), undefined);
    });
  });
});

describe('Store metrics (measureRepository)', () => {
  it('times every port call with its outcome, keeps extra methods, and passes errors through', async () => {
    const calls: [string, string][] = [];
    const repository = measureRepository(new MemoryRepository(), (operation, outcome) =>
      calls.push([operation, outcome]),
    );
    assert.equal(await repository.findByEmail('nobody@example.com'), null);
    await assert.rejects(
      repository.delete('no-such-id'),
      (e: unknown) => e instanceof IdentityError && e.code === 'not_found',
    );
    assert.equal(await repository.countUsers(), 0);
    assert.deepEqual(calls, [
      ['findByEmail', 'ok'],
      ['delete', 'not_found'],
    ]);
  });
});

const silent = { warn() {}, info() {} };
