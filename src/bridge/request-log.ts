import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BridgeApp } from './routes';

/**
 * One log line per request: method, route (the route pattern, never the raw URL), status, outcome
 * (`ok` or the bridge's error code) and duration. Never the body, never a header: bodies carry
 * passwords and the Authorization header carries the bridge token.
 */
export function registerRequestLog(app: BridgeApp): { setOutcome(request: FastifyRequest, outcome: string): void } {
  const outcomes = new WeakMap<FastifyRequest, string>();
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const status = reply.statusCode;
    const fields = {
      event: 'http_request',
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status,
      outcome: outcomes.get(request) ?? (status < 400 ? 'ok' : 'error'),
      duration_ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (status >= 500) request.log.warn(fields, 'request');
    else request.log.info(fields, 'request');
  });
  return { setOutcome: (request, outcome) => outcomes.set(request, outcome) };
}
