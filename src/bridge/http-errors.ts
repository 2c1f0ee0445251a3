import type { FastifyError, FastifyReply } from 'fastify';
import { type BridgeFailure, bridgeFailure, PASSWORD_FIELDS } from './status';

/** Ajv's view of one schema violation (fastify's FastifySchemaValidationError, the fields used here). */
interface SchemaViolation {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string | undefined;
}

const INVALID_UTF8 = 'LIA_INVALID_UTF8';

/** The body parser's refusal of bytes that are not UTF-8 (never repaired into U+FFFD). */
export function invalidUtf8Error(): FastifyError {
  return Object.assign(new Error('body is not valid UTF-8'), { code: INVALID_UTF8, statusCode: 400, name: 'Error' });
}

/**
 * Fastify's own request failures → the bridge's answer: bodies over the limit → 413
 * `payload_too_large`; malformed JSON, a wrong content type, or a body that fails the route schema →
 * 400 `invalid_request` (or `password_rejected` for a password of the wrong length, which is what the
 * domain would have said). Returns null for anything that is not a client error (then it is a 500).
 */
export function failureFromRequestError(error: FastifyError, knownFields: readonly string[]): BridgeFailure | null {
  if (error.validation) return failureFromSchema(error.validation, knownFields);
  const status = error.statusCode ?? 500;
  if (status === 413) return bridgeFailure('payload_too_large');
  if (status === 415) return bridgeFailure('invalid_request', 'content type must be application/json');
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return bridgeFailure('invalid_request', 'body is not valid JSON');
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return bridgeFailure('invalid_request', 'body is empty');
  if (error.code === INVALID_UTF8) return bridgeFailure('invalid_request', 'body is not valid UTF-8');
  if (status >= 400 && status < 500) return bridgeFailure('invalid_request');
  return null;
}

function failureFromSchema(violations: readonly SchemaViolation[], knownFields: readonly string[]): BridgeFailure {
  const first = violations[0];
  if (!first) return bridgeFailure('invalid_request');
  // Only a field the schema declares is named: an unknown key or a metadata key is caller input.
  const field = first.instancePath.split('/')[1] ?? '';
  const named = knownFields.includes(field) ? field : 'body';
  const message = `${named} ${first.message ?? 'is invalid'}`;
  if (
    named !== 'body' &&
    PASSWORD_FIELDS.has(named) &&
    (first.keyword === 'maxLength' || first.keyword === 'minLength')
  ) {
    return bridgeFailure('password_rejected', message);
  }
  return bridgeFailure('invalid_request', message);
}

/** Writes a failure: `{"error", "message"}`, plus Retry-After for 429. */
export function sendFailure(reply: FastifyReply, failure: BridgeFailure): FastifyReply {
  if (failure.retryAfterSeconds !== undefined) reply.header('retry-after', String(failure.retryAfterSeconds));
  return reply.code(failure.status).send({ error: failure.error, message: failure.message });
}
