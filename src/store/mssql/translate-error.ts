import { IdentityError } from '../../domain/errors';
import { StoreDriverError } from '../store-driver-error';

/** SQL Server error numbers the adapter branches on. */
export const SQL_ERROR = {
  /** Violation of a PRIMARY KEY or UNIQUE constraint. */
  UNIQUE_CONSTRAINT: 2627,
  /** Duplicate key row in a unique index. */
  UNIQUE_INDEX: 2601,
  /** Chosen as deadlock victim; the server rolled the transaction back. */
  DEADLOCK: 1205,
  /** Login failed. */
  LOGIN_FAILED: 18456,
  /** Cannot open the database named at login. */
  CANNOT_OPEN_DATABASE: 4060,
} as const;

/**
 * Errors Azure SQL and SQL Server report while a database fails over, is throttled or restarts; the
 * same statement may succeed a moment later.
 */
const TRANSIENT_NUMBERS = new Set([
  233, 4221, 10053, 10054, 10060, 10928, 10929, 40143, 40197, 40501, 40613, 49918, 49919, 49920,
]);

/** Driver codes meaning the connection could not be made or was lost. */
const CONNECTION_CODES = new Set(['ESOCKET', 'ECONNCLOSED', 'ECLOSE', 'ECONNRESET', 'ECONNREFUSED', 'EINSTLOOKUP']);

/**
 * When a failed call may be tried once more:
 * - `always`: nothing reached the database, or the server undid it (deadlock victim), so a retry
 *   cannot apply a write twice;
 * - `reads`: the connection was lost while the statement was in flight; reads are retried, writes
 *   are not, because the first attempt may have committed (an insert retried would then report its
 *   own row as a duplicate);
 * - `never`.
 */
export type RetryPolicy = 'always' | 'reads' | 'never';

export interface TranslatedError {
  readonly error: IdentityError;
  readonly retry: RetryPolicy;
  /**
   * For outages: a line an operator can act on (login failed, refused, timed out), naming the
   * target but never the password; the driver's own message is not included when it could echo input.
   */
  readonly operatorHint?: string;
}

export interface TranslateContext {
  /** The request timeout was lowered to the caller's remaining deadline. */
  readonly deadlineCapped: boolean;
  /** `host:port/db as user`, from describeTarget. */
  readonly target: string;
  /** The repository method or step that failed (`markMigrated`, `open`), named in the cause. */
  readonly operation?: string;
}

/**
 * The one place where mssql / tedious / tarn errors become IdentityErrors:
 * - 2627 / 2601 (duplicate key) → `already_exists`;
 * - 1205 (deadlock victim) and transient server numbers → `unavailable`, retried once;
 * - connection failures (ELOGIN, ESOCKET / ECONNREFUSED, connect ETIMEOUT, pool acquire timeout,
 *   pool closed, encryption mismatch, untrusted certificate) → `unavailable`, with an operator hint;
 * - a request timeout → `deadline_exceeded` when the caller's deadline set it, `unavailable` when
 *   the configured MSSQL_REQUEST_TIMEOUT did (the server is too slow);
 * - anything else (a bug, a schema that does not match the profile) → `internal`.
 * The cause kept for logs and spans is a StoreDriverError with the error's number, state, class and
 * code (safeMssqlCause), never the driver's message: SQL Server's messages can quote the data of the
 * failed statement (2628 prints the truncated value). Messages stay safe to send.
 */
export function translateMssqlError(error: unknown, ctx: TranslateContext): TranslatedError {
  if (error instanceof IdentityError) return { error, retry: 'never' };
  const e = describe(error);
  const cause = safeMssqlCause(error, ctx.operation);
  const unavailable = (message: string, retry: RetryPolicy, operatorHint?: string): TranslatedError => ({
    error: new IdentityError('unavailable', message, { cause }),
    retry,
    ...(operatorHint ? { operatorHint } : {}),
  });

  if (e.number === SQL_ERROR.UNIQUE_CONSTRAINT || e.number === SQL_ERROR.UNIQUE_INDEX) {
    return {
      error: new IdentityError('already_exists', 'a user with this email or username already exists', { cause }),
      retry: 'never',
    };
  }
  if (e.number === SQL_ERROR.DEADLOCK) return unavailable('the user store is busy (deadlock)', 'always');
  if (e.code === 'ELOGIN' || e.number === SQL_ERROR.LOGIN_FAILED || e.number === SQL_ERROR.CANNOT_OPEN_DATABASE) {
    return unavailable(
      'the user store is unavailable',
      'never',
      `SQL Server refused the login to ${ctx.target}: check the user and password in STORE_URL and that the login may open the database`,
    );
  }
  if (e.code === 'EENCRYPT') {
    return unavailable(
      'the user store is unavailable',
      'never',
      `SQL Server at ${ctx.target} and STORE_URL disagree on encryption (${e.message}); check encrypt= in STORE_URL`,
    );
  }
  if (e.name === 'ConnectionError' && /certificate/i.test(e.message)) {
    return unavailable(
      'the user store is unavailable',
      'never',
      `the TLS certificate of SQL Server at ${ctx.target} is not trusted (${e.message}); install a trusted certificate, or set trustServerCertificate=true only on a network you trust`,
    );
  }
  if (e.number !== undefined && TRANSIENT_NUMBERS.has(e.number)) {
    return unavailable(
      'the user store is unavailable',
      'always',
      `SQL Server at ${ctx.target} reported transient error ${e.number}`,
    );
  }
  if (e.code === 'ETIMEOUT') {
    if (e.name === 'ConnectionError') {
      return unavailable(
        'the user store is unavailable',
        'always',
        `connecting to SQL Server at ${ctx.target} timed out (MSSQL_CONNECT_TIMEOUT): is the server up and reachable?`,
      );
    }
    if (ctx.deadlineCapped) {
      return {
        error: new IdentityError('deadline_exceeded', 'the store did not answer before the deadline', { cause }),
        retry: 'never',
      };
    }
    return unavailable(
      'the user store is too slow',
      'never',
      `SQL Server at ${ctx.target} did not answer within MSSQL_REQUEST_TIMEOUT`,
    );
  }
  if (e.name === 'TimeoutError') {
    return unavailable(
      'the user store is unavailable',
      'always',
      `no pooled connection to ${ctx.target} became free in time`,
    );
  }
  if (e.code === 'ENOTOPEN') {
    return unavailable('the user store is closed', 'never');
  }
  if (e.code !== undefined && CONNECTION_CODES.has(e.code)) {
    // A ConnectionError comes from opening a connection: nothing was sent yet.
    const sent = e.name !== 'ConnectionError';
    const refused = /ECONNREFUSED/.test(e.message) ? ' (connection refused)' : '';
    return unavailable(
      'the user store is unavailable',
      sent ? 'reads' : 'always',
      `${sent ? 'lost the connection to' : 'cannot connect to'} SQL Server at ${ctx.target}${refused}`,
    );
  }
  return { error: new IdentityError('internal', 'internal store error', { cause }), retry: 'never' };
}

/**
 * An mssql / tedious / tarn error as a StoreDriverError: its class name, SQL Server number, state and
 * class, and driver code (`SQL Server error 2628 (state 30, class 16) during insert`, `SQL Server
 * driver error ESOCKET during findByEmail`) — never its message. Values that are not objects pass
 * through unchanged.
 */
export function safeMssqlCause(error: unknown, operation?: string): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const e = describe(error);
  const numberOf = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);
  const { state, class: severity } = error as { state?: unknown; class?: unknown };
  const facts = { state: numberOf(state), severity: numberOf(severity) };
  return new StoreDriverError('SQL Server', {
    name: e.name,
    ...(e.number !== undefined ? { number: e.number } : {}),
    ...(facts.state !== undefined ? { state: facts.state } : {}),
    ...(facts.severity !== undefined ? { severity: facts.severity } : {}),
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(operation !== undefined ? { operation } : {}),
  });
}

interface Described {
  readonly name: string;
  readonly code: string | undefined;
  readonly number: number | undefined;
  readonly message: string;
}

/** mssql wraps tedious's errors (`originalError`); the SQL error number sits on either. */
function describe(error: unknown): Described {
  if (typeof error !== 'object' || error === null) {
    return { name: 'unknown', code: undefined, number: undefined, message: String(error) };
  }
  const e = error as { name?: unknown; code?: unknown; number?: unknown; message?: unknown; originalError?: unknown };
  const inner = (typeof e.originalError === 'object' && e.originalError !== null ? e.originalError : {}) as {
    code?: unknown;
    number?: unknown;
    info?: { number?: unknown };
  };
  const number = [e.number, inner.number, inner.info?.number].find((n): n is number => typeof n === 'number');
  const code = [e.code, inner.code].find((c): c is string => typeof c === 'string');
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    code,
    number,
    message: typeof e.message === 'string' ? e.message : '',
  };
}
