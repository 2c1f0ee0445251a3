import { existsSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { IdentityError } from '../../domain/errors';
import type { MigrationMark } from '../../domain/user';
import type { ArchiveTarget, MigrationAdmin, MigrationStatus, Page, PurgeBatchResult } from '../migration-admin';
import {
  archiveColumnsMismatch,
  assertArchiveTableName,
  type MigrationAdminStatements,
  migrationAdminStatements,
  readMarkRow,
} from '../migration-admin-statements';
import { schemaMismatchError } from '../schema-mismatch';
import type { SchemaProfile } from '../schema-profile';
import { toText } from '../user-row';
import type { BoundStatement } from '../users-table-statements';
import { type OpenSqliteOptions, openSqliteDatabase } from './open-sqlite-database';
import { sqliteDialect } from './sqlite-dialect';
import { SqliteStatementRunner } from './sqlite-statement-runner';
import { translateSqliteError } from './translate-error';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface SqliteMigrationAdminOptions extends OpenSqliteOptions {
  readonly profile: SchemaProfile;
}

/**
 * Opens the SQLite store at `path` for the migration commands. The file must exist (made by
 * `legacy-identity db init`). Raises IdentityError `unavailable` when it is missing or cannot be
 * opened, and an Error naming the mismatch when its tables do not match the profile.
 */
export function openSqliteMigrationAdmin(path: string, options: SqliteMigrationAdminOptions): SqliteMigrationAdmin {
  if (path !== ':memory:' && !existsSync(path)) {
    throw new IdentityError(
      'unavailable',
      `SQLite store ${path} does not exist; create it with: legacy-identity db init`,
    );
  }
  const db = openSqliteDatabase(path);
  const admin = new SqliteMigrationAdmin(db, options);
  try {
    admin.assertSchema(path);
  } catch (error) {
    db.close();
    throw error;
  }
  return admin;
}

/**
 * MigrationAdmin on node:sqlite. Each purge batch and each export marking runs in one
 * `BEGIN IMMEDIATE` transaction, so a server running against the same file sees a batch all at once
 * or not at all, and a crash (or a kill) in the middle of a batch leaves it undone.
 */
export class SqliteMigrationAdmin implements MigrationAdmin {
  readonly #db: DatabaseSync;
  readonly #profile: SchemaProfile;
  readonly #statements: MigrationAdminStatements;
  readonly #runner: SqliteStatementRunner;

  constructor(db: DatabaseSync, options: SqliteMigrationAdminOptions) {
    this.#db = db;
    this.#runner = new SqliteStatementRunner(
      db,
      options.busyTimeoutMs === undefined ? {} : { lockWaitMs: options.busyTimeoutMs },
    );
    this.#profile = options.profile;
    this.#statements = migrationAdminStatements(options.profile, sqliteDialect);
  }

  /** Prepares the statements the commands rely on, so a mismatched file is reported before any work. */
  assertSchema(path: string): void {
    const probes = [
      this.#statements.countUsers(),
      this.#statements.countMarkedUsers(null),
      this.#statements.listPendingIds(null, 1),
    ];
    for (const probe of probes) {
      try {
        this.#db.prepare(probe.sql);
      } catch (error) {
        const translated = translateSqliteError(error, this.#db, 'open');
        if (translated.code === 'unavailable') throw translated;
        throw schemaMismatchError(`SQLite store ${path}`, this.#profile.name, error);
      }
    }
  }

  async status(now: Date): Promise<MigrationStatus> {
    return this.#call('status', () => {
      const total = this.#count(this.#statements.countUsers());
      const migrated = this.#count(this.#statements.countMarkedUsers(null));
      const markedLast24h = this.#count(this.#statements.countMarkedUsers(new Date(now.getTime() - DAY_MS)));
      return { total, migrated, pending: total - migrated, markedLast24h };
    });
  }

  async listMarkedBefore(cutoff: Date, after: string | null, limit: number): Promise<Page<MigrationMark>> {
    return this.#call('listMarkedBefore', () => {
      const rows = this.#runner.all(this.#statements.listMarkedBefore(cutoff, after, limit));
      const items = rows.map(readMarkRow);
      return { items, next: items.length === limit ? (items[items.length - 1]?.userId ?? null) : null };
    });
  }

  async archiveTableExists(table: string): Promise<boolean> {
    return this.#call('archiveTableExists', () => this.#archiveExists(this.#archiveName(table)));
  }

  async ensureArchiveTable(table: string): Promise<boolean> {
    return this.#call('ensureArchiveTable', () => {
      const name = this.#archiveName(table);
      const existed = this.#archiveExists(name);
      if (!existed) this.#runner.run(this.#statements.createArchive(name));
      try {
        this.#db.prepare(this.#statements.checkArchiveColumns(name).sql);
      } catch (error) {
        throw archiveColumnsMismatch(name, error);
      }
      return !existed;
    });
  }

  async purgeBatch(userIds: readonly string[], cutoff: Date, archive: ArchiveTarget | null): Promise<PurgeBatchResult> {
    return this.#call('purgeBatch', () =>
      this.#runner.transaction(() => {
        const purged: string[] = [];
        const orphanMarks: string[] = [];
        const skipped: string[] = [];
        const archiveName = archive ? this.#archiveName(archive.table) : null;
        for (const userId of userIds) {
          // The mark goes first and only while still older than the cutoff: a user unmarked (or never
          // marked) since the listing keeps every row.
          if (this.#runner.run(this.#statements.deleteMarkBefore(userId, cutoff)) === 0) {
            skipped.push(userId);
            continue;
          }
          if (archive && archiveName) {
            this.#runner.run(this.#statements.archiveUser(archiveName, userId, archive.archivedAt));
          }
          let deleted = 0;
          for (const statement of this.#statements.deleteUser(userId)) deleted = this.#runner.run(statement);
          (deleted > 0 ? purged : orphanMarks).push(userId);
        }
        return { purged, orphanMarks, skipped };
      }),
    );
  }

  async listPendingIds(after: string | null, limit: number): Promise<Page<string>> {
    return this.#call('listPendingIds', () => {
      const ids = this.#runner
        .all(this.#statements.listPendingIds(after, limit))
        .map((row) => toText(row.userId) ?? '');
      return { items: ids, next: ids.length === limit ? (ids[ids.length - 1] ?? null) : null };
    });
  }

  async markExported(userIds: readonly string[], at: Date): Promise<number> {
    return this.#call('markExported', () =>
      this.#runner.transaction(() => {
        let added = 0;
        for (const userId of userIds) added += this.#runner.run(this.#statements.insertMark(userId, at, 'export'));
        return added;
      }),
    );
  }

  async unmark(userId: string): Promise<boolean> {
    return this.#call('unmark', () => this.#runner.run(this.#statements.deleteMark(userId)) > 0);
  }

  async userExists(userId: string): Promise<boolean> {
    return this.#call('userExists', () => this.#runner.get(this.#statements.userExists(userId)) !== undefined);
  }

  async close(): Promise<void> {
    this.#runner.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  /** The archive name, validated; on the embedded store a plain name (no schema part). */
  #archiveName(table: string): string {
    const name = assertArchiveTableName(table, this.#profile);
    if (name.includes('.')) {
      throw new IdentityError('invalid_argument', 'invalid archive table: a plain name on the embedded store', {
        violations: [{ field: 'archive_table', description: 'must be a plain name on the embedded store' }],
      });
    }
    return name;
  }

  /** One command step: waits out another connection's lock (SqliteStatementRunner.call), translates failures. */
  #call<T>(operation: string, work: () => T): Promise<T> {
    return this.#runner.call(operation, undefined, work);
  }

  #archiveExists(name: string): boolean {
    const found = this.#runner.get(this.#statements.archiveExists(name))?.found;
    return found !== null && found !== undefined;
  }

  #count(statement: BoundStatement): number {
    return Number(this.#runner.get(statement)?.count ?? 0);
  }
}
