import type { DatabaseSync } from 'node:sqlite';
import { type CallContext, NO_CONTEXT, remainingMs } from '../../domain/call-context';
import { type Clock, systemClock } from '../../domain/clock';
import type { DomainLogger } from '../../domain/deps';
import { IdentityError } from '../../domain/errors';
import type { IdentityRepository } from '../../domain/identity-repository';
import type { MigrationMark, NewUser, StoredPassword, StoredUser } from '../../domain/user';
import { MIGRATION_MARKS_TABLE as MARKS, MIGRATION_VIAS } from '../migration-marks-table';
import { profileStatements } from '../profile-statements';
import { emailTaken, logDroppedFields, NothingWritten, notFound, warnUnreadableRow } from '../repository-outcomes';
import type { SchemaProfile } from '../schema-profile';
import { type Row, toDate, toText } from '../user-row';
import type { BoundStatement, UserStatements } from '../users-table-statements';
import { sqliteDialect } from './sqlite-dialect';
import { SqliteStatementRunner } from './sqlite-statement-runner';
import { translateSqliteError } from './translate-error';

export interface SqliteRepositoryOptions {
  readonly profile: SchemaProfile;
  readonly logger: DomainLogger;
  /** Timestamps written to CreatedAt / UpdatedAt; the system clock by default. */
  readonly clock?: Clock;
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
 * A deadline is checked before the query starts; a running SQLite statement cannot be interrupted,
 * and the busy timeout set when the database was opened bounds how long one waits for a lock.
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
    this.#runner = new SqliteStatementRunner(db);
    this.#statements = profileStatements(options.profile, sqliteDialect);
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
  }

  findByEmail(email: string, ctx?: CallContext): Promise<StoredUser | null> {
    return this.#call(ctx, () => this.#findUser(this.#statements.findByEmail(email)));
  }

  findByUsername(username: string, ctx?: CallContext): Promise<StoredUser | null> {
    return this.#call(ctx, () => {
      const statement = this.#statements.findByUsername(username);
      return statement ? this.#findUser(statement) : null;
    });
  }

  findById(userId: string, ctx?: CallContext): Promise<StoredUser | null> {
    return this.#call(ctx, () => this.#findUser(this.#statements.findById(userId)));
  }

  insert(user: NewUser, ctx?: CallContext): Promise<StoredUser> {
    return this.#call(ctx, () => {
      logDroppedFields(this.#logger, this.#statements.droppedFields(user));
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
  ): Promise<boolean> {
    return this.#call(ctx, () => {
      const changed = this.#write(this.#statements.updatePassword(userId, password, expected, this.#clock.now()));
      if (changed > 0) return true;
      this.#requireUser(userId);
      return false; // the user exists, so only the compare-and-set can have lost
    });
  }

  setEmailVerified(userId: string, verified: boolean, ctx?: CallContext): Promise<void> {
    return this.#call(ctx, () => {
      const changed = this.#write(this.#statements.setEmailVerified(userId, verified, this.#clock.now()));
      if (changed === 0) throw notFound();
    });
  }

  changeEmail(userId: string, newEmail: string, verified: boolean, ctx?: CallContext): Promise<void> {
    return this.#call(ctx, () => {
      const changed = this.#write(this.#statements.changeEmail(userId, newEmail, verified, this.#clock.now()));
      if (changed > 0) return;
      this.#requireUser(userId);
      throw emailTaken(); // the user exists, so only the email guard can have refused
    });
  }

  delete(userId: string, ctx?: CallContext): Promise<void> {
    return this.#call(ctx, () =>
      this.#runner.transaction(() => {
        // Throwing inside the transaction rolls it back, so a missing user deletes nothing.
        this.#requireUser(userId);
        if (this.#runAll(this.#statements.deleteUser(userId)) === 0) throw notFound();
        this.#runner.prepare(SQL.deleteMark).run({ userId });
      }),
    );
  }

  getMigrationMark(userId: string, ctx?: CallContext): Promise<MigrationMark | null> {
    return this.#call(ctx, () => this.#readMark(userId));
  }

  markMigrated(userId: string, at: Date, via: MigrationMark['via'], ctx?: CallContext): Promise<MigrationMark> {
    return this.#call(ctx, () => {
      // Insert-if-absent then read back: under any race the first mark wins and every caller sees it.
      this.#runner.prepare(SQL.insertMark).run({ userId, migratedAt: at.toISOString(), via });
      const mark = this.#readMark(userId);
      if (!mark) throw new IdentityError('internal', 'migration mark could not be read back');
      return mark;
    });
  }

  unmark(userId: string, ctx?: CallContext): Promise<boolean> {
    return this.#call(ctx, () => Number(this.#runner.prepare(SQL.deleteMark).run({ userId }).changes) > 0);
  }

  ping(ctx?: CallContext): Promise<void> {
    return this.#call(ctx, () => {
      this.#runner.prepare(SQL.ping).get();
    });
  }

  /** How many users the profile's table holds (seeding only fills an empty store). */
  countUsers(ctx?: CallContext): Promise<number> {
    return this.#call(ctx, () => Number(this.#runner.get(this.#statements.countUsers())?.count ?? 0));
  }

  /** Closes the database; later calls raise `unavailable`. Safe to call twice. */
  async close(): Promise<void> {
    this.#runner.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  /** Runs one call: deadline first, then the work, with every failure translated in one place. */
  async #call<T>(ctx: CallContext | undefined, work: () => T): Promise<T> {
    if (remainingMs(ctx ?? NO_CONTEXT) === 0) {
      throw new IdentityError('deadline_exceeded', 'the deadline passed before the store was queried');
    }
    try {
      return work();
    } catch (error) {
      throw translateSqliteError(error, this.#db);
    }
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
    const row = this.#runner.prepare(SQL.getMark).get({ userId }) as Row | undefined;
    if (!row) return null;
    const migratedAt = toDate(row.migratedAt);
    const via = MIGRATION_VIAS.find((v) => v === row.via);
    if (!migratedAt || !via) throw new IdentityError('internal', 'unreadable migration mark');
    return { userId: toText(row.userId) ?? userId, migratedAt, via };
  }
}
