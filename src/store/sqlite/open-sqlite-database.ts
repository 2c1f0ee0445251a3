import { DatabaseSync } from 'node:sqlite';
import { translateSqliteError } from './translate-error';

/**
 * How long a statement waits for another connection's lock (a CLI write, a second server) before
 * failing with `unavailable`. node:sqlite waits synchronously, blocking this process's event loop,
 * so the wait is kept short: it rides out another writer's commit, not a stuck transaction.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 2_000;

export interface OpenSqliteOptions {
  /** Lock wait; tests shorten it to see `unavailable` quickly. */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating when absent) a SQLite file in WAL mode, so readers never wait for a writer.
 * Raises IdentityError `unavailable` when the file cannot be opened.
 */
export function openSqliteDatabase(path: string, options: OpenSqliteOptions = {}): DatabaseSync {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { timeout: options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS });
    if (path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
    return db;
  } catch (error) {
    const translated = translateSqliteError(error);
    if (db?.isOpen) db.close();
    throw translated;
  }
}
