import type sql from 'mssql';
import { type CallContext, NO_CONTEXT, remainingMs } from '../../domain/call-context';
import { type Clock, systemClock } from '../../domain/clock';
import type { DomainLogger } from '../../domain/deps';
import { IdentityError } from '../../domain/errors';
import type { WriteCondition } from '../../domain/identity-repository';
import type { LockoutPolicy, SignInOutcome } from '../../domain/lockout-policy';
import { userMigratedError } from '../../domain/migration-guard';
import type { MigrationMark, NewUser, StoredPassword, StoredUser } from '../../domain/user';
import { MIGRATION_VIAS } from '../migration-marks-table';
import type { PoolUsage, StoreRepository } from '../open-repository';
import { profileStatements } from '../profile-statements';
import {
  emailTaken,
  logDroppedFields,
  NothingWritten,
  noSignInBookkeeping,
  notFound,
  warnUnreadableRow,
} from '../repository-outcomes';
import type { SchemaProfile } from '../schema-profile';
import { type Row, toDate, toText } from '../user-row';
import type { BoundStatement, UserStatements } from '../users-table-statements';
import { MARK_SQL, PING_SQL } from './mssql-catalog';
import { mssqlDialect } from './mssql-dialect';
import { inTransaction, lastCount, type Query, queryOn } from './mssql-request';
import { SQL_ERROR, type TranslatedError, translateMssqlError } from './translate-error';

export interface MssqlRepositoryOptions {
  readonly profile: SchemaProfile;
  readonly logger: DomainLogger;
  /** Timestamps written to CreatedAt / UpdatedAt, and the instant lockouts are judged at. */
  readonly clock?: Clock;
  /** The ceiling of every request (MSSQL_REQUEST_TIMEOUT); a call's remaining deadline lowers it. */
  readonly requestTimeoutMs: number;
  /** `host:port/db as user` for log lines (describeTarget); never the password. */
  readonly target: string;
}

/** Whether a call may be sent again after a connection was lost mid-statement (see #call). */
type CallKind = 'read' | 'write' | 'idempotent write';

/** How often the same outage is logged while it lasts. */
const OUTAGE_LOG_INTERVAL_MS = 10_000;

/** What one attempt of a call may do: single statements on the pool, or a transaction. */
interface Attempt {
  readonly query: Query;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T>;
}

/**
 * IdentityRepository on SQL Server through the `mssql` pool (tedious), for any schema profile whose
 * statements the builder produces in the T-SQL dialect. Every statement is parameterised, each
 * parameter typed from its column (NVARCHAR of the column's length). Multi-statement writes run in
 * one transaction.
 *
 * Each call: refused with `deadline_exceeded` when its deadline has passed; otherwise every request
 * gets the smaller of MSSQL_REQUEST_TIMEOUT and the remaining deadline (tedious cancels it with an
 * ATTENTION and the connection goes back to the pool), and the whole call, waits for a pooled
 * connection included, is bounded by the deadline. A deadlock, or an outage before anything was
 * sent, is retried once; a connection lost mid-statement is retried for reads only. Failures are
 * translated in translate-error.ts; outages are logged for the operator (at most every 10 s per
 * cause), naming the server but never the password.
 */
export class MssqlRepository implements StoreRepository {
  readonly #pool: sql.ConnectionPool;
  readonly #statements: UserStatements;
  readonly #logger: DomainLogger;
  readonly #clock: Clock;
  readonly #requestTimeoutMs: number;
  readonly #target: string;
  readonly #lastOutageLog = new Map<string, number>();
  #closed = false;

  /** Takes a connected pool whose database matches the profile (see openMssqlRepository). */
  constructor(pool: sql.ConnectionPool, options: MssqlRepositoryOptions) {
    this.#pool = pool;
    this.#statements = mssqlStatements(options.profile);
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#requestTimeoutMs = options.requestTimeoutMs;
    this.#target = options.target;
  }

  findByEmail(email: string, ctx?: CallContext): Promise<StoredUser | null> {
    return this.#call('findByEmail', ctx, 'read', ({ query }) =>
      this.#findUser(query, this.#statements.findByEmail(email)),
    );
  }

  findByUsername(username: string, ctx?: CallContext): Promise<StoredUser | null> {
    return this.#call('findByUsername', ctx, 'read', async ({ query }) => {
      const statement = this.#statements.findByUsername(username);
      return statement ? this.#findUser(query, statement) : null;
    });
  }

  findById(userId: string, ctx?: CallContext): Promise<StoredUser | null> {
    return this.#call('findById', ctx, 'read', ({ query }) => this.#findUser(query, this.#statements.findById(userId)));
  }

  insert(user: NewUser, ctx?: CallContext): Promise<StoredUser> {
    logDroppedFields(this.#logger, this.#statements.droppedFields(user));
    return this.#call('insert', ctx, 'write', async (attempt) => {
      const userId = this.#statements.newUserId();
      // 0 rows from the last statement: another user holds the email (a guard, not a unique index).
      if ((await this.#write(attempt, this.#statements.insert(userId, user, this.#clock.now()))) === 0) {
        throw emailTaken();
      }
      const stored = await this.#findUser(attempt.query, this.#statements.findById(userId));
      if (!stored) throw new IdentityError('internal', 'inserted user could not be read back');
      return stored;
    });
  }

  updatePassword(
    userId: string,
    password: StoredPassword,
    expected?: StoredPassword,
    ctx?: CallContext,
    condition?: WriteCondition,
  ): Promise<boolean> {
    return this.#call('updatePassword', ctx, 'write', async (attempt) => {
      const statements = this.#statements.updatePassword(userId, password, expected, this.#clock.now(), condition);
      if ((await this.#write(attempt, statements)) > 0) return true;
      await this.#requireUser(attempt.query, userId);
      await this.#requireUnmarked(attempt.query, userId, condition);
      return false; // the user exists and may be changed, so only the compare-and-set can have lost
    });
  }

  setEmailVerified(userId: string, verified: boolean, ctx?: CallContext, condition?: WriteCondition): Promise<void> {
    return this.#call('setEmailVerified', ctx, 'write', async (attempt) => {
      const statements = this.#statements.setEmailVerified(userId, verified, this.#clock.now(), condition);
      if ((await this.#write(attempt, statements)) > 0) return;
      await this.#requireUser(attempt.query, userId);
      await this.#requireUnmarked(attempt.query, userId, condition);
      throw notFound(); // gone or unmarked in between: the user was not there to change
    });
  }

  changeEmail(
    userId: string,
    newEmail: string,
    verified: boolean,
    ctx?: CallContext,
    condition?: WriteCondition,
  ): Promise<void> {
    return this.#call('changeEmail', ctx, 'write', async (attempt) => {
      const statements = this.#statements.changeEmail(userId, newEmail, verified, this.#clock.now(), condition);
      if ((await this.#write(attempt, statements)) > 0) return;
      await this.#requireUser(attempt.query, userId);
      await this.#requireUnmarked(attempt.query, userId, condition);
      throw emailTaken(); // the user exists and may be changed, so only the email guard can have refused
    });
  }

  delete(userId: string, ctx?: CallContext, condition?: WriteCondition): Promise<void> {
    return this.#call('delete', ctx, 'write', (attempt) =>
      attempt.transaction(async (query) => {
        // Throwing inside the transaction rolls it back, so a missing or marked user deletes nothing.
        await this.#requireUser(query, userId);
        if ((await runAll(query, this.#statements.deleteUser(userId, condition))) === 0) {
          await this.#requireUnmarked(query, userId, condition);
          throw notFound();
        }
        await query(markStatement(MARK_SQL.delete, { userId }));
      }),
    );
  }

  getMigrationMark(userId: string, ctx?: CallContext): Promise<MigrationMark | null> {
    return this.#call('getMigrationMark', ctx, 'read', ({ query }) => this.#readMark(query, userId));
  }

  /**
   * Insert-if-absent and read back in one batch (MARK_SQL.markAndGet): the first mark wins and every
   * caller sees it. Idempotent, so a connection lost in flight is retried once like a read: when the
   * lost attempt had committed, the retry reads that mark back and the call succeeds. What remains is
   * a reply lost after the commit with the retry failing too (or the deadline passing while the batch
   * runs): the call fails and a mark may exist; see the README (grace window, `migration unmark`).
   */
  markMigrated(userId: string, at: Date, via: MigrationMark['via'], ctx?: CallContext): Promise<MigrationMark> {
    return this.#call('markMigrated', ctx, 'idempotent write', async ({ query }) => {
      let result: sql.IResult<Row> | null = null;
      try {
        result = await query(markStatement(MARK_SQL.markAndGet, { userId, migratedAt: at, via }));
      } catch (error) {
        // A concurrent insert that still collided: a mark exists, the same outcome as the guard.
        const number = (error as { number?: unknown }).number;
        if (number !== SQL_ERROR.UNIQUE_CONSTRAINT && number !== SQL_ERROR.UNIQUE_INDEX) throw error;
      }
      const mark = result ? decodeMark(result.recordset[0], userId) : await this.#readMark(query, userId);
      if (!mark) throw new IdentityError('internal', 'migration mark could not be read back');
      return mark;
    });
  }

  unmark(userId: string, ctx?: CallContext): Promise<boolean> {
    return this.#call('unmark', ctx, 'write', async ({ query }) => {
      const result = await query(markStatement(MARK_SQL.delete, { userId }));
      return lastCount(result) > 0;
    });
  }

  /**
   * A `write`: not sent again after a connection lost mid-statement, since the first attempt may have
   * counted the failure already (a deadlock victim, rolled back by the server, is retried).
   */
  recordSignIn(
    userId: string | null,
    outcome: SignInOutcome,
    policy: LockoutPolicy,
    now: Date,
    ctx?: CallContext,
  ): Promise<boolean> {
    return this.#call('recordSignIn', ctx, 'write', async (attempt) => {
      const statements = this.#statements.recordSignIn(userId, outcome, policy, now);
      if (!statements) throw noSignInBookkeeping();
      return (await this.#write(attempt, statements)) > 0;
    });
  }

  ping(ctx?: CallContext): Promise<void> {
    return this.#call('ping', ctx, 'read', async ({ query }) => {
      await query({ sql: PING_SQL, params: {} });
    });
  }

  countUsers(ctx?: CallContext): Promise<number> {
    return this.#call('countUsers', ctx, 'read', async ({ query }) => {
      const result = await query(this.#statements.countUsers());
      return Number(result.recordset[0]?.count ?? 0);
    });
  }

  /** mssql's pool counters; all zero once closed (mssql drops its pool, and the counters with it). */
  poolUsage(): PoolUsage {
    const pool = this.#pool;
    if (this.#closed || !pool.connected) return { inUse: 0, idle: 0, pending: 0 };
    return { inUse: pool.borrowed, idle: pool.available, pending: pool.pending };
  }

  /** Closes the pool; later calls raise `unavailable`. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.close();
  }

  /**
   * Deadline, attempt, one retry where safe, translation: every call goes through here. `kind` says
   * what a retry after a connection lost mid-statement may do: a `read` or an `idempotent write`
   * (one whose second run has the first run's outcome) is sent again, a `write` is not.
   */
  async #call<T>(
    operation: string,
    ctx: CallContext | undefined,
    kind: CallKind,
    work: (attempt: Attempt) => Promise<T>,
  ) {
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new IdentityError('unavailable', 'the user store is closed');
      const remaining = remainingMs(ctx ?? NO_CONTEXT);
      if (remaining === 0) {
        throw new IdentityError('deadline_exceeded', 'the deadline passed before the store was queried');
      }
      const capped = remaining !== undefined && remaining <= this.#requestTimeoutMs;
      const timeoutMs = capped ? remaining : this.#requestTimeoutMs;
      try {
        return await withDeadline(work(this.#attempt(timeoutMs)), remaining);
      } catch (error) {
        const translated = translateMssqlError(error, { deadlineCapped: capped, target: this.#target, operation });
        const retryable = translated.retry === 'always' || (translated.retry === 'reads' && kind !== 'write');
        if (attempt === 1 && retryable && !this.#closed && remainingMs(ctx ?? NO_CONTEXT) !== 0) continue;
        this.#reportOutage(translated);
        throw translated.error;
      }
    }
  }

  #attempt(timeoutMs: number): Attempt {
    const pool = this.#pool;
    return {
      query: queryOn(pool, timeoutMs),
      transaction: (work) => inTransaction(pool, timeoutMs, work),
    };
  }

  /**
   * Runs a profile write; the last statement's affected rows are the result. More than one statement
   * runs in a transaction, rolled back when the last one changed nothing, so a refused write leaves
   * nothing behind.
   */
  async #write(attempt: Attempt, statements: readonly BoundStatement[]): Promise<number> {
    if (statements.length === 1) return runAll(attempt.query, statements);
    try {
      return await attempt.transaction(async (query) => {
        const changes = await runAll(query, statements);
        if (changes === 0) throw new NothingWritten();
        return changes;
      });
    } catch (error) {
      if (error instanceof NothingWritten) return 0;
      throw error;
    }
  }

  async #requireUser(query: Query, userId: string): Promise<void> {
    if ((await query(this.#statements.exists(userId))).recordset.length === 0) throw notFound();
  }

  /** After a conditional write changed nothing: `failed_precondition` when its condition is why. */
  async #requireUnmarked(query: Query, userId: string, condition: WriteCondition | undefined): Promise<void> {
    if (condition?.unlessMigrated && (await this.#readMark(query, userId))) throw userMigratedError();
  }

  async #findUser(query: Query, statement: BoundStatement): Promise<StoredUser | null> {
    const result = await query(statement);
    const row = result.recordset[0];
    if (!row) return null;
    const { user, unreadable } = this.#statements.decodeRow(row, this.#clock.now());
    warnUnreadableRow(this.#logger, user.userId, unreadable);
    return user;
  }

  async #readMark(query: Query, userId: string): Promise<MigrationMark | null> {
    const result = await query(markStatement(MARK_SQL.get, { userId }));
    return decodeMark(result.recordset[0], userId);
  }

  #reportOutage(translated: TranslatedError): void {
    const hint = translated.operatorHint;
    if (!hint) return;
    const now = Date.now();
    if (now - (this.#lastOutageLog.get(hint) ?? 0) < OUTAGE_LOG_INTERVAL_MS) return;
    this.#lastOutageLog.set(hint, now);
    this.#logger.warn({ event: 'store_unavailable', store: 'mssql', target: this.#target }, hint);
  }
}

/** A row of MARK_SQL.get (or the read of markAndGet) as a MigrationMark; null for no row. */
function decodeMark(row: Row | undefined, userId: string): MigrationMark | null {
  if (!row) return null;
  const migratedAt = toDate(row.migratedAt);
  const via = MIGRATION_VIAS.find((v) => v === row.via);
  if (!migratedAt || !via) throw new IdentityError('internal', 'unreadable migration mark');
  return { userId: toText(row.userId) ?? userId, migratedAt, via };
}

/** The profile's statements in T-SQL. */
export function mssqlStatements(profile: SchemaProfile): UserStatements {
  return profileStatements(profile, mssqlDialect);
}

async function runAll(query: Query, statements: readonly BoundStatement[]): Promise<number> {
  let changes = 0;
  for (const statement of statements) changes = lastCount(await query(statement));
  return changes;
}

function markStatement(sqlText: string, values: { userId: string; migratedAt?: Date; via?: string }): BoundStatement {
  return {
    sql: sqlText,
    params: {
      userId: { value: values.userId, type: { kind: 'text', maxLength: 128 } },
      ...(values.migratedAt ? { migratedAt: { value: values.migratedAt, type: { kind: 'timestamp' } } } : {}),
      ...(values.via ? { via: { value: values.via, type: { kind: 'text', maxLength: 32 } } } : {}),
    },
  };
}

/** Bounds a call by its deadline, including waits for a pooled connection that no request timeout covers. */
function withDeadline<T>(promise: Promise<T>, remaining: number | undefined): Promise<T> {
  if (remaining === undefined) return promise;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new IdentityError('deadline_exceeded', 'the store did not answer before the deadline')),
      remaining,
    );
  });
  // The losing promise still settles later; its outcome is not wanted, only kept from going unhandled.
  promise.catch(() => undefined);
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
