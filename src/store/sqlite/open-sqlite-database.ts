import { DatabaseSync } from 'node:sqlite';
import { translateSqliteError } from './translate-error';

/**
 * How long SQLite's own busy handler waits for another connection's lock, per statement. node:sqlite
 * waits synchronously, blocking this process's event loop (every call, health checks included), so
 * it is only a few milliseconds: longer waits happen between attempts, asynchronously, in
 * SqliteStatementRunner.call (up to SQLITE_LOCK_WAIT_MAX_MS).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 5;

export interface OpenSqliteOptions {
  /**
   * How long a call waits, in all, for another connection's lock before `unavailable`
   * (SQLITE_LOCK_WAIT_MAX_MS by default); tests shorten it to see `unavailable` quickly.
   */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating when absent) a SQLite file in WAL mode, so readers never wait for a writer.
 * `driverBusyTimeoutMs` is SQLite's synchronous wait per statement (SQLITE_BUSY_TIMEOUT_MS unless a
 * command line process, where blocking harms no one, asks for more). Raises IdentityError
 * `unavailable` when the file cannot be opened.
 */
export function openSqliteDatabase(path: string, driverBusyTimeoutMs = SQLITE_BUSY_TIMEOUT_MS): DatabaseSync {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { timeout: driverBusyTimeoutMs });
    if (path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
    return db;
  } catch (error) {
    const translated = translateSqliteError(error, undefined, 'open');
    if (db?.isOpen) db.close();
    throw translated;
  }
}
