import { IdentityError } from '../../domain/errors';

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
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/**
 * The one place where node:sqlite errors become IdentityErrors:
 * - a unique or primary-key violation → `already_exists`;
 * - busy, locked, I/O, full disk, unopenable file, or a closed database → `unavailable`
 *   (an outage, never "not found" and never a wrong password);
 * - anything else (a bug, a schema that does not match the profile, corruption) → `internal`.
 * The driver's error is kept as `cause` for logs and spans; messages stay safe to send.
 */
export function translateSqliteError(error: unknown, database?: { readonly isOpen: boolean }): IdentityError {
  if (error instanceof IdentityError) return error;
  if (database && !database.isOpen) {
    return new IdentityError('unavailable', 'the user store is closed', { cause: error });
  }
  const errcode = sqliteErrcode(error);
  if (errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY) {
    return new IdentityError('already_exists', 'a user with this email or username already exists', { cause: error });
  }
  if (errcode !== undefined && TRANSIENT_PRIMARY_CODES.has(errcode & 0xff)) {
    return new IdentityError('unavailable', 'the user store is unavailable', { cause: error });
  }
  return new IdentityError('internal', 'internal store error', { cause: error });
}

/** The extended SQLite result code node:sqlite puts on its errors (`errcode`), if any. */
function sqliteErrcode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  return code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number' ? errcode : undefined;
}
