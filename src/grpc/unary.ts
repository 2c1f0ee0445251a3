import { type handleUnaryCall, type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import type { CallContext } from '../domain/call-context';
import { IdentityError, toIdentityError } from '../domain/errors';
import type { Logger } from '../logger';
import { toServiceError } from './status';

/** Stands in for a request whose bytes did not decode (bad wire format, invalid UTF-8 in a string). */
export const UNDECODABLE: unique symbol = Symbol('undecodable request');

export interface UnaryOptions {
  readonly logger: Logger;
  /** Called once per finished call (metrics). */
  readonly onCall?: (rpc: string, code: status, durationMs: number) => void;
  /**
   * How the request's login is named on the RPC span (`identity.<key>`) and its log line (`<key>`):
   * a keyed hash by default (telemetry/subject-attribute.ts). Without it the login is not recorded.
   */
  readonly describeSubject?: (login: string) => { readonly key: string; readonly value: string };
}

function deadlineOf(call: ServerUnaryCall<unknown, unknown>): number | undefined {
  const deadline = call.getDeadline();
  if (deadline instanceof Date) return deadline.getTime();
  return Number.isFinite(deadline) ? deadline : undefined;
}

/**
 * Wraps a use-case call as a grpc-js unary handler: the call's deadline becomes the domain's
 * deadline, every failure becomes exactly one status through toServiceError, and one log line
 * records the RPC, its code and its duration (never the request).
 */
export function unary<Req, Res>(
  options: UnaryOptions,
  rpc: string,
  handle: (request: Req, ctx: CallContext) => Promise<Res>,
  loginOf?: (request: Req) => string,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const started = performance.now();
    let subject: { readonly key: string; readonly value: string } | undefined;
    const finish = (code: status, error?: IdentityError) => {
      const durationMs = performance.now() - started;
      options.onCall?.(rpc, code, durationMs);
      const fields = {
        rpc,
        grpc_code: status[code],
        duration_ms: Math.round(durationMs * 10) / 10,
        ...(subject ? { [subject.key]: subject.value } : {}),
      };
      if (error?.isFault) {
        options.logger.error({ ...fields, outcome: error.code, cause: describeCause(error) }, 'rpc failed');
      } else {
        options.logger.info({ ...fields, outcome: error?.code ?? 'ok' }, 'rpc');
      }
    };
    const request = call.request as Req | typeof UNDECODABLE;
    if (request === UNDECODABLE) {
      const error = IdentityError.invalidArgument([
        { field: '*', description: 'request is not a valid message (bad encoding or invalid UTF-8)' },
      ]);
      finish(status.INVALID_ARGUMENT, error);
      callback(toServiceError(error));
      return;
    }
    const login = loginOf?.(request);
    if (login && options.describeSubject) {
      subject = options.describeSubject(login);
      trace.getActiveSpan()?.setAttribute(`identity.${subject.key}`, subject.value);
    }
    handle(request, { deadline: deadlineOf(call as ServerUnaryCall<unknown, unknown>) }).then(
      (response) => {
        finish(status.OK);
        callback(null, response);
      },
      (thrown: unknown) => {
        const error = toIdentityError(thrown);
        const serviceError = toServiceError(error);
        finish(serviceError.code ?? status.UNKNOWN, error);
        callback(serviceError);
      },
    );
  };
}

/** How many links of a cause chain a log line names (a domain error wrapping a store error wrapping the driver's). */
const CAUSE_CHAIN_DEPTH = 3;

/**
 * `name: message` of an error's causes, outermost first, joined by ` ← `
 * (`IdentityError: the user store is unavailable ← RequestError: SQL Server error 2628 (state 30, class 16) during insert`).
 * Only names and messages: the store adapters replace driver errors by causes whose message holds
 * the error number and code, never the driver's text, which can quote the data of the statement
 * (store-driver-error.ts). Undefined when there is no Error cause.
 */
function describeCause(error: Error): string | undefined {
  const links: string[] = [];
  let cause = error.cause;
  while (cause instanceof Error && links.length < CAUSE_CHAIN_DEPTH) {
    links.push(`${cause.name}: ${cause.message}`);
    cause = cause.cause;
  }
  return links.length > 0 ? links.join(' ← ') : undefined;
}
