import type { WriteCondition } from '../domain/identity-repository';
import { MIGRATION_MARKS_TABLE as MARKS } from './migration-marks-table';
import type { SqlDialect } from './sql-dialect';
import type { BoundStatement, SqlParam } from './users-table-statements';

/** The two texts of a write: as it is, and conditional on the user having no migration mark. */
export interface GuardableWrite {
  readonly sql: string;
  readonly unlessMigratedSql: string;
}

/**
 * WriteCondition `unlessMigrated` in SQL: `AND NOT EXISTS (SELECT 1 FROM <marks> WHERE UserId = …)`
 * added to the WHERE clause of the write that decides a call's outcome (the last statement of its
 * list, which ends with its WHERE clause). The condition and the write are one statement; with the
 * dialect's lock hint (SQL Server: UPDLOCK, HOLDLOCK, as markMigrated's own insert-if-absent takes)
 * the key range stays locked until the write's transaction ends, so a concurrent mark cannot be
 * inserted between the check and the write: it waits, and lands after. SQLite serialises writers.
 */
export function migrationMarkGuard(dialect: SqlDialect) {
  const q = (name: string) => dialect.quoteIdentifier(name);
  const alias = q('marks');
  const table = `${q(MARKS.name)} AS ${alias}${dialect.uniquenessCheckHint ? ` ${dialect.uniquenessCheckHint}` : ''}`;
  const clause = `NOT EXISTS (SELECT 1 FROM ${table} WHERE ${alias}.${q(MARKS.userId.name)} = ${dialect.param('markedUserId')})`;
  return {
    /** Both texts of a write whose SQL ends with its WHERE clause. */
    write: (sql: string): GuardableWrite => ({ sql, unlessMigratedSql: `${sql} AND ${clause}` }),
    /**
     * The write for `condition`. The marks table keeps the user id as the domain sees it (text,
     * whatever the profile's key type), so it travels in its own parameter.
     */
    bind: (
      write: GuardableWrite,
      params: Record<string, SqlParam>,
      userId: string,
      condition: WriteCondition | undefined,
    ): BoundStatement =>
      condition?.unlessMigrated
        ? {
            sql: write.unlessMigratedSql,
            params: {
              ...params,
              markedUserId: { value: userId, type: { kind: 'text', maxLength: MARKS.userId.maxLength } },
            },
          }
        : { sql: write.sql, params },
  };
}
