import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BuildInfo } from './build-info';

/** Request latencies: from a cache-warm lookup (ms) to a login at a high KDF cost under load (s). */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Time waiting for a KDF slot: zero when idle, growing with the queue. */
const QUEUE_WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Store calls: SQLite answers in microseconds, SQL Server over a network in milliseconds. */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** What the KDF limiter exposes for gauges (KdfLimiter satisfies it). */
export interface KdfGaugeSource {
  readonly running: number;
  readonly queued: number;
}

/** Connection pool counts of a pooled store (SQL Server); SQLite has no pool and reports none. */
export interface PoolStats {
  readonly inUse: number;
  readonly idle: number;
  readonly pending: number;
}

/**
 * The service's Prometheus metrics, one registry per running service (no global registry, so tests
 * and several services in one process never share counters). Every label has a bounded set of values:
 * RPC names, gRPC code names, route patterns, HTTP statuses, the bridge's and the domain's closed sets
 * of outcome codes, store port methods. Never an email, a user id or a raw URL.
 */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** One finished gRPC call: `rpc` (`Authenticate`), `code` the status name (`OK`, `UNAUTHENTICATED`). */
  grpcCall(rpc: string, code: string, durationMs: number): void;
  /** One finished bridge request: `route` the route pattern (`/v1/login`) or `unmatched`. */
  httpRequest(route: string, status: number, outcome: string, durationMs: number): void;
  /** One store port call: `operation` the method (`findByEmail`), `outcome` `ok` or an IdentityError code. */
  storeOperation(operation: string, outcome: string, durationMs: number): void;
  /** A KDF task left the queue after `waitMs`. */
  kdfStarted(waitMs: number): void;
  /** A KDF task was refused because the queue was full. */
  kdfRejected(): void;
  /** A KDF task was given up without running because its caller's deadline passed first. */
  kdfExpired(): void;
  /** Reads queue depth and in-flight work at every scrape. */
  watchKdf(source: KdfGaugeSource, limits: { readonly concurrency: number; readonly queueLimit: number }): void;
  /** Reads a store's pool counts at every scrape (SQL Server); unset, the gauge has no samples. */
  watchPool(read: () => PoolStats): void;
}

export interface MetricsOptions {
  readonly build: BuildInfo;
  /** `sqlite` or `mssql`: a label of build info, so dashboards can tell deployments apart. */
  readonly store: string;
  /** Node's process metrics (CPU, memory, event-loop lag, GC); on by default. */
  readonly processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions): ServiceMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'identity_build_info',
    help: 'Always 1; the labels say which build runs.',
    labelNames: ['version', 'node_version', 'store'] as const,
    registers,
  }).set({ version: options.build.version, node_version: options.build.node, store: options.store }, 1);

  const grpcRequests = new Counter({
    name: 'identity_grpc_requests_total',
    help: 'Finished IdentityStore RPCs by method and gRPC status code name.',
    labelNames: ['rpc', 'code'] as const,
    registers,
  });
  const grpcDuration = new Histogram({
    name: 'identity_grpc_request_duration_seconds',
    help: 'IdentityStore RPC latency, from request decoded to response sent, by method and status code.',
    labelNames: ['rpc', 'code'] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const httpRequests = new Counter({
    name: 'identity_http_requests_total',
    help: 'Finished bridge requests by route pattern, HTTP status and outcome (ok or the error code).',
    labelNames: ['route', 'status', 'outcome'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'identity_http_request_duration_seconds',
    help: 'Bridge request latency by route pattern and outcome.',
    labelNames: ['route', 'outcome'] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const storeDuration = new Histogram({
    name: 'identity_store_operation_duration_seconds',
    help: 'User store call latency by port method and outcome (ok or an IdentityError code).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: STORE_BUCKETS,
    registers,
  });
  const kdfWait = new Histogram({
    name: 'identity_kdf_queue_wait_seconds',
    help: 'Time a password hash or verification waited for a KDF slot.',
    buckets: QUEUE_WAIT_BUCKETS,
    registers,
  });
  const kdfRejected = new Counter({
    name: 'identity_kdf_rejected_total',
    help: 'Password hashes refused at once because the KDF queue was full (RESOURCE_EXHAUSTED / 429).',
    registers,
  });

  const kdfExpired = new Counter({
    name: 'identity_kdf_expired_total',
    help: "Password hashes given up without running because the caller's deadline passed while they waited (DEADLINE_EXCEEDED).",
    registers,
  });

  let kdf: { source: KdfGaugeSource; limits: { concurrency: number; queueLimit: number } } | undefined;
  new Gauge({
    name: 'identity_kdf_queue_depth',
    help: 'Password hashes waiting for a KDF slot.',
    registers,
    collect() {
      if (kdf) this.set(kdf.source.queued);
    },
  });
  new Gauge({
    name: 'identity_kdf_in_flight',
    help: 'Password hashes being computed now.',
    registers,
    collect() {
      if (kdf) this.set(kdf.source.running);
    },
  });
  new Gauge({
    name: 'identity_kdf_concurrency',
    help: 'KDF slots (KDF_CONCURRENCY): in_flight / concurrency is KDF saturation.',
    registers,
    collect() {
      if (kdf) this.set(kdf.limits.concurrency);
    },
  });
  new Gauge({
    name: 'identity_kdf_queue_limit',
    help: 'KDF queue capacity (KDF_QUEUE_LIMIT): beyond it requests are refused.',
    registers,
    collect() {
      if (kdf) this.set(kdf.limits.queueLimit);
    },
  });

  let readPool: (() => PoolStats) | undefined;
  new Gauge({
    name: 'identity_store_pool_connections',
    help: 'Store connection pool by state (in_use, idle, pending); SQL Server only, SQLite has no pool.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      if (!readPool) return;
      const stats = readPool();
      this.set({ state: 'in_use' }, stats.inUse);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'pending' }, stats.pending);
    },
  });

  return {
    registry,
    grpcCall(rpc, code, durationMs) {
      grpcRequests.inc({ rpc, code });
      grpcDuration.observe({ rpc, code }, durationMs / 1000);
    },
    httpRequest(route, status, outcome, durationMs) {
      httpRequests.inc({ route, status: String(status), outcome });
      httpDuration.observe({ route, outcome }, durationMs / 1000);
    },
    storeOperation(operation, outcome, durationMs) {
      storeDuration.observe({ operation, outcome }, durationMs / 1000);
    },
    kdfStarted(waitMs) {
      kdfWait.observe(waitMs / 1000);
    },
    kdfRejected() {
      kdfRejected.inc();
    },
    kdfExpired() {
      kdfExpired.inc();
    },
    watchKdf(source, limits) {
      kdf = { source, limits: { concurrency: limits.concurrency, queueLimit: limits.queueLimit } };
    },
    watchPool(read) {
      readPool = read;
    },
  };
}
