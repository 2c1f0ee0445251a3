import { MIGRATION_MARKS_TABLE as MARKS } from '../migration-marks-table';
import { requiredTables } from '../profile-statements';
import { type SchemaProfile, sideDdl } from '../schema-profile';
import type { UserStatements } from '../users-table-statements';
import { mssqlDialect } from './mssql-dialect';

/**
 * The T-SQL the mssql adapter sends besides the profile's own statements, in one place, so the
 * grammar gate (test/unit/tsql-grammar.test.ts) can check every statement the adapter can send.
 */

const q = mssqlDialect.quoteIdentifier;
const table = q(MARKS.name);
const userId = q(MARKS.userId.name);
const migratedAt = q(MARKS.migratedAt.name);
const via = q(MARKS.via.name);

const getMarkSql = `SELECT ${userId} AS [userId], ${migratedAt} AS [migratedAt], ${via} AS [via] FROM ${table} WHERE ${userId} = @userId`;

export const MARK_SQL = {
  /**
   * Insert-if-absent and read back, in ONE batch (one request, one reply): the range lock makes the
   * check and the insert atomic against a concurrent mark, and the reply carries the mark that won.
   * There is no second round trip after the insert has committed in which a lost connection would
   * hide a mark that was written; and the batch is idempotent, so it can be sent again.
   */
  markAndGet:
    `INSERT INTO ${table} (${userId}, ${migratedAt}, ${via}) SELECT @userId, @migratedAt, @via ` +
    `WHERE NOT EXISTS (SELECT 1 FROM ${table} WITH (UPDLOCK, HOLDLOCK) WHERE ${userId} = @userId); ` +
    getMarkSql,
  get: getMarkSql,
  delete: `DELETE FROM ${table} WHERE ${userId} = @userId`,
} as const;

export const PING_SQL = 'SELECT 1 AS [ok]';

/** The adapter's side table on SQL Server (as in sql/default.sql): created only where missing. */
export const MIGRATION_MARKS_DDL = `IF OBJECT_ID(N'${table}', N'U') IS NULL
BEGIN
  CREATE TABLE ${table} (
    ${userId} NVARCHAR(${MARKS.userId.maxLength}) NOT NULL CONSTRAINT ${q(`PK_${MARKS.name}`)} PRIMARY KEY,
    ${migratedAt} DATETIME2(3) NOT NULL,
    ${via} NVARCHAR(${MARKS.via.maxLength}) NOT NULL
  );
  CREATE INDEX ${q(`IX_${MARKS.name}_${MARKS.migratedAt.name}`)} ON ${table} (${migratedAt});
END;`;

/** `SELECT OBJECT_ID(N'[name]', N'U') AS [id]`: non-NULL when the table exists. */
export function tableExistsSql(name: string): string {
  return `SELECT OBJECT_ID(N'${q(name)}', N'U') AS [id]`;
}

/** Tables a DDL batch creates: the names its `IF OBJECT_ID(N'…', N'U') IS NULL` guards test. */
export function tablesGuardedBy(ddl: string): string[] {
  return [...ddl.matchAll(/IF OBJECT_ID\(N'([^']+)'\s*,\s*N'U'\)\s+IS\s+NULL/gi)].map((m) =>
    (m[1] ?? '')
      .split('.')
      .map((part) => part.replace(/^\[|\]$/g, ''))
      .filter((part) => part.toLowerCase() !== 'dbo')
      .join('.'),
  );
}

/** The DDL `db init` runs: the profile's legacy tables when asked, then the adapter's own side tables. */
export function initDdl(profile: SchemaProfile, createLegacyTables: boolean): readonly string[] {
  const legacy = createLegacyTables ? (profile.ddl.mssql ?? null) : [];
  if (legacy === null) {
    throw new Error(`schema profile ${profile.name} has no SQL Server DDL: its tables must already exist`);
  }
  const side = sideDdl(profile, 'mssql');
  return [...legacy, MIGRATION_MARKS_DDL, ...side];
}

/**
 * Every statement text a profile's builder can produce, found by calling each builder method with
 * sample values (both branches of updatePassword included), each write also with its "unless migrated"
 * condition. Parameter values never change the text.
 */
export function profileStatementTexts(statements: UserStatements): string[] {
  const now = new Date('2026-01-01T00:00:00.000Z');
  const user = {
    email: 'a@example.com',
    username: 'a',
    password: { hash: 'h' },
    emailVerified: true,
    userMetadata: { a: 1 },
    appMetadata: { b: 2 },
  };
  const id = '00000000-0000-4000-8000-000000000000';
  const texts = [
    statements.findByEmail('a@example.com'),
    statements.findById(id),
    statements.exists(id),
    statements.countUsers(),
    ...statements.insert(id, user, now),
    ...statements.insert(id, { email: 'b@example.com', password: { hash: 'h' }, emailVerified: false }, now),
    ...[undefined, { unlessMigrated: true }].flatMap((condition) => [
      ...statements.updatePassword(id, { hash: 'new' }, undefined, now, condition),
      ...statements.updatePassword(id, { hash: 'new' }, { hash: 'old' }, now, condition),
      ...statements.setEmailVerified(id, true, now, condition),
      ...statements.changeEmail(id, 'c@example.com', false, now, condition),
      ...statements.deleteUser(id, condition),
    ]),
  ].map((s) => s.sql);
  const byUsername = statements.findByUsername('a');
  if (byUsername) texts.push(byUsername.sql);
  // LEGACY_LOCKOUT's bookkeeping, where the profile keeps it (the same texts for a user and for null).
  const policy = { maxFailedAttempts: 5, lockoutMs: 300_000, attemptWindowMs: 600_000 };
  for (const outcome of ['failure', 'success'] as const) {
    for (const statement of statements.recordSignIn(id, outcome, policy, now) ?? []) texts.push(statement.sql);
  }
  return [...new Set(texts)];
}

/** One `SELECT TOP (0) <every column used> FROM <table>` per table of the profile, plus the side table. */
export function schemaCheckSql(profile: SchemaProfile): string[] {
  const marks = { table: MARKS.name, columns: [MARKS.userId.name, MARKS.migratedAt.name, MARKS.via.name] };
  return [...requiredTables(profile), marks].map(
    ({ table: name, columns }) => `SELECT TOP (0) ${columns.map((c) => q(c)).join(', ')} FROM ${q(name)}`,
  );
}
