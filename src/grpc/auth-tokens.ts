import { createHash, timingSafeEqual } from 'node:crypto';
import {
  InterceptingCall,
  type Interceptor,
  Metadata,
  ServerInterceptingCall,
  type ServerInterceptor,
  status,
} from '@grpc/grpc-js';
import { ErrorInfo } from '../../gen/google/rpc/error_details';
import { Status as RpcStatus } from '../../gen/google/rpc/status';
import type { Logger } from '../logger';
import { ERROR_DOMAIN } from './status';

/** `Bearer <token>`; the scheme is case-insensitive (RFC 9110 §11.1), the token is the rest of the line. */
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/** The metadata key internal callers put their token in, as `Bearer <token>`. */
export const TOKEN_METADATA_KEY = 'authorization';

/**
 * ErrorInfo.reason of a call refused for its missing or wrong token. Deliberately not
 * `INVALID_CREDENTIALS`: that reason means "wrong password" to the bridge, and a misconfigured token
 * must never look like every user's password being wrong.
 */
export const CALLER_UNAUTHENTICATED_REASON = 'CALLER_UNAUTHENTICATED';

/** Services anyone may call: health (load balancers and orchestrators probe without a token). */
const OPEN_PATH_PREFIXES = ['/grpc.health.v1.Health/'];

/**
 * Builds a caller check: true when `authorization` is `Bearer <one of tokens>`.
 *
 * Several tokens may be valid at once so they can rotate without downtime. Both sides are hashed to
 * 32 bytes before `timingSafeEqual`, so neither a token's length nor the position of the first wrong
 * byte shows in the timing, and every configured token is compared on every call (no early exit).
 */
export function createBearerCheck(tokens: readonly string[]): (authorization: string | undefined) => boolean {
  if (tokens.length === 0) throw new Error('a bearer check needs at least one token');
  const expected = tokens.map(digest);
  return (authorization) => {
    const presented = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    // Hash something even when nothing usable was sent, so a missing token costs what a wrong one does.
    const candidate = digest(presented ?? '');
    let match = false;
    for (const token of expected) {
      if (timingSafeEqual(token, candidate)) match = true;
    }
    return match && presented !== undefined;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Server side of GRPC_TOKENS: every call except health must carry `authorization: Bearer <token>`
 * with one of `tokens`, else it ends with UNAUTHENTICATED (reason CALLER_UNAUTHENTICATED) before
 * its request is read. The token is removed from the metadata the handlers see.
 */
export function createTokenInterceptor(tokens: readonly string[], logger: Logger): ServerInterceptor {
  const check = createBearerCheck(tokens);
  return (method, call) => {
    if (OPEN_PATH_PREFIXES.some((prefix) => method.path.startsWith(prefix))) return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, passOn) => {
            const value = metadata.get(TOKEN_METADATA_KEY)[0];
            if (typeof value === 'string' && check(value)) {
              metadata.remove(TOKEN_METADATA_KEY);
              passOn(metadata);
              return;
            }
            // The peer address helps find the misconfigured caller; the presented value is never logged.
            logger.warn(
              { event: 'grpc_caller_refused', rpc: method.path, peer: call.getPeer(), token_sent: value !== undefined },
              'gRPC call without a valid token refused',
            );
            call.sendStatus(callerUnauthenticated());
          },
        }),
    });
  };
}

function callerUnauthenticated(): { code: status; details: string; metadata: Metadata } {
  const details = 'missing or invalid caller token';
  const info = ErrorInfo.encode({ reason: CALLER_UNAUTHENTICATED_REASON, domain: ERROR_DOMAIN, metadata: {} }).finish();
  const rpcStatus = RpcStatus.encode({
    code: status.UNAUTHENTICATED,
    message: details,
    details: [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(info) }],
  }).finish();
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(rpcStatus));
  return { code: status.UNAUTHENTICATED, details, metadata };
}

/** Client side: adds `authorization: Bearer <token>` to every call (plaintext loopback or TLS alike). */
export function bearerTokenInterceptor(token: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(TOKEN_METADATA_KEY, `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}
