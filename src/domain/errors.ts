/**
 * The closed set of failures the domain can report. Every transport maps these codes once
 * (grpc/status.ts, bridge/status.ts); anything else becomes `internal` through toIdentityError.
 */
export const IDENTITY_ERROR_CODES = [
  'invalid_argument',
  'invalid_credentials',
  'not_found',
  'already_exists',
  'failed_precondition',
  'resource_exhausted',
  'unavailable',
  'deadline_exceeded',
  'internal',
] as const;

export type IdentityErrorCode = (typeof IDENTITY_ERROR_CODES)[number];

/** One rejected field, sent to callers as a google.rpc.BadRequest field violation. */
export interface FieldViolation {
  /** The request field, in the proto's snake_case (`new_password`, `user_metadata`). */
  readonly field: string;
  /** Safe text: never echoes the rejected value. */
  readonly description: string;
}

export class IdentityError extends Error {
  override readonly name = 'IdentityError';

  constructor(
    readonly code: IdentityErrorCode,
    message: string,
    options: { cause?: unknown; violations?: readonly FieldViolation[]; retryAfterMs?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.violations = options.violations ?? [];
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Field violations for `invalid_argument`; empty otherwise. */
  readonly violations: readonly FieldViolation[];

  /** For `resource_exhausted`: when a retry can succeed, if known (sent as google.rpc.RetryInfo). */
  readonly retryAfterMs: number | undefined;

  /** True for failures of the service rather than of the caller (outage, timeout, bug). */
  get isFault(): boolean {
    return this.code === 'unavailable' || this.code === 'deadline_exceeded' || this.code === 'internal';
  }

  static invalidArgument(violations: readonly FieldViolation[]): IdentityError {
    const fields = violations.map((v) => v.field).join(', ');
    return new IdentityError('invalid_argument', `invalid request: ${fields}`, { violations });
  }
}

/**
 * Turns anything thrown into an IdentityError. Unknown errors become `internal` with the original
 * kept as `cause` (logged and recorded on the span, never sent to a client).
 */
export function toIdentityError(error: unknown): IdentityError {
  if (error instanceof IdentityError) return error;
  return new IdentityError('internal', 'internal error', { cause: error });
}
