import { IdentityError } from '../../domain/errors';
import { StoreDriverError } from '../store-driver-error';

/** SQLite primary result codes (the low byte of an extended code) that mean "try again later". */
const TRANSIENT_PRIMARY_CODES = new Map<number, string>([
  [5, 'SQLITE_BUSY'],
  [6, 'SQLITE_LOCKED'],
  [7, 'SQLITE_NOMEM'],
  [8, 'SQLITE_READONLY'],
  [9, 'SQLITE_INTERRUPT'],
  [10, 'SQLITE_IOERR'],
  [13, 'SQLITE_FULL'],
  [14, 'SQLITE_CANTOPEN'],
  [15, 'SQLITE_PROTOCOL'],
]);
/** Another connection holds the lock a statement needs: waiting may help (sqlite-statement-runner.ts). */
const LOCK_PRIMARY_CODES = new Set([5, 6]);
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/**
 * The one place where node:sqlite errors become IdentityErrors:
 * - a unique or primary-key violation → `already_exists`;
 * - busy, locked, I/O, full disk, unopenable file, or a closed database → `unavailable`
 *   (an outage, never "not found" and never a wrong password);
 * - anything else (a bug, a schema that does not match the profile, corruption) → `internal`.
 * The cause kept for logs and spans is a StoreDriverError with the result code (and `operation`,
 * when given), never the driver's message; errors that are not SQLite's (a bug's TypeError) are kept
 * as they are. Messages stay safe to send.
 */
export function translateSqliteError(
  error: unknown,
  database?: { readonly isOpen: boolean },
  operation?: string,
): IdentityError {
  if (error instanceof IdentityError) return error;
  const cause = safeSqliteCause(error, operation);
  if (database && !database.isOpen) {
    return new IdentityError('unavailable', 'the user store is closed', { cause });
  }
  const errcode = sqliteErrcode(error);
  if (errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY) {
    return new IdentityError('already_exists', 'a user with this email or username already exists', { cause });
  }
  if (errcode !== undefined && TRANSIENT_PRIMARY_CODES.has(errcode & 0xff)) {
    return new IdentityError('unavailable', 'the user store is unavailable', { cause });
  }
  return new IdentityError('internal', 'internal store error', { cause });
}

/** True for SQLITE_BUSY / SQLITE_LOCKED: another connection holds a lock this statement needs. */
export function isSqliteLockContention(error: unknown): boolean {
  const errcode = sqliteErrcode(error);
  return errcode !== undefined && LOCK_PRIMARY_CODES.has(errcode & 0xff);
}

/**
 * A SQLite error as a StoreDriverError (`SQLite error 2067 (constraint failed) during insert`):
 * the extended result code and SQLite's fixed text for it, never the message, which names the
 * failing constraint's columns and, for CHECK constraints, can quote an expression. Other values
 * pass through unchanged.
 */
export function safeSqliteCause(error: unknown, operation?: string): unknown {
  const errcode = sqliteErrcode(error);
  if (errcode === undefined) return error;
  const errstr = (error as { errstr?: unknown }).errstr;
  return new StoreDriverError('SQLite', {
    name: 'SqliteError',
    number: errcode,
    ...(typeof errstr === 'string' ? { codeText: errstr } : {}),
    ...(operation !== undefined ? { operation } : {}),
  });
}

/** The extended SQLite result code node:sqlite puts on its errors (`errcode`), if any. */
function sqliteErrcode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  return code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number' ? errcode : undefined;
}
