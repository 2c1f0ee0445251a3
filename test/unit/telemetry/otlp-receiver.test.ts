import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { type OtlpReceiver, startOtlpReceiver } from '../../../src/telemetry/otlp/otlp-receiver';
import { type ReceivedSpan, STATUS_ERROR, STATUS_UNSET } from '../../../src/telemetry/otlp/received-span';
import { formatTraceTree } from '../../../src/telemetry/otlp/trace-tree';

/** Three real SDK spans: a server span continuing a remote parent, a child with every attribute type, an error. */
function makeSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'unit-under-test' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('unit-scope');
  const remote = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true };
  const root = tracer.startSpan(
    'POST /v1/login',
    { kind: SpanKind.SERVER, attributes: { 'http.route': '/v1/login', 'http.response.status_code': 200 } },
    trace.setSpanContext(ROOT_CONTEXT, remote),
  );
  const rootContext = trace.setSpan(ROOT_CONTEXT, root);
  const child = tracer.startSpan(
    'password.verify',
    {
      attributes: {
        'password.format': 'scrypt',
        'password.scrypt.log_n': 10,
        'password.kdf.queue_wait_ms': 0.25,
        'password.needs_rehash': false,
        'some.list': ['a', 'b'],
        'not.key.attribute': 'hidden from the tree',
      },
    },
    rootContext,
  );
  child.end();
  const failing = tracer.startSpan('UPDATE Users', { kind: SpanKind.CLIENT }, rootContext);
  failing.recordException(new Error('database is locked'));
  failing.setStatus({ code: SpanStatusCode.ERROR, message: 'database is locked' });
  failing.end();
  root.end();
  return memory.getFinishedSpans();
}

async function exportVia(exporter: OtlpProtobufExporter | OtlpJsonExporter, spans: ReadableSpan[]): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    exporter.export(spans, (result) =>
      result.code === 0 ? resolve() : reject(result.error ?? new Error('export failed')),
    ),
  );
  await exporter.shutdown();
}

describe('OTLP receiver (make traces)', () => {
  let receiver: OtlpReceiver;
  const finished: (readonly ReceivedSpan[])[] = [];
  beforeEach(async () => {
    finished.length = 0;
    receiver = await startOtlpReceiver({ port: 0, quietMs: 20, onTrace: (spans) => finished.push(spans) });
  });
  afterEach(() => receiver.close());

  for (const [encoding, make] of [
    ['protobuf', (url: string) => new OtlpProtobufExporter({ url })],
    ['JSON', (url: string) => new OtlpJsonExporter({ url })],
  ] as const) {
    it(`decodes what the OpenTelemetry exporter sends in ${encoding}`, async () => {
      const sent = makeSpans();
      await exportVia(make(`${receiver.endpoint}/v1/traces`), sent);
      assert.equal(receiver.spans.length, 3);
      const byName = new Map(receiver.spans.map((s) => [s.name, s]));
      const root = byName.get('POST /v1/login');
      const child = byName.get('password.verify');
      const failing = byName.get('UPDATE Users');
      assert.ok(root && child && failing);
      const original = sent.find((s) => s.name === 'password.verify');
      assert.equal(child.traceId, 'a'.repeat(32));
      assert.equal(child.spanId, original?.spanContext().spanId);
      assert.equal(root.parentSpanId, 'b'.repeat(16));
      assert.equal(child.parentSpanId, root.spanId);
      assert.equal(root.kind, 2);
      assert.equal(failing.kind, 3);
      assert.deepEqual(child.attributes, {
        'password.format': 'scrypt',
        'password.scrypt.log_n': 10,
        'password.kdf.queue_wait_ms': 0.25,
        'password.needs_rehash': false,
        'some.list': ['a', 'b'],
        'not.key.attribute': 'hidden from the tree',
      });
      assert.equal(root.attributes['http.response.status_code'], 200);
      assert.deepEqual(failing.status, { code: STATUS_ERROR, message: 'database is locked' });
      assert.equal(child.status.code, STATUS_UNSET);
      assert.equal(failing.events[0]?.name, 'exception');
      assert.equal(failing.events[0]?.attributes['exception.message'], 'database is locked');
      assert.equal(root.resource['service.name'], 'unit-under-test');
      assert.equal(root.scope, 'unit-scope');
      // Times arrive as sent. (Spans are not compared with each other: the SDK anchors each span's clock
      // to Date.now() separately, so sibling spans can disagree by up to a millisecond.) OTLP/JSON may
      // carry nanoseconds as JSON numbers (≈ 256 ns apart at today's epoch), hence the tolerance there.
      const slack = encoding === 'JSON' ? 1_000n : 0n;
      const nanos = ([seconds, ns]: readonly [number, number]) => BigInt(seconds) * 1_000_000_000n + BigInt(ns);
      for (const span of sent) {
        const got = byName.get(span.name);
        assert.ok(got);
        for (const [received, expected] of [
          [got.startTimeUnixNano, nanos(span.startTime)],
          [got.endTimeUnixNano, nanos(span.endTime)],
        ] as const) {
          const drift = received > expected ? received - expected : expected - received;
          assert.ok(drift <= slack, `${span.name}: ${received} vs ${expected}`);
        }
      }
    });
  }

  it('hands over a trace once it is rooted and quiet, and prints it as an indented tree', async () => {
    await exportVia(new OtlpProtobufExporter({ url: `${receiver.endpoint}/v1/traces` }), makeSpans());
    const deadline = Date.now() + 5000;
    while (finished.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(finished.length, 1);
    const lines = formatTraceTree(finished[0] ?? []).split('\n');
    assert.match(lines[0] ?? '', /^trace a{32} {2}POST \/v1\/login .* 3 spans {2}service=unit-under-test$/);
    assert.match(
      lines[1] ?? '',
      /^└─ POST \/v1\/login {2}SERVER {2}[\d.]+ ms {2}@\+0\.00 ms {2}\(parent b{16}, remote\)$/,
    );
    const text = lines.join('\n');
    assert.match(text, /\n {3}├─ password\.verify {2}INTERNAL/);
    assert.match(text, /\n {3}└─ UPDATE Users {2}CLIENT .* ERROR: database is locked/);
    assert.match(text, /password\.scrypt\.log_n=10/);
    assert.match(text, /exception "Error": "database is locked"/);
    assert.ok(!text.includes('hidden from the tree'), 'only key attributes are printed');
  });

  it('waits for a slow trace’s root instead of printing an early SQL span as a trace of its own', async () => {
    const sent = makeSpans();
    const early = sent.filter((s) => s.name === 'UPDATE Users');
    await exportVia(new OtlpProtobufExporter({ url: `${receiver.endpoint}/v1/traces` }), early);
    await new Promise((r) => setTimeout(r, 100)); // five quiet periods
    assert.equal(finished.length, 0);
    await exportVia(
      new OtlpProtobufExporter({ url: `${receiver.endpoint}/v1/traces` }),
      sent.filter((s) => s.name !== 'UPDATE Users'),
    );
    const deadline = Date.now() + 5000;
    while (finished.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      finished.map((t) => t.length),
      [3],
    );
  });

  it('answers 400 to bytes that are not an export request and 404 elsewhere', async () => {
    const bad = await fetch(`${receiver.endpoint}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f]),
    });
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${receiver.endpoint}/v1/metrics`, { method: 'POST', body: '' })).status, 404);
  });
});
