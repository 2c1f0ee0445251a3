import {
  type CallOptions,
  type ClientUnaryCall,
  status as GrpcStatus,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { ErrorInfo } from '../../gen/google/rpc/error_details';
import { Status as RpcStatus } from '../../gen/google/rpc/status';
import { decodeRetryInfo, RETRY_INFO_TYPE_URL } from '../grpc/retry-info';
import { ERROR_DOMAIN, readFieldViolations } from '../grpc/status';

/** The IdentityStore RPCs the bridge calls, by their client method names. */
export type UpstreamRpc =
  | 'authenticate'
  | 'getUser'
  | 'createUser'
  | 'verifyEmail'
  | 'changePassword'
  | 'deleteUser'
  | 'changeEmail';

/** A failed IdentityStore call, with what the server put in `grpc-status-details-bin`. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly code: GrpcStatus;
  /** ErrorInfo.reason when the server is an IdentityStore (`INVALID_CREDENTIALS`, `NOT_FOUND`, …), else ''. */
  readonly reason: string;
  readonly violations: readonly { field: string; description: string }[];
  /** Whole seconds until a retry can succeed, from a google.rpc.RetryInfo detail (a throttled login). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly rpc: UpstreamRpc,
    cause: Partial<ServiceError>,
  ) {
    super(`${rpc} failed with ${GrpcStatus[cause.code ?? GrpcStatus.UNKNOWN] ?? 'an unknown status'}`, { cause });
    // A status outside the enum (a foreign server, a corrupt trailer) is treated as UNKNOWN.
    this.code = cause.code !== undefined && GrpcStatus[cause.code] !== undefined ? cause.code : GrpcStatus.UNKNOWN;
    const details = readDetails(cause.metadata);
    this.reason = details.reason;
    this.retryAfterSeconds = details.retryAfterMs === undefined ? undefined : Math.ceil(details.retryAfterMs / 1000);
    this.violations = readFieldViolations(cause.metadata);
  }

  /** The server's status message: safe by the server's contract, logged for faults, never sent on. */
  get details(): string {
    return (this.cause as Partial<ServiceError>).details ?? '';
  }
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/**
 * One unary IdentityStore call with a deadline. Resolves with the response or rejects with an
 * UpstreamError; anything the client throws synchronously (a request it cannot serialise) becomes an
 * UpstreamError with INTERNAL, so the caller has one kind of failure to map.
 */
export function callUpstream<Req, Res>(
  rpc: UpstreamRpc,
  method: UnaryMethod<Req, Res>,
  request: Req,
  deadlineMs: number,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    try {
      method(request, new Metadata(), { deadline: Date.now() + deadlineMs }, (error, response) => {
        if (error) reject(new UpstreamError(rpc, error));
        else resolve(response);
      });
    } catch (thrown) {
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      reject(new UpstreamError(rpc, { code: GrpcStatus.INTERNAL, details: `client-side failure: ${message}` }));
    }
  });
}

/** ErrorInfo.reason (when the server is an IdentityStore) and RetryInfo's delay from the status details. */
function readDetails(metadata: Metadata | undefined): { reason: string; retryAfterMs: number | undefined } {
  const raw = metadata?.get('grpc-status-details-bin')[0];
  let reason = '';
  let retryAfterMs: number | undefined;
  if (!Buffer.isBuffer(raw)) return { reason, retryAfterMs };
  try {
    for (const detail of RpcStatus.decode(raw).details) {
      if (detail.typeUrl === RETRY_INFO_TYPE_URL) {
        retryAfterMs = decodeRetryInfo(detail.value);
      } else if (detail.typeUrl === 'type.googleapis.com/google.rpc.ErrorInfo') {
        const info = ErrorInfo.decode(detail.value);
        if (info.domain === ERROR_DOMAIN) reason = info.reason;
      }
    }
  } catch {
    // A trailer that does not decode carries nothing usable.
  }
  return { reason, retryAfterMs };
}
