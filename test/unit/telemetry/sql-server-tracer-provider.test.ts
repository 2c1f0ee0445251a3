import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { sqlServerTracerProvider } from '../../../src/telemetry/sql-server-tracer-provider';

/** The attributes instrumentation-tedious 0.43 gives a statement run through `execSql`. */
const tediousAttributes = (sql: string) => ({
  'db.system.name': 'microsoft.sql_server',
  'db.namespace': 'legacy',
  'db.query.text': sql,
  'db.operation.name': 'execSql',
  'server.address': '127.0.0.1',
});

describe('SQL Server spans (the tracer provider given to instrumentation-tedious)', () => {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = sqlServerTracerProvider(provider).getTracer('@opentelemetry/instrumentation-tedious', '0.43.0');
  const request = provider.getTracer('test').startSpan('identity.authenticate');
  const inRequest = trace.setSpan(ROOT_CONTEXT, request);

  afterEach(() => memory.reset());
  after(async () => {
    request.end();
    await provider.shutdown();
  });

  it('names a statement by operation and table, as the node:sqlite spans are, keeping the rest', () => {
    const sql = 'UPDATE [Users] SET [PasswordHash] = @hash WHERE [Id] = @userId';
    tracer.startSpan('execSql legacy', { kind: SpanKind.CLIENT, attributes: tediousAttributes(sql) }, inRequest).end();
    const [span] = memory.getFinishedSpans();
    assert.equal(span?.name, 'UPDATE Users');
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.equal(span.parentSpanContext?.spanId, request.spanContext().spanId);
    assert.deepEqual(span.attributes, {
      ...tediousAttributes(sql),
      'db.operation.name': 'UPDATE',
      'db.collection.name': 'Users',
    });
  });

  it('names a statement without a table by its operation alone', () => {
    tracer.startSpan('execSql legacy', { attributes: tediousAttributes('SELECT 1;') }, inRequest).end();
    const [span] = memory.getFinishedSpans();
    assert.equal(span?.name, 'SELECT');
    assert.equal(span.attributes['db.collection.name'], undefined);
  });

  it('records nothing outside a request (health probes, start-up schema checks)', () => {
    const span = tracer.startSpan(
      'execSql legacy',
      { attributes: tediousAttributes('SELECT 1 AS [ok]') },
      ROOT_CONTEXT,
    );
    assert.equal(span.isRecording(), false);
    span.end();
    assert.deepEqual(memory.getFinishedSpans(), []);
  });

  it('leaves a span without query text as the instrumentation named it', () => {
    tracer.startSpan('EXECUTE sp_who', { attributes: { 'db.system.name': 'microsoft.sql_server' } }, inRequest).end();
    assert.deepEqual(
      memory.getFinishedSpans().map((s) => s.name),
      ['EXECUTE sp_who'],
    );
  });
});

describe('SQL Server span status', () => {
  it('keeps the error code but never the driver message, which can quote data (error 2628)', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    const tracer = sqlServerTracerProvider(provider).getTracer('@opentelemetry/instrumentation-tedious', '0.43.0');
    const request = provider.getTracer('test').startSpan('identity.create_user');
    const span = tracer.startSpan(
      'execSql legacy',
      { attributes: tediousAttributes('INSERT INTO [Users] ([Email]) VALUES (@email)') },
      trace.setSpan(ROOT_CONTEXT, request),
    );
    // What instrumentation-tedious does on a failed request.
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: "String or binary data would be truncated: 'alice.secret@exa'",
    });
    span.setAttribute('db.response.status_code', '2628');
    span.end();
    request.end();
    const [finished] = memory.getFinishedSpans();
    assert.equal(finished?.status.code, SpanStatusCode.ERROR);
    assert.equal(finished.status.message, undefined);
    assert.equal(finished.attributes['db.response.status_code'], '2628');
    assert.ok(
      !JSON.stringify(memory.getFinishedSpans().map((s) => [s.status, s.attributes, s.events])).includes(
        'alice.secret',
      ),
    );
    await provider.shutdown();
  });
});
