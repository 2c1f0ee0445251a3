/**
 * The bridge's HTTP limits, in one place with their reasons. The whole-request budget comes from
 * config (`BRIDGE_TIMEOUT`, default 8 s); everything time-related here is derived from it so that the
 * order always holds: gRPC deadline < bridge budget < the scripts' abort (10 s) < Auth0's 20 s.
 */

/**
 * Largest accepted request body. The biggest legitimate body is /v1/create with two 16 KiB metadata
 * objects (METADATA_MAX_BYTES) plus a few short strings; 64 KiB leaves room for JSON escaping and
 * refuses anything absurd before it is parsed. Larger bodies get 413 `payload_too_large`.
 */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Share of the request budget given to the gRPC call; the rest covers parsing, queuing and writing. */
export const UPSTREAM_SHARE = 0.8;

/** The gRPC deadline for one bridge request: below the bridge's own budget, so a slow store gives 504, not a dropped socket. */
export function upstreamDeadlineMs(requestTimeoutMs: number): number {
  return Math.floor(requestTimeoutMs * UPSTREAM_SHARE);
}

/**
 * Time allowed to receive the request headers (slow-loris guard). Auth0 sends small requests from a
 * datacenter: 5 s is generous. Node requires it not to exceed the request timeout.
 */
export const HEADERS_TIMEOUT_MS = 5_000;

/** Idle keep-alive connections are closed after this (Node's own default, stated so it is a decision). */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/**
 * How often Node checks incomplete requests against the headers and request timeouts. Node's default
 * (30 s) would let a slow client hold a socket far beyond the budget.
 */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** Largest request header block (Node's default, stated): a bearer token and a traceparent fit easily. */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * Open connections at most; beyond it new sockets are closed at once. Auth0 keeps a handful of
 * connections per egress address; 1024 is far above that and caps what idle or slow sockets can hold
 * (each costs kernel buffers and a few KiB of heap) whatever the per-address limits allow.
 */
export const MAX_CONNECTIONS = 1024;

/** Sent with 429 when the store sheds load; the KDF queue drains within about a second. */
export const RETRY_AFTER_SECONDS = 1;

/** Budget of the readiness probe's gRPC health check. */
export const READINESS_TIMEOUT_MS = 1_000;
