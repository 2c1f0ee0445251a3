import { SpanStatusCode } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * gRPC status codes that mean the service failed (OpenTelemetry's RPC conventions for server spans).
 * Every other code is the caller's answer — UNAUTHENTICATED for a wrong password, NOT_FOUND,
 * ALREADY_EXISTS, INVALID_ARGUMENT, FAILED_PRECONDITION, RESOURCE_EXHAUSTED (shed load) — and stays
 * visible as `rpc.grpc.status_code` without painting the span red.
 */
export const GRPC_FAULT_CODES: ReadonlySet<number> = new Set([
  2, // UNKNOWN
  4, // DEADLINE_EXCEEDED
  12, // UNIMPLEMENTED
  13, // INTERNAL
  14, // UNAVAILABLE
  15, // DATA_LOSS
]);

const RPC_STATUS = 'rpc.grpc.status_code';

/**
 * Wraps an exporter so that gRPC spans (client and server) whose status code is a refusal rather than a
 * fault are exported with status UNSET. instrumentation-grpc marks every non-OK call as an error; for
 * this service a wrong password is a normal outcome (ARCHITECTURE.md §8), and an error-ratio alert on
 * span status must count outages, not users who mistype.
 */
export function refusalsAreNotErrors(exporter: SpanExporter): SpanExporter {
  return {
    export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
      exporter.export(spans.map(withRpcStatusPolicy), resultCallback);
    },
    shutdown: () => exporter.shutdown(),
    ...(exporter.forceFlush ? { forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve() } : {}),
  };
}

/** The span itself, or a view of it with status UNSET when it is a gRPC refusal marked as an error. */
export function withRpcStatusPolicy(span: ReadableSpan): ReadableSpan {
  const code = span.attributes[RPC_STATUS];
  if (span.status.code !== SpanStatusCode.ERROR || typeof code !== 'number' || GRPC_FAULT_CODES.has(code)) {
    return span;
  }
  // A view that reads everything else (fields, getters, spanContext()) from the original span.
  return Object.create(span, {
    status: { value: { code: SpanStatusCode.UNSET }, enumerable: true },
  }) as ReadableSpan;
}
