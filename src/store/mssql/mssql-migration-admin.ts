import type sql from 'mssql';
import type { MssqlTuning } from '../../config';
import type { DomainLogger } from '../../domain/deps';
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
import { mssqlDialect } from './mssql-dialect';
import { inTransaction, lastCount, type Query, queryOn } from './mssql-request';
import { openMssqlPool } from './open-mssql-pool';
import { translateMssqlError } from './translate-error';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface OpenMssqlMigrationAdminOptions {
  readonly profile: SchemaProfile;
  readonly logger: DomainLogger;
}

/**
 * Opens the mssql store for the migration commands: connects (IdentityError `unavailable` with the
 * reason when it cannot), then runs the counting and listing statements once, so a database that does
 * not match the profile is reported (an Error naming what SQL Server said) before any work.
 */
export async function openMssqlMigrationAdmin(
  store: { readonly connectionString: string; readonly tuning?: MssqlTuning },
  options: OpenMssqlMigrationAdminOptions,
): Promise<MssqlMigrationAdmin> {
  const { pool, settings, target } = await openMssqlPool(store.connectionString, store.tuning, options.logger);
  const admin = new MssqlMigrationAdmin(pool, {
    profile: options.profile,
    requestTimeoutMs: settings.requestTimeoutMs,
    target,
  });
  try {
    await admin.assertSchema();
  } catch (error) {
    await admin.close();
    throw error;
  }
  return admin;
}

/**
 * MigrationAdmin on SQL Server, from the same statement builder as the embedded store. Each purge
 * batch and each export marking runs in one transaction: a failure (or a kill) in the middle of a
 * batch leaves it undone. Operator commands have no caller deadline; every request is bounded by
 * MSSQL_REQUEST_TIMEOUT.
 */
export class MssqlMigrationAdmin implements MigrationAdmin {
  readonly #pool: sql.ConnectionPool;
  readonly #profile: SchemaProfile;
  readonly #statements: MigrationAdminStatements;
  readonly #requestTimeoutMs: number;
  readonly #target: string;

  constructor(
    pool: sql.ConnectionPool,
    options: { readonly profile: SchemaProfile; readonly requestTimeoutMs: number; readonly target: string },
  ) {
    this.#pool = pool;
    this.#profile = options.profile;
    this.#statements = migrationAdminStatements(options.profile, mssqlDialect);
    this.#requestTimeoutMs = options.requestTimeoutMs;
    this.#target = options.target;
  }

  async assertSchema(): Promise<void> {
    const probes = [
      this.#statements.countUsers(),
      this.#statements.countMarkedUsers(null),
      this.#statements.listPendingIds(null, 1),
    ];
    for (const probe of probes) {
      try {
        await queryOn(this.#pool, this.#requestTimeoutMs)(probe);
      } catch (error) {
        const translated = translateMssqlError(error, { deadlineCapped: false, target: this.#target });
        if (translated.error.code === 'unavailable') throw translated.error;
        throw schemaMismatchError(`SQL Server database ${this.#target}`, this.#profile.name, error);
      }
    }
  }

  status(now: Date): Promise<MigrationStatus> {
    return this.#call(async (query) => {
      const total = await count(query, this.#statements.countUsers());
      const migrated = await count(query, this.#statements.countMarkedUsers(null));
      const markedLast24h = await count(query, this.#statements.countMarkedUsers(new Date(now.getTime() - DAY_MS)));
      return { total, migrated, pending: total - migrated, markedLast24h };
    });
  }

  listMarkedBefore(cutoff: Date, after: string | null, limit: number): Promise<Page<MigrationMark>> {
    return this.#call(async (query) => {
      const rows = (await query(this.#statements.listMarkedBefore(cutoff, after, limit))).recordset;
      const items = rows.map(readMarkRow);
      return { items, next: items.length === limit ? (items[items.length - 1]?.userId ?? null) : null };
    });
  }

  archiveTableExists(table: string): Promise<boolean> {
    return this.#call((query) => this.#archiveExists(query, assertArchiveTableName(table, this.#profile)));
  }

  ensureArchiveTable(table: string): Promise<boolean> {
    return this.#call(async (query) => {
      const name = assertArchiveTableName(table, this.#profile);
      const existed = await this.#archiveExists(query, name);
      if (!existed) await query(this.#statements.createArchive(name));
      try {
        await query(this.#statements.checkArchiveColumns(name));
      } catch (error) {
        throw archiveColumnsMismatch(name, error);
      }
      return !existed;
    });
  }

  purgeBatch(userIds: readonly string[], cutoff: Date, archive: ArchiveTarget | null): Promise<PurgeBatchResult> {
    const archiveName = archive ? assertArchiveTableName(archive.table, this.#profile) : null;
    return this.#transaction(async (query) => {
      const purged: string[] = [];
      const orphanMarks: string[] = [];
      const skipped: string[] = [];
      for (const userId of userIds) {
        // The mark goes first and only while still older than the cutoff: a user unmarked (or never
        // marked) since the listing keeps every row.
        if (lastCount(await query(this.#statements.deleteMarkBefore(userId, cutoff))) === 0) {
          skipped.push(userId);
          continue;
        }
        if (archive && archiveName) await query(this.#statements.archiveUser(archiveName, userId, archive.archivedAt));
        let deleted = 0;
        for (const statement of this.#statements.deleteUser(userId)) deleted = lastCount(await query(statement));
        (deleted > 0 ? purged : orphanMarks).push(userId);
      }
      return { purged, orphanMarks, skipped };
    });
  }

  listPendingIds(after: string | null, limit: number): Promise<Page<string>> {
    return this.#call(async (query) => {
      const rows = (await query(this.#statements.listPendingIds(after, limit))).recordset;
      const ids = rows.map((row) => toText(row.userId) ?? '');
      return { items: ids, next: ids.length === limit ? (ids[ids.length - 1] ?? null) : null };
    });
  }

  markExported(userIds: readonly string[], at: Date): Promise<number> {
    return this.#transaction(async (query) => {
      let added = 0;
      for (const userId of userIds) added += lastCount(await query(this.#statements.insertMark(userId, at, 'export')));
      return added;
    });
  }

  unmark(userId: string): Promise<boolean> {
    return this.#call(async (query) => lastCount(await query(this.#statements.deleteMark(userId))) > 0);
  }

  userExists(userId: string): Promise<boolean> {
    return this.#call(async (query) => (await query(this.#statements.userExists(userId))).recordset.length > 0);
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  async #call<T>(work: (query: Query) => Promise<T>): Promise<T> {
    try {
      return await work(queryOn(this.#pool, this.#requestTimeoutMs));
    } catch (error) {
      throw translateMssqlError(error, { deadlineCapped: false, target: this.#target }).error;
    }
  }

  #transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return this.#call(() => inTransaction(this.#pool, this.#requestTimeoutMs, work));
  }

  async #archiveExists(query: Query, name: string): Promise<boolean> {
    const found = (await query(this.#statements.archiveExists(name))).recordset[0]?.found;
    return found !== null && found !== undefined;
  }
}

async function count(query: Query, statement: BoundStatement): Promise<number> {
  return Number((await query(statement)).recordset[0]?.count ?? 0);
}
