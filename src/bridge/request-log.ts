import { trace } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BridgeApp } from './routes';

/** Told of every finished request (metrics): route pattern or `unmatched`, status, outcome, duration. */
export type RequestObserver = (route: string, status: number, outcome: string, durationMs: number) => void;

/**
 * One log line per request: method, route (the route pattern, never the raw URL), status, outcome
 * (`ok` or the bridge's error code) and duration. Never the body, never a header: bodies carry
 * passwords and the Authorization header carries the bridge token. The HTTP server span (when tracing
 * is on) is named after the route pattern (`POST /v1/login`) and gets `http.route` and
 * `identity.bridge.outcome`; the line carries its `trace_id` through the logger.
 */
export function registerRequestLog(
  app: BridgeApp,
  onRequest?: RequestObserver,
): { setOutcome(request: FastifyRequest, outcome: string): void } {
  const outcomes = new WeakMap<FastifyRequest, string>();
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const route = request.routeOptions.url;
    const span = trace.getActiveSpan();
    if (span && route !== undefined) {
      span.updateName(`${request.method} ${route}`);
      span.setAttribute('http.route', route);
    }
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const status = reply.statusCode;
    const route = request.routeOptions.url ?? 'unmatched';
    const outcome = outcomes.get(request) ?? (status < 400 ? 'ok' : 'error');
    const durationMs = reply.elapsedTime;
    const fields = {
      event: 'http_request',
      method: request.method,
      route,
      status,
      outcome,
      duration_ms: Math.round(durationMs * 10) / 10,
    };
    trace.getActiveSpan()?.setAttribute('identity.bridge.outcome', outcome);
    onRequest?.(route, status, outcome, durationMs);
    if (status >= 500) request.log.warn(fields, 'request');
    else request.log.info(fields, 'request');
  });
  return { setOutcome: (request, outcome) => outcomes.set(request, outcome) };
}
