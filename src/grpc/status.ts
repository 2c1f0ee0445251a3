import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { BadRequest, ErrorInfo } from '../../gen/google/rpc/error_details';
import { Status as RpcStatus } from '../../gen/google/rpc/status';
import type { IdentityError, IdentityErrorCode } from '../domain/errors';
import { encodeRetryInfo, RETRY_INFO_TYPE_URL } from './retry-info';

/** The domain code → gRPC status, once. */
export function grpcCode(code: IdentityErrorCode): status {
  switch (code) {
    case 'invalid_argument':
      return status.INVALID_ARGUMENT;
    case 'invalid_credentials':
      return status.UNAUTHENTICATED;
    case 'not_found':
      return status.NOT_FOUND;
    case 'already_exists':
      return status.ALREADY_EXISTS;
    case 'failed_precondition':
      return status.FAILED_PRECONDITION;
    case 'resource_exhausted':
      return status.RESOURCE_EXHAUSTED;
    case 'unavailable':
      return status.UNAVAILABLE;
    case 'deadline_exceeded':
      return status.DEADLINE_EXCEEDED;
    case 'internal':
      return status.INTERNAL;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

export const ERROR_DOMAIN = 'identity.v1';
const TYPE_PREFIX = 'type.googleapis.com/';

/**
 * A gRPC error for an IdentityError: the status, the error's safe message (never its cause), and a
 * google.rpc.Status in the `grpc-status-details-bin` trailer with an ErrorInfo (reason = the domain
 * code), for invalid_argument a BadRequest naming the rejected fields, and when the error knows
 * when a retry can succeed (a throttled login) a RetryInfo.
 */
export function toServiceError(error: IdentityError): Partial<ServiceError> {
  const code = grpcCode(error.code);
  const details = [
    {
      typeUrl: `${TYPE_PREFIX}google.rpc.ErrorInfo`,
      value: Buffer.from(
        ErrorInfo.encode({ reason: error.code.toUpperCase(), domain: ERROR_DOMAIN, metadata: {} }).finish(),
      ),
    },
  ];
  if (error.violations.length > 0) {
    details.push({
      typeUrl: `${TYPE_PREFIX}google.rpc.BadRequest`,
      value: Buffer.from(
        BadRequest.encode({
          fieldViolations: error.violations.map((v) => ({ field: v.field, description: v.description, reason: '' })),
        }).finish(),
      ),
    });
  }
  if (error.retryAfterMs !== undefined) {
    details.push({ typeUrl: RETRY_INFO_TYPE_URL, value: Buffer.from(encodeRetryInfo(error.retryAfterMs)) });
  }
  const message = error.code === 'internal' ? 'internal error' : error.message;
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(RpcStatus.encode({ code, message, details }).finish()));
  return { code, details: message, metadata };
}

/** Reads the field violations a server put in `grpc-status-details-bin` (clients: bridge, tests). */
export function readFieldViolations(metadata: Metadata | undefined): { field: string; description: string }[] {
  const raw = metadata?.get('grpc-status-details-bin')[0];
  if (!Buffer.isBuffer(raw)) return [];
  try {
    const rpcStatus = RpcStatus.decode(raw);
    return rpcStatus.details
      .filter((d) => d.typeUrl === `${TYPE_PREFIX}google.rpc.BadRequest`)
      .flatMap((d) => BadRequest.decode(d.value).fieldViolations)
      .map((v) => ({ field: v.field, description: v.description }));
  } catch {
    return [];
  }
}
