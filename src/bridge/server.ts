import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { IdentityStoreClient } from '../../gen/identity/v1/identity_store';
import type { BridgeConfig } from '../config';
import { validateTlsMaterial } from '../grpc/tls-files';
import type { Logger } from '../logger';
import { createTokenCheck } from './auth';
import { checkBody } from './body-check';
import { createClientErrorHandler } from './client-error';
import { failureFromRequestError, invalidUtf8Error, sendFailure } from './http-errors';
import {
  BODY_LIMIT_BYTES,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_CONNECTIONS,
  MAX_HEADER_BYTES,
  READINESS_TIMEOUT_MS,
  RETRY_AFTER_SECONDS,
  TIMEOUT_CHECK_INTERVAL_MS,
  upstreamDeadlineMs,
} from './limits';
import { createIpRateLimit } from './rate-limit';
import { checkUpstreamHealth } from './readiness';
import { type RequestObserver, registerRequestLog } from './request-log';
import { type BridgeApp, DECLARED_FIELDS, registerRoutes } from './routes';
import { type BridgeFailure, bridgeFailure, failureFromUpstream, PASSWORD_FIELDS } from './status';
import { UpstreamError } from './upstream';

export interface BridgeDeps {
  /** The IdentityStore client the routes call. The caller owns it: `close()` leaves it open. */
  readonly client: IdentityStoreClient;
  readonly config: BridgeConfig;
  readonly logger: Logger;
  /** An extra readiness gate (e.g. false while the process drains); ANDed with the upstream health check. */
  readonly isReady?: () => Promise<boolean>;
  /** Told of every finished request (metrics). */
  readonly onRequest?: RequestObserver;
  /** Milliseconds clock of the per-address rate limits; tests pass a manual one. Default Date.now. */
  readonly now?: () => number;
}

export interface BridgeHandle {
  readonly port: number;
  /** Stops accepting, answers 503 `unavailable` to requests on open connections, waits for in-flight ones. */
  close(): Promise<void>;
}

/** Routes that need no bearer token (probes). */
const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/**
 * Builds the HTTP bridge the Auth0 scripts call (ARCHITECTURE.md §3), not yet listening: routes, bearer
 * check, strict schemas, error mapping, timeouts. `startBridge` listens; tests may `inject` into this.
 */
export function buildBridge(deps: BridgeDeps): { app: BridgeApp; markClosing(): void } {
  const { client, config } = deps;
  const checkToken = createTokenCheck(config.tokens);
  const checkRate = createIpRateLimit(config.rateLimits, deps.now ?? Date.now);
  const tls = config.https ? readTls(config.https) : null;
  const timeouts = {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, config.requestTimeoutMs),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    maxHeaderSize: MAX_HEADER_BYTES,
  };
  const trustProxy = trustProxyOption(config.trustProxy);
  let closing = false;
  const logger = deps.logger.child({ component: 'bridge' });

  const app: BridgeApp = Fastify({
    loggerInstance: logger,
    // registerRequestLog writes the one line per request; fastify's own two lines would repeat it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: false,
    return503OnClosing: false,
    // request.ip (the per-address limits, and nothing else) honours X-Forwarded-For only from these.
    trustProxy,
    // Fastify sets no timeouts on a server it did not create, so every one is set here.
    serverFactory: (handler) => {
      const server = tls ? https.createServer({ ...tls, ...timeouts }, handler) : http.createServer(timeouts, handler);
      // Socket inactivity limit, a backstop: the longest silent stretch of a request is the gRPC call
      // (below the budget), and a slow client is first answered 408 by the request timeout.
      server.setTimeout(config.requestTimeoutMs + 2 * TIMEOUT_CHECK_INTERVAL_MS);
      server.maxConnections = MAX_CONNECTIONS;
      // https.Server serves the same request/response API; fastify's types only name http.Server.
      return server as unknown as http.Server;
    },
    // Node's own refusals (slow client 408, malformed request 400, headers too large 431) get the
    // bridge's JSON error body too; fastify's default body uses codes outside §3.
    clientErrorHandler: createClientErrorHandler(logger),
    ajv: {
      // Fastify's defaults would silently drop unknown fields and coerce "1" into 1: refuse instead.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON only: fastify's default text/plain parser would turn a wrong content type into a string body.
  app.removeContentTypeParser('text/plain');
  // Strict UTF-8: fastify's own parser decodes invalid bytes to U+FFFD, so a password other than the
  // one sent would be stored or checked. Invalid UTF-8 is refused as gRPC refuses it; the JSON itself
  // is parsed by fastify's parser, with its prototype-poisoning protection.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(invalidUtf8Error(), undefined);
      return;
    }
    parseJson(request, text, done);
  });
  const log = registerRequestLog(app, deps.onRequest);
  const fail = (request: FastifyRequest, reply: FastifyReply, failure: BridgeFailure): FastifyReply => {
    log.setOutcome(request, failure.error);
    return sendFailure(reply, failure);
  };

  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (closing) return fail(request, reply, bridgeFailure('unavailable'));
    if (PUBLIC_ROUTES.has(request.routeOptions.url ?? '')) return;
    // Before the token check, so a flood of refused tokens is limited too.
    const limited = checkRate({ ip: request.ip, route: request.routeOptions.url });
    if (limited) return fail(request, reply, limited);
    if (!checkToken(request.headers.authorization)) return fail(request, reply, bridgeFailure('unauthorized'));
  });

  app.addHook('preHandler', async (request, reply) => {
    if (typeof request.body !== 'object' || request.body === null) return;
    const violation = checkBody(request.body as Record<string, unknown>);
    if (violation) {
      const code = PASSWORD_FIELDS.has(violation.field) ? 'password_rejected' : 'invalid_request';
      return fail(request, reply, bridgeFailure(code, `${violation.field} ${violation.description}`));
    }
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    if (error instanceof UpstreamError) {
      const failure = failureFromUpstream(error, RETRY_AFTER_SECONDS);
      if (failure.status >= 500) {
        request.log.warn(
          { event: 'upstream_failure', rpc: error.rpc, grpc_code: error.code, grpc_details: error.details },
          'identity store call failed',
        );
      }
      return fail(request, reply, failure);
    }
    const failure = failureFromRequestError(error as FastifyError, DECLARED_FIELDS);
    if (failure) return fail(request, reply, failure);
    request.log.error({ event: 'bridge_error', err: describe(error) }, 'unexpected bridge error');
    return fail(request, reply, bridgeFailure('internal'));
  });

  app.setNotFoundHandler((request, reply) => fail(request, reply, bridgeFailure('unknown_route')));

  app.get('/healthz', async (_request, reply) => reply.code(200).send({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    const ready =
      !closing &&
      (await (deps.isReady?.() ?? Promise.resolve(true)).catch(() => false)) &&
      (await checkUpstreamHealth(client, READINESS_TIMEOUT_MS));
    if (ready) return reply.code(200).send({ status: 'ready' });
    return fail(request, reply, bridgeFailure('unavailable', 'not ready: the identity store is not reachable'));
  });

  registerRoutes(app, { client, deadlineMs: upstreamDeadlineMs(config.requestTimeoutMs) });
  return {
    app,
    markClosing: () => {
      closing = true;
    },
  };
}

/** Starts the bridge on `config.addr` (port 0 picks a free port). */
export async function startBridge(deps: BridgeDeps): Promise<BridgeHandle> {
  const { app, markClosing } = buildBridge(deps);
  await app.listen({ host: deps.config.addr.host, port: deps.config.addr.port });
  const port = (app.server.address() as AddressInfo).port;
  deps.logger.info(
    { event: 'bridge_listening', host: deps.config.addr.host, port, https: deps.config.https !== null },
    'HTTP bridge listening',
  );
  let closed: Promise<void> | undefined;
  return {
    port,
    close() {
      closed ??= (async () => {
        markClosing();
        await app.close();
      })();
      return closed;
    },
  };
}

/** BRIDGE_TRUST_PROXY in fastify's terms (proxy-addr's): a list of addresses/CIDRs, or the nearest `n` hops. */
function trustProxyOption(
  value: BridgeConfig['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value === 'object') return [...value];
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return value;
}

/** Reads and checks the PEM files; an error names the config key and file, never the file's content. */
function readTls(files: NonNullable<BridgeConfig['https']>): { cert: Buffer; key: Buffer } {
  const read = (path: string, key: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
      throw new Error(`${key}: cannot read ${path} (${reason})`);
    }
  };
  const material = { cert: read(files.certFile, 'HTTPS_CERT'), key: read(files.keyFile, 'HTTPS_KEY') };
  validateTlsMaterial(
    { ...material, ca: null },
    { cert: `HTTPS_CERT (${files.certFile})`, key: `HTTPS_KEY (${files.keyFile})` },
  );
  return material;
}

/** An unexpected error for the log: its type, code and message (fastify and Node messages carry no input). */
function describe(error: unknown): { type: string; code?: string; message: string } {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    return code === undefined
      ? { type: error.name, message: error.message }
      : { type: error.name, code, message: error.message };
  }
  return { type: typeof error, message: 'non-error thrown' };
}
