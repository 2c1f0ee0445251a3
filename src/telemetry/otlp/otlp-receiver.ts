import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeOtlpJson } from './decode-otlp-json';
import { decodeOtlpProtobuf } from './decode-otlp-protobuf';
import type { ReceivedSpan } from './received-span';

/** An unrooted trace (its root lost or still in flight) is handed over anyway after this many quiet periods. */
const MAX_UNROOTED_WAITS = 30;
const SPAN_KIND_SERVER = 2;
/** The largest export accepted (the SDK's default batch of 512 spans is a few hundred KB). */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface OtlpReceiverOptions {
  /** Default 4318, the OTLP/HTTP port; 0 picks a free one. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /**
   * A trace is handed to `onTrace` once it has a root (a span without parent, or a server span whose
   * parent is remote, e.g. the Auth0 script's) and no span of it has arrived for this long; a trace
   * that never gets one is handed over after 30 such periods. Default 1000 ms.
   */
  readonly quietMs?: number;
  readonly onTrace?: (spans: readonly ReceivedSpan[]) => void;
  /** Told of a request it could not decode (the exporter receives 400). */
  readonly onError?: (error: Error) => void;
}

export interface OtlpReceiver {
  readonly port: number;
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (`http://127.0.0.1:4318`). */
  readonly endpoint: string;
  /** Every span received so far, in arrival order. */
  readonly spans: readonly ReceivedSpan[];
  /** Every request body received, decompressed, as sent (tests grep it for secrets). */
  readonly bodies: readonly Buffer[];
  close(): Promise<void>;
}

/**
 * A minimal OTLP/HTTP trace receiver: `POST /v1/traces` in protobuf (`application/x-protobuf`) or JSON
 * (`application/json`), optionally gzip-compressed, answered with an empty ExportTraceServiceResponse.
 * It keeps what it receives in memory and groups spans into traces. For `make traces` and for tests;
 * not a collector (no retention limits, no auth): bind it to loopback.
 */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: Buffer[] = [];
  const pending = new Map<string, { spans: ReceivedSpan[]; timer: NodeJS.Timeout | undefined }>();
  const quietMs = options.quietMs ?? 1000;

  const settle = (traceId: string) => {
    const entry = pending.get(traceId);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    const arm = (waited: number) => {
      entry.timer = setTimeout(() => {
        // Rooted: a span without parent, or a server span continuing a caller's remote span. A client
        // span whose parent has not arrived yet (a SQL statement under a slow domain span) is not.
        const ids = new Set(entry.spans.map((s) => s.spanId));
        const rooted = entry.spans.some(
          (s) => s.parentSpanId === '' || (!ids.has(s.parentSpanId) && s.kind === SPAN_KIND_SERVER),
        );
        if (!rooted && waited < MAX_UNROOTED_WAITS) {
          arm(waited + 1);
          return;
        }
        pending.delete(traceId);
        options.onTrace?.(entry.spans);
      }, quietMs);
      entry.timer.unref();
    };
    arm(0);
  };

  const accept = (received: ReceivedSpan[]) => {
    const touched = new Set<string>();
    for (const span of received) {
      spans.push(span);
      const entry = pending.get(span.traceId) ?? { spans: [], timer: undefined };
      entry.spans.push(span);
      pending.set(span.traceId, entry);
      touched.add(span.traceId);
    }
    if (options.onTrace) for (const traceId of touched) settle(traceId);
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'POST' || path !== '/v1/traces') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only POST /v1/traces\n');
      return;
    }
    const json = (request.headers['content-type'] ?? '').startsWith('application/json');
    readBody(request).then(
      (body) => {
        try {
          bodies.push(body);
          accept(json ? decodeOtlpJson(body.toString('utf8')) : decodeOtlpProtobuf(body));
        } catch (error) {
          options.onError?.(error instanceof Error ? error : new Error(String(error)));
          response.writeHead(400, { 'content-type': 'text/plain' }).end('undecodable export request\n');
          return;
        }
        // An empty ExportTraceServiceResponse: zero bytes in protobuf, {} in JSON.
        if (json) response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        else response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      },
      (error: unknown) => {
        options.onError?.(error instanceof Error ? error : new Error(String(error)));
        response.writeHead(413, { 'content-type': 'text/plain' }).end('request too large or unreadable\n');
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4318, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  return {
    port,
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    spans,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        for (const entry of pending.values()) if (entry.timer) clearTimeout(entry.timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('export request too large');
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body, { maxOutputLength: MAX_BODY_BYTES }) : body;
}
