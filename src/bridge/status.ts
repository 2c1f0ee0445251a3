import { status as GrpcStatus } from '@grpc/grpc-js';
import type { UpstreamError } from './upstream';

/**
 * Every `error` code the bridge answers with (ARCHITECTURE.md §3), with its HTTP status and a safe
 * message. The Auth0 scripts branch on these codes, never on the status alone: a proxy's 404 page or
 * a mistyped route must not read as "user not found".
 */
export const BRIDGE_ERRORS = {
  invalid_request: { status: 400, message: 'invalid request' },
  password_rejected: { status: 400, message: 'password rejected' },
  unauthorized: { status: 401, message: 'missing or invalid bridge token' },
  invalid_credentials: { status: 401, message: 'invalid credentials' },
  not_found: { status: 404, message: 'user not found' },
  /** An unknown path or method: deliberately not `not_found`, which the scripts read as "no such user". */
  unknown_route: { status: 404, message: 'no such route' },
  user_exists: { status: 409, message: 'a user with this email or username already exists' },
  /** FAILED_PRECONDITION: in import mode the user has migrated and belongs to Auth0 now. */
  user_migrated: { status: 409, message: 'user has migrated to Auth0; change it there' },
  payload_too_large: { status: 413, message: 'request body too large' },
  rate_limited: { status: 429, message: 'too many requests; retry later' },
  internal: { status: 500, message: 'internal error' },
  unavailable: { status: 503, message: 'identity store unavailable; retry later' },
  timeout: { status: 504, message: 'identity store did not answer in time' },
} as const satisfies Record<string, { status: number; message: string }>;

export type BridgeErrorCode = keyof typeof BRIDGE_ERRORS;

/** What goes on the wire for a failure: `{"error": code, "message": message}` with `status`. */
export interface BridgeFailure {
  readonly status: number;
  readonly error: BridgeErrorCode;
  /** Safe text: a fixed message, or field names with the domain's descriptions (which never echo values). */
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

export function bridgeFailure(error: BridgeErrorCode, message?: string): BridgeFailure {
  return { status: BRIDGE_ERRORS[error].status, error, message: message ?? BRIDGE_ERRORS[error].message };
}

/** Request fields whose rejection means "this password is not acceptable" rather than "malformed request". */
export const PASSWORD_FIELDS: ReadonlySet<string> = new Set(['password', 'new_password']);

/**
 * gRPC request fields a route fills from a bridge field of another name: a violation names the field
 * the caller sent. (The others share their names: new_password, new_email, user_id, …)
 */
const BRIDGE_FIELD_NAMES: Partial<Record<UpstreamError['rpc'], Readonly<Record<string, string>>>> = {
  authenticate: { login: 'username_or_email' },
  getUser: { login: 'email' },
};

/**
 * The one mapping from an upstream gRPC status to the bridge's answer. Outages and bugs never map to
 * a 401 or a 404: the scripts would turn those into "wrong password" or "no such user". A status that
 * names a user's state (UNAUTHENTICATED, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION) or asks for a
 * retry (RESOURCE_EXHAUSTED) is believed only with the IdentityStore's google.rpc.ErrorInfo (domain
 * `identity.v1`, reason = the matching domain code); without it the answer is 500 `internal`.
 */
export function failureFromUpstream(failure: UpstreamError, retryAfterSeconds: number): BridgeFailure {
  const code = failure.code;
  switch (code) {
    case GrpcStatus.INVALID_ARGUMENT: {
      const renamed = BRIDGE_FIELD_NAMES[failure.rpc] ?? {};
      const violations = failure.violations.map((v) => ({ ...v, field: renamed[v.field] ?? v.field }));
      const message =
        violations.length > 0 ? violations.map((v) => `${v.field} ${v.description}`).join('; ') : undefined;
      const passwordOnly = violations.length > 0 && violations.every((v) => PASSWORD_FIELDS.has(v.field));
      return bridgeFailure(passwordOnly ? 'password_rejected' : 'invalid_request', message);
    }
    case GrpcStatus.UNAUTHENTICATED:
      // Only the domain's own verdict on a login is "invalid credentials". An UNAUTHENTICATED from
      // anywhere else (an interceptor refusing the bridge's own channel credentials, a proxy) is a
      // misconfiguration: answering 401 invalid_credentials would tell every user their password is wrong.
      return failure.rpc === 'authenticate' && failure.reason === 'INVALID_CREDENTIALS'
        ? bridgeFailure('invalid_credentials')
        : bridgeFailure('internal');
    // The three answers below make the scripts act on a user (get_user's `callback(null)` lets Auth0
    // create the account anew; `user_exists` refuses a sign-up), so only the IdentityStore's own
    // verdict counts. The same status from anything else (BRIDGE_UPSTREAM pointing at another gRPC
    // service, a proxy) is a misconfiguration: 500, not 503, because no retry fixes it.
    case GrpcStatus.NOT_FOUND:
      return failure.reason === 'NOT_FOUND' ? bridgeFailure('not_found') : bridgeFailure('internal');
    case GrpcStatus.ALREADY_EXISTS:
      return failure.reason === 'ALREADY_EXISTS' ? bridgeFailure('user_exists') : bridgeFailure('internal');
    case GrpcStatus.FAILED_PRECONDITION:
      return failure.reason === 'FAILED_PRECONDITION' ? bridgeFailure('user_migrated') : bridgeFailure('internal');
    case GrpcStatus.RESOURCE_EXHAUSTED:
      // Only the IdentityStore's own load shedding (a full KDF queue, a throttled login) is "retry
      // later". grpc-js answers RESOURCE_EXHAUSTED itself for a message over a size limit, which no
      // retry fixes: that is a fault. A throttled login says when its next attempt is allowed; a full
      // KDF queue drains in about a second.
      return failure.reason === 'RESOURCE_EXHAUSTED'
        ? { ...bridgeFailure('rate_limited'), retryAfterSeconds: failure.retryAfterSeconds ?? retryAfterSeconds }
        : bridgeFailure('internal');
    case GrpcStatus.UNAVAILABLE:
    // The upstream cancelled the call: it is shutting down; another instance (or a retry) will answer.
    case GrpcStatus.CANCELLED:
      return bridgeFailure('unavailable');
    case GrpcStatus.DEADLINE_EXCEEDED:
      return bridgeFailure('timeout');
    case GrpcStatus.OK:
    case GrpcStatus.UNKNOWN:
    case GrpcStatus.PERMISSION_DENIED:
    case GrpcStatus.ABORTED:
    case GrpcStatus.OUT_OF_RANGE:
    case GrpcStatus.UNIMPLEMENTED:
    case GrpcStatus.INTERNAL:
    case GrpcStatus.DATA_LOSS:
      return bridgeFailure('internal');
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}
