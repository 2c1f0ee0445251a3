import { type Attributes, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ScryptCost } from '../config';
import { IdentityError } from '../domain/errors';
import type { PasswordHasher } from '../domain/password-hasher';
import type { StoredPassword } from '../domain/user';
import { scryptCostAttributes, storedCostAttributes } from './password-cost';

const TRACER_NAME = 'legacy-identity-adapter/passwords';

/**
 * The hasher with one span per call: `password.hash` (new scrypt hash, with its cost) and
 * `password.verify` (with `password.format` as detected, the stored hash's cost parameters, whether it
 * `needs_rehash`; `password.dummy` for the unknown-user verification). The KDF queue wait is added to
 * the same span by the limiter's observer (`password.kdf.queue_wait_ms`). Never the password, the
 * hash, the salt, or whether it matched (the domain span's `identity.outcome` says that).
 *
 * Spans are made only under an existing span (a request, or the background rehash it started).
 * Overload (`resource_exhausted`) is recorded as `password.kdf.rejected`, not as an error: shedding
 * load is the limiter doing its job. A deadline that passed before the KDF started is recorded as
 * `password.kdf.expired` and, like anything else thrown, marks the span as an error (a timeout is a
 * fault). The caller's CallContext is passed through unchanged.
 */
export function tracePasswordHasher(hasher: PasswordHasher, cost: ScryptCost): PasswordHasher {
  return {
    hash: (password, ctx) =>
      inSpan('password.hash', { 'password.format': 'scrypt', ...scryptCostAttributes(cost) }, () =>
        hasher.hash(password, ctx),
      ),
    verify: (password, stored: StoredPassword, ctx) =>
      inSpan('password.verify', storedCostAttributes(stored.hash), async (span) => {
        const result = await hasher.verify(password, stored, ctx);
        span?.setAttributes({ 'password.format': result.format, 'password.needs_rehash': result.needsRehash });
        return result;
      }),
    dummyVerify: (password, ctx) =>
      inSpan(
        'password.verify',
        { 'password.dummy': true, 'password.format': 'scrypt', ...scryptCostAttributes(cost) },
        () => hasher.dummyVerify(password, ctx),
      ),
  };
}

function inSpan<T>(name: string, attributes: Attributes, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  // Only within a request: the start-up warm-up of the dummy hash is not a trace of its own.
  if (!trace.getActiveSpan()) return work(undefined);
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      if (error instanceof IdentityError && error.code === 'resource_exhausted') {
        span.setAttribute('password.kdf.rejected', true);
      } else {
        if (error instanceof IdentityError && error.code === 'deadline_exceeded') {
          span.setAttribute('password.kdf.expired', true);
        }
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof IdentityError ? error.code : 'error' });
      }
      throw error;
    } finally {
      span.end();
    }
  });
}
