import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CallContext, NO_CONTEXT, remainingMs } from '../../domain/call-context';
import { IdentityError } from '../../domain/errors';
import type { SqlValue } from '../sql-dialect';
import type { Row } from '../user-row';
import type { BoundStatement } from '../users-table-statements';
import { isSqliteLockContention, safeSqliteCause, translateSqliteError } from './translate-error';

/**
 * The longest one call waits, in all, for a lock another connection holds (a CLI write, a backup
 * tool, a second server) before failing with `unavailable`: enough to ride out another writer's
 * commit, short enough that a stuck transaction is reported well within the bridge's budget. The
 * wait is asynchronous (SqliteStatementRunner.call), so the event loop keeps serving meanwhile.
 */
export const SQLITE_LOCK_WAIT_MAX_MS = 2_000;
/** The first pause between attempts on a locked database; each later pause doubles up to the cap. */
const LOCK_RETRY_FIRST_PAUSE_MS = 4;
/** The longest single pause: a lock released is noticed within this much. */
const LOCK_RETRY_MAX_PAUSE_MS = 100;

export interface SqliteRunnerOptions {
  /** The longest a call waits for another connection's lock; SQLITE_LOCK_WAIT_MAX_MS by default. */
  readonly lockWaitMs?: number;
}

/**
 * Runs BoundStatements on one open node:sqlite database, for the repository and the migration admin:
 * each SQL text is prepared once and kept, parameters are converted as the SQLite DDL stores them.
 *
 * Every call goes through `call`: node:sqlite is synchronous and its own busy handler would block the
 * whole process while it waits, so the database is opened with a busy timeout of a few milliseconds
 * (open-sqlite-database.ts) and a call that meets a lock is run again after an asynchronous, jittered
 * pause, until it succeeds, its deadline passes or SQLITE_LOCK_WAIT_MAX_MS is spent.
 */
export class SqliteStatementRunner {
  readonly #db: DatabaseSync;
  readonly #prepared = new Map<string, StatementSync>();
  readonly #lockWaitMs: number;
  /** Writes committed so far (autocommit statements that changed rows, and transactions). */
  #commits = 0;

  constructor(db: DatabaseSync, options: SqliteRunnerOptions = {}) {
    this.#db = db;
    this.#lockWaitMs = options.lockWaitMs ?? SQLITE_LOCK_WAIT_MAX_MS;
  }

  /**
   * Runs `work` (the statements of one repository or admin call, synchronously) and translates what
   * it throws (translate-error.ts). When another connection holds a lock the work needs, it is run
   * again after a pause — only when it committed nothing before meeting the lock, so a call is never
   * applied twice. Raises `deadline_exceeded` when the caller's deadline passes first (or had passed
   * before the call), `unavailable` when the lock is still held after the lock wait.
   */
  async call<T>(operation: string, ctx: CallContext | undefined, work: () => T): Promise<T> {
    const context = ctx ?? NO_CONTEXT;
    const started = Date.now();
    let lastLockError: unknown;
    for (let attempt = 0; ; attempt++) {
      if (remainingMs(context) === 0) {
        throw attempt === 0
          ? new IdentityError('deadline_exceeded', 'the deadline passed before the store was queried')
          : new IdentityError('deadline_exceeded', 'the deadline passed while another connection held the store', {
              cause: safeSqliteCause(lastLockError, operation),
            });
      }
      const commitsBefore = this.#commits;
      try {
        return work();
      } catch (error) {
        const again = isSqliteLockContention(error) && this.#commits === commitsBefore && this.#db.isOpen;
        if (!again) throw translateSqliteError(error, this.#db, operation);
        lastLockError = error;
        const left = this.#lockWaitMs - (Date.now() - started);
        if (left <= 0) {
          throw new IdentityError('unavailable', 'the user store is locked by another connection', {
            cause: safeSqliteCause(error, operation),
          });
        }
        await sleep(Math.min(lockRetryPause(attempt), left, remainingMs(context) ?? Number.POSITIVE_INFINITY));
      }
    }
  }

  /** The statement for `sql`, prepared on first use. */
  prepare(sql: string): StatementSync {
    let statement = this.#prepared.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#prepared.set(sql, statement);
    }
    return statement;
  }

  get(statement: BoundStatement): Row | undefined {
    return this.prepare(statement.sql).get(toSqliteParams(statement)) as Row | undefined;
  }

  all(statement: BoundStatement): Row[] {
    return this.prepare(statement.sql).all(toSqliteParams(statement)) as Row[];
  }

  /** Runs one statement; the number of rows it changed. */
  run(statement: BoundStatement): number {
    const changes = Number(this.prepare(statement.sql).run(toSqliteParams(statement)).changes);
    if (changes > 0 && !this.#db.isTransaction) this.#commits += 1;
    return changes;
  }

  /**
   * Runs `work` in one `BEGIN IMMEDIATE` transaction (other connections see all of it or nothing):
   * committed when it returns, rolled back when it throws.
   */
  transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      this.#commits += 1;
      return result;
    } catch (error) {
      if (this.#db.isOpen && this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Forgets the prepared statements (before the database is closed). */
  clear(): void {
    this.#prepared.clear();
  }
}

/**
 * The pause before attempt `attempt + 1`: doubling from LOCK_RETRY_FIRST_PAUSE_MS up to
 * LOCK_RETRY_MAX_PAUSE_MS, then a random half of it added or not ("equal jitter"), so that calls
 * which met the same lock do not all try again at the same instant.
 */
function lockRetryPause(attempt: number): number {
  const ceiling = Math.min(LOCK_RETRY_MAX_PAUSE_MS, LOCK_RETRY_FIRST_PAUSE_MS * 2 ** Math.min(attempt, 16));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Booleans become 0/1 and instants ISO-8601 text, as the SQLite DDL stores them. */
function toSqliteValue(value: SqlValue): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  return value;
}

function toSqliteParams(statement: BoundStatement): Record<string, SQLInputValue> {
  const params: Record<string, SQLInputValue> = {};
  for (const [name, param] of Object.entries(statement.params)) params[name] = toSqliteValue(param.value);
  return params;
}
