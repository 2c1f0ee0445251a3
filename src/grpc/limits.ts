/**
 * gRPC server limits. The largest legitimate request is CreateUser with two 16 KiB metadata objects;
 * 256 KiB leaves room and refuses anything absurd before it is decoded.
 */
export const GRPC_MAX_RECEIVE_MESSAGE_BYTES = 256 * 1024;
/** Answers are one user: small. */
export const GRPC_MAX_SEND_MESSAGE_BYTES = 256 * 1024;
/** Concurrent calls per HTTP/2 connection; more wait at the transport instead of piling onto the KDF queue. */
export const GRPC_MAX_CONCURRENT_STREAMS = 256;
/** Idle connections are closed after this; keep-alive pings detect dead peers. */
export const GRPC_MAX_CONNECTION_IDLE_MS = 5 * 60_000;
export const GRPC_KEEPALIVE_TIME_MS = 60_000;
export const GRPC_KEEPALIVE_TIMEOUT_MS = 20_000;
/**
 * Connections are closed (GOAWAY, clients reconnect transparently) after this long, so a renewed
 * certificate, a rotated-out client CA or a removed GRPC_TOKENS entry reaches every long-lived
 * connection within half an hour, and load spreads again after a redeploy.
 */
export const GRPC_MAX_CONNECTION_AGE_MS = 30 * 60_000;
/** Calls still running on an aged connection get this long to finish: above the longest deadline (15 s). */
export const GRPC_MAX_CONNECTION_AGE_GRACE_MS = 20_000;
/*
 * Request metadata (headers) has no limit that grpc-js 1.14 lets a server set. What bounds it is Node's
 * HTTP/2 session: measured on Node 24.21, a header block of ~195 KB is accepted, ~240 KB or a single
 * field of 256 KiB is refused with a stream or connection error, and more than 128 fields with
 * RESOURCE_EXHAUSTED (hardening-grpc-streams.test.ts). Legitimate metadata (a bearer token and a
 * traceparent) is under 1 KiB; the per-connection worst case is GRPC_MAX_CONCURRENT_STREAMS such blocks.
 */
