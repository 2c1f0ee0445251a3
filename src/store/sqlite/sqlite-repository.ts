import type { DatabaseSync } from 'node:sqlite';
import type { CallContext } from '../../domain/call-context';
import { type Clock, systemClock } from '../../domain/clock';
import type { DomainLogger } from '../../domain/deps';
import { IdentityError } from '../../domain/errors';
import type { IdentityRepository, WriteCondition } from '../../domain/identity-repository';
import type { LockoutPolicy, SignInOutcome } from '../../domain/lockout-policy';
import { userMigratedError } from '../../domain/migration-guard';
import type { MigrationMark, NewUser, StoredPassword, StoredUser } from '../../domain/user';
import { MIGRATION_MARKS_TABLE as MARKS, MIGRATION_VIAS } from '../migration-marks-table';
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
import { toDate, toText } from '../user-row';
import type { BoundStatement, UserStatements } from '../users-table-statements';
import { sqliteDialect } from './sqlite-dialect';
import { SqliteStatementRunner } from './sqlite-statement-runner';

export interface SqliteRepositoryOptions {
  readonly profile: SchemaProfile;
  readonly logger: DomainLogger;
  /** Timestamps written to CreatedAt / UpdatedAt; the system clock by default. */
  readonly clock?: Clock;
  /** How long a call waits for another connection's lock (SQLITE_LOCK_WAIT_MAX_MS by default). */
  readonly busyTimeoutMs?: number;
}

const q = sqliteDialect.quoteIdentifier;
const MARK_COLUMNS =
  `${q(MARKS.userId.name)} AS ${q('userId')}, ${q(MARKS.migratedAt.name)} AS ${q('migratedAt')}, ` +
  `${q(MARKS.via.name)} AS ${q('via')}`;
const SQL = {
  insertMark:
    `INSERT INTO ${q(MARKS.name)} (${q(MARKS.userId.name)}, ${q(MARKS.migratedAt.name)}, ${q(MARKS.via.name)}) ` +
    `VALUES (@userId, @migratedAt, @via) ON CONFLICT (${q(MARKS.userId.name)}) DO NOTHING`,
  getMark: `SELECT ${MARK_COLUMNS} FROM ${q(MARKS.name)} WHERE ${q(MARKS.userId.name)} = @userId`,
  deleteMark: `DELETE FROM ${q(MARKS.name)} WHERE ${q(MARKS.userId.name)} = @userId`,
  ping: 'SELECT 1 AS ok',
} as const;

/**
 * IdentityRepository on node:sqlite for any schema profile (profile-statements.ts). node:sqlite is synchronous:
 * each call runs to completion within one turn of the event loop, so a call's statements never
 * interleave with another call's in this process; multi-statement writes still run in a
 * `BEGIN IMMEDIATE` transaction so other processes (the CLI) see all or nothing.
 *
 * A deadline is checked before the query starts; a running SQLite statement cannot be interrupted.
 * A call that meets another connection's lock waits for it asynchronously, up to its deadline or
 * the lock wait (SqliteStatementRunner.call), and then fails with `deadline_exceeded` or
 * `unavailable` — never with "not found" or a wrong password.
 */
export class SqliteRepository implements IdentityRepository {
  readonly #db: DatabaseSync;
  readonly #statements: UserStatements;
  readonly #logger: DomainLogger;
  readonly #clock: Clock;
  readonly #runner: SqliteStatementRunner;

  /** Takes an open database whose schema matches the profile (see openSqliteRepository). */
  constructor(db: DatabaseSync, options: SqliteRepositoryOptions) {
    this.#db = db;
    this.#runner = new SqliteStatementRunner(
      db,
      options.busyTimeoutMs === undefined ? {} : { lockWaitMs: options.busyTimeoutMs },
    );
    this.#statements = profileStatements(options.profile, sqliteDialect);
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
  }

  findByEmail(email: string, ctx?: CallContext): Promise<StoredUser | null> {
    return this.#call('findByEmail', ctx, () => this.#findUser(this.#statements.findByEmail(email)));
  }

  findByUsername(username: string, ctx?: CallContext): Promise<StoredUser | null> {
    return this.#call('findByUsername', ctx, () => {
      const statement = this.#statements.findByUsername(username);
      return statement ? this.#findUser(statement) : null;
    });
  }

  findById(userId: string, ctx?: CallContext): Promise<StoredUser | null> {
    return this.#call('findById', ctx, () => this.#findUser(this.#statements.findById(userId)));
  }

  insert(user: NewUser, ctx?: CallContext): Promise<StoredUser> {
    logDroppedFields(this.#logger, this.#statements.droppedFields(user));
    return this.#call('insert', ctx, () => {
      const userId = this.#statements.newUserId();
      // 0 rows from the last statement: another user holds the email (a guard, not a unique index).
      if (this.#write(this.#statements.insert(userId, user, this.#clock.now())) === 0) throw emailTaken();
      const stored = this.#findUser(this.#statements.findById(userId));
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
    return this.#call('updatePassword', ctx, () => {
      const statements = this.#statements.updatePassword(userId, password, expected, this.#clock.now(), condition);
      if (this.#write(statements) > 0) return true;
      this.#requireUser(userId);
      this.#requireUnmarked(userId, condition);
      return false; // the user exists and may be changed, so only the compare-and-set can have lost
    });
  }

  setEmailVerified(userId: string, verified: boolean, ctx?: CallContext, condition?: WriteCondition): Promise<void> {
    return this.#call('setEmailVerified', ctx, () => {
      const statements = this.#statements.setEmailVerified(userId, verified, this.#clock.now(), condition);
      if (this.#write(statements) > 0) return;
      this.#requireUser(userId);
      this.#requireUnmarked(userId, condition);
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
    return this.#call('changeEmail', ctx, () => {
      const statements = this.#statements.changeEmail(userId, newEmail, verified, this.#clock.now(), condition);
      if (this.#write(statements) > 0) return;
      this.#requireUser(userId);
      this.#requireUnmarked(userId, condition);
      throw emailTaken(); // the user exists and may be changed, so only the email guard can have refused
    });
  }

  delete(userId: string, ctx?: CallContext, condition?: WriteCondition): Promise<void> {
    return this.#call('delete', ctx, () =>
      this.#runner.transaction(() => {
        // Throwing inside the transaction rolls it back, so a missing or marked user deletes nothing.
        this.#requireUser(userId);
        if (this.#runAll(this.#statements.deleteUser(userId, condition)) === 0) {
          this.#requireUnmarked(userId, condition);
          throw notFound();
        }
        this.#runner.run(markStatement(SQL.deleteMark, { userId }));
      }),
    );
  }

  getMigrationMark(userId: string, ctx?: CallContext): Promise<MigrationMark | null> {
    return this.#call('getMigrationMark', ctx, () => this.#readMark(userId));
  }

  markMigrated(userId: string, at: Date, via: MigrationMark['via'], ctx?: CallContext): Promise<MigrationMark> {
    return this.#call('markMigrated', ctx, () => {
      // Insert-if-absent then read back: under any race the first mark wins and every caller sees it.
      this.#runner.run(markStatement(SQL.insertMark, { userId, migratedAt: at, via }));
      const mark = this.#readMark(userId);
      if (!mark) throw new IdentityError('internal', 'migration mark could not be read back');
      return mark;
    });
  }

  unmark(userId: string, ctx?: CallContext): Promise<boolean> {
    return this.#call('unmark', ctx, () => this.#runner.run(markStatement(SQL.deleteMark, { userId })) > 0);
  }

  recordSignIn(
    userId: string | null,
    outcome: SignInOutcome,
    policy: LockoutPolicy,
    now: Date,
    ctx?: CallContext,
  ): Promise<boolean> {
    return this.#call('recordSignIn', ctx, () => {
      const statements = this.#statements.recordSignIn(userId, outcome, policy, now);
      if (!statements) throw noSignInBookkeeping();
      return this.#write(statements) > 0;
    });
  }

  ping(ctx?: CallContext): Promise<void> {
    return this.#call('ping', ctx, () => {
      this.#runner.get({ sql: SQL.ping, params: {} });
    });
  }

  /** How many users the profile's table holds (seeding only fills an empty store). */
  countUsers(ctx?: CallContext): Promise<number> {
    return this.#call('countUsers', ctx, () => Number(this.#runner.get(this.#statements.countUsers())?.count ?? 0));
  }

  /** Closes the database; later calls raise `unavailable`. Safe to call twice. */
  async close(): Promise<void> {
    this.#runner.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  /** Runs one call: deadline first, then the work, waiting out others' locks, every failure translated in one place. */
  #call<T>(operation: string, ctx: CallContext | undefined, work: () => T): Promise<T> {
    return this.#runner.call(operation, ctx, work);
  }

  #findUser(statement: BoundStatement): StoredUser | null {
    const row = this.#runner.get(statement);
    if (!row) return null;
    const { user, unreadable } = this.#statements.decodeRow(row, this.#clock.now());
    warnUnreadableRow(this.#logger, user.userId, unreadable);
    return user;
  }

  #requireUser(userId: string): void {
    if (!this.#runner.get(this.#statements.exists(userId))) throw notFound();
  }

  /** After a conditional write changed nothing: `failed_precondition` when its condition is why. */
  #requireUnmarked(userId: string, condition: WriteCondition | undefined): void {
    if (condition?.unlessMigrated && this.#readMark(userId)) throw userMigratedError();
  }

  /**
   * Runs a profile write; the last statement's affected rows are the result. When it is 0 a
   * multi-statement write is rolled back, so a refused write leaves nothing behind.
   */
  #write(statements: readonly BoundStatement[]): number {
    if (statements.length === 1) return this.#runAll(statements);
    try {
      return this.#runner.transaction(() => {
        const changes = this.#runAll(statements);
        if (changes === 0) throw new NothingWritten();
        return changes;
      });
    } catch (error) {
      if (error instanceof NothingWritten) return 0;
      throw error;
    }
  }

  #runAll(statements: readonly BoundStatement[]): number {
    let changes = 0;
    for (const statement of statements) {
      changes = this.#runner.run(statement);
    }
    return changes;
  }

  #readMark(userId: string): MigrationMark | null {
    const row = this.#runner.get(markStatement(SQL.getMark, { userId }));
    if (!row) return null;
    const migratedAt = toDate(row.migratedAt);
    const via = MIGRATION_VIAS.find((v) => v === row.via);
    if (!migratedAt || !via) throw new IdentityError('internal', 'unreadable migration mark');
    return { userId: toText(row.userId) ?? userId, migratedAt, via };
  }
}

/** A statement on the marks table; the user id is kept as text whatever the profile's key type. */
function markStatement(sql: string, values: { userId: string; migratedAt?: Date; via?: string }): BoundStatement {
  return {
    sql,
    params: {
      userId: { value: values.userId, type: { kind: 'text', maxLength: MARKS.userId.maxLength } },
      ...(values.migratedAt ? { migratedAt: { value: values.migratedAt, type: { kind: 'timestamp' } } } : {}),
      ...(values.via ? { via: { value: values.via, type: { kind: 'text', maxLength: MARKS.via.maxLength } } } : {}),
    },
  };
}
