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
