import { IdentityError } from '../domain/errors';
import type { MigrationMark } from '../domain/user';
import { MIGRATION_MARKS_TABLE as MARKS, MIGRATION_VIAS } from './migration-marks-table';
import { profileStatements } from './profile-statements';
import { MEMBERSHIP_COLUMNS } from './profiles/aspnet-membership-profile';
import {
  type ColumnType,
  type MembershipProfile,
  mappedColumns,
  type SchemaProfile,
  signInBookkeepingColumns,
  type UsersTableProfile,
} from './schema-profile';
import type { SqlDialect } from './sql-dialect';
import { tableNameParts } from './sql-identifier';
import { type Row, toDate, toText } from './user-row';
import type { BoundStatement, SqlParam } from './users-table-statements';

/** The column every archive table adds to the profile's own columns. */
export const ARCHIVED_AT_COLUMN = 'ArchivedAt';

/** Page sizes accepted by the listing statements (purge batches, export pages). */
export const PAGE_SIZE_MAX = 10_000;

const MARK_USER_ID: ColumnType = { kind: 'text', maxLength: MARKS.userId.maxLength };
const MARK_VIA: ColumnType = { kind: 'text', maxLength: MARKS.via.maxLength };
const TIMESTAMP: ColumnType = { kind: 'timestamp' };
/** sysname-sized text, for a table name passed as a parameter (OBJECT_ID, sqlite_master). */
const OBJECT_NAME: ColumnType = { kind: 'text', maxLength: 256 };

/**
 * The statements of the operator's migration commands for one profile in one dialect: the side table
 * of marks, the archive table, and the legacy users found by their mark. Deleting a user is the
 * profile's own statement (the one DeleteUser runs), so a purge deletes exactly what DeleteUser would.
 *
 * Page sizes are written into the SQL as integer literals after validation (`LIMIT 200`,
 * `TOP (200)`): T-SQL's TOP needs an integer parameter type that ColumnType does not describe. They
 * come from the operator's `--batch-size`, never from a request, and are checked here.
 */
export interface MigrationAdminStatements {
  /** Legacy users of the profile. One row with `count`. */
  countUsers(): BoundStatement;
  /** Marks whose user still exists; with `since`, only marks at or after it. One row with `count`. */
  countMarkedUsers(since: Date | null): BoundStatement;
  /** Marks older than `cutoff`, user id ascending, after `after`: rows `userId`, `migratedAt`, `via`. */
  listMarkedBefore(cutoff: Date, after: string | null, limit: number): BoundStatement;
  /** Ids of users without a mark, id ascending, after `after`: rows `userId`. */
  listPendingIds(after: string | null, limit: number): BoundStatement;
  /** One row when the user exists. */
  userExists(userId: string): BoundStatement;
  /** Removes the mark only while it is older than `cutoff`; 1 affected row when it did. */
  deleteMarkBefore(userId: string, cutoff: Date): BoundStatement;
  /** Insert-if-absent: an existing mark is kept (first wins). */
  insertMark(userId: string, at: Date, via: MigrationMark['via']): BoundStatement;
  deleteMark(userId: string): BoundStatement;
  /** The profile's delete of one user; the last statement's affected rows say whether it existed. */
  deleteUser(userId: string): readonly BoundStatement[];
  /** One row whose `found` is non-null exactly when the archive table exists. */
  archiveExists(table: string): BoundStatement;
  /** Creates the archive table where missing. */
  createArchive(table: string): BoundStatement;
  /** Prepares only when the archive table has every column the copy writes. */
  checkArchiveColumns(table: string): BoundStatement;
  /** Copies the user's row(s) to the archive with `ArchivedAt`. */
  archiveUser(table: string, userId: string, archivedAt: Date): BoundStatement;
}

/** A row of `listMarkedBefore` as a mark; raises `internal` when it cannot be read. */
export function readMarkRow(row: Row): MigrationMark {
  const userId = toText(row.userId);
  const migratedAt = toDate(row.migratedAt);
  const via = MIGRATION_VIAS.find((v) => v === row.via);
  if (userId === undefined || !migratedAt || !via) throw new IdentityError('internal', 'unreadable migration mark');
  return { userId, migratedAt, via };
}

/** `failed_precondition` for an existing archive table that `checkArchiveColumns` refused (`cause`). */
export function archiveColumnsMismatch(name: string, cause: unknown): IdentityError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new IdentityError(
    'failed_precondition',
    `archive table ${name} exists but does not have the profile's columns plus ArchivedAt (${reason})`,
    { cause },
  );
}

/** Validates a page size given on the command line (1 … PAGE_SIZE_MAX). Raises `invalid_argument`. */
export function assertPageSize(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > PAGE_SIZE_MAX) {
    throw IdentityError.invalidArgument([
      { field: 'batch_size', description: `must be an integer from 1 to ${PAGE_SIZE_MAX}` },
    ]);
  }
  return limit;
}

/**
 * Refuses an archive table name that is not a plain `name` or `schema.name`, or that names one of the
 * store's own tables (the profile's, or the side table): archiving into them would corrupt the store.
 * Raises `invalid_argument`.
 */
export function assertArchiveTableName(name: string, profile: SchemaProfile): string {
  const refuse = (description: string): never => {
    throw IdentityError.invalidArgument([{ field: 'archive_table', description }]);
  };
  let parts: readonly string[] = [];
  try {
    parts = tableNameParts(name);
  } catch {
    refuse('must be name or schema.name of letters, digits and underscores');
  }
  const last = (parts[parts.length - 1] ?? '').toLowerCase();
  const reserved = [...storeTables(profile), MARKS.name].map((t) => t.split('.').pop()?.toLowerCase());
  if (reserved.includes(last)) refuse('must not be one of the store’s own tables');
  return name;
}

/** The tables a profile reads and writes, its side tables included. */
function storeTables(profile: SchemaProfile): readonly string[] {
  const kind = profile.kind;
  switch (kind) {
    case 'users-table':
      return [profile.table];
    case 'membership':
      return Object.values(profile.tables);
    default: {
      const unreachable: never = kind;
      throw new Error(`unsupported profile kind ${String(unreachable)}`);
    }
  }
}

/**
 * Where a profile's users are, for the statements below: a FROM clause whose user rows are aliased
 * `u`, a filter (Membership: one application), the id expression, and the columns an archive keeps.
 */
interface UserSet {
  readonly from: string;
  readonly filter: string | null;
  readonly filterParams: Readonly<Record<string, SqlParam>>;
  readonly id: string;
  readonly idType: ColumnType;
  readonly archiveColumns: readonly { readonly name: string; readonly type: ColumnType; readonly expr: string }[];
  deleteUser(userId: string): readonly BoundStatement[];
}

function usersTableSet(profile: UsersTableProfile, dialect: SqlDialect): UserSet {
  const q = (name: string) => dialect.quoteIdentifier(name);
  const statements = profileStatements(profile, dialect);
  return {
    from: `${q(profile.table)} AS u`,
    filter: null,
    filterParams: {},
    id: `u.${q(profile.id.column.name)}`,
    idType: profile.id.column.type,
    archiveColumns: mappedColumns(profile)
      .filter((c) => !signInBookkeepingColumns(profile).includes(c))
      .map((c) => ({ name: c.name, type: c.type, expr: `u.${q(c.name)}` })),
    deleteUser: (userId) => statements.deleteUser(userId),
  };
}

/**
 * Membership: aspnet_Users joined to aspnet_Membership, restricted to the profile's application (as
 * every Membership stored procedure is); the archive keeps both tables' columns side by side.
 */
function membershipSet(profile: MembershipProfile, dialect: SqlDialect): UserSet {
  const q = (name: string) => dialect.quoteIdentifier(name);
  const p = (name: string) => dialect.param(name);
  const statements = profileStatements(profile, dialect);
  const { applications: app, users, membership } = MEMBERSHIP_COLUMNS;
  const userId = q(users.userId.name);
  const archiveColumns = [
    ...Object.values(users).map((c) => ({ name: c.name, type: c.type, expr: `u.${q(c.name)}` })),
    ...Object.values(membership)
      .filter((c) => c.name !== membership.userId.name && c.name !== membership.applicationId.name)
      .map((c) => ({ name: c.name, type: c.type, expr: `mb.${q(c.name)}` })),
  ];
  return {
    from: `${q(profile.tables.users)} AS u JOIN ${q(profile.tables.membership)} AS mb ON mb.${userId} = u.${userId}`,
    filter:
      `u.${q(users.applicationId.name)} = (SELECT a.${q(app.applicationId.name)} FROM ${q(profile.tables.applications)} AS a ` +
      `WHERE a.${q(app.loweredApplicationName.name)} = ${p('application')})`,
    filterParams: {
      application: { value: profile.applicationName.toLowerCase(), type: app.loweredApplicationName.type },
    },
    id: `u.${userId}`,
    idType: users.userId.type,
    archiveColumns,
    // aspnet_Membership, aspnet_Users and the email-verified side row, as DeleteUser removes them.
    deleteUser: (userId) => statements.deleteUser(userId),
  };
}

function userSet(profile: SchemaProfile, dialect: SqlDialect): UserSet {
  const kind = profile.kind;
  switch (kind) {
    case 'users-table':
      return usersTableSet(profile, dialect);
    case 'membership':
      return membershipSet(profile, dialect);
    default: {
      const unreachable: never = kind;
      throw new Error(`the migration commands do not support profile kind ${String(unreachable)}`);
    }
  }
}

export function migrationAdminStatements(profile: SchemaProfile, dialect: SqlDialect): MigrationAdminStatements {
  const q = (name: string) => dialect.quoteIdentifier(name);
  const p = (name: string) => dialect.param(name);
  const set = userSet(profile, dialect);
  if (set.archiveColumns.some((c) => c.name.toLowerCase() === ARCHIVED_AT_COLUMN.toLowerCase())) {
    throw new Error(`schema profile ${profile.name} maps a column named ${ARCHIVED_AT_COLUMN}; it cannot be archived`);
  }

  const marks = q(MARKS.name);
  const markUserId = q(MARKS.userId.name);
  const markAt = q(MARKS.migratedAt.name);
  const markVia = q(MARKS.via.name);
  const where = (...conditions: (string | null)[]) => {
    const present = conditions.filter((c): c is string => c !== null);
    return present.length === 0 ? '' : ` WHERE ${present.join(' AND ')}`;
  };
  // The mark's text id meets the profile's id column, which stays on the left: SQLite then compares
  // with that column's affinity and collation (Membership's GUIDs are NOCASE: marks hold them
  // lower-case, legacy rows often upper-case), SQL Server converts the text to the column's type.
  const userExists = `EXISTS (SELECT 1 FROM ${set.from}${where(set.filter, `${set.id} = m.${markUserId}`)})`;
  const unmarked = `NOT EXISTS (SELECT 1 FROM ${marks} AS m WHERE ${set.id} = m.${markUserId})`;
  const param = (type: ColumnType, value: SqlParam['value']): SqlParam => ({ value, type });

  /** `SELECT …` limited to `limit` rows, in the dialect's syntax. */
  const limited = (select: string, rest: string, limit: number): string => {
    const n = assertPageSize(limit);
    const name = dialect.name;
    switch (name) {
      case 'sqlite':
        return `SELECT ${select} ${rest} LIMIT ${n}`;
      case 'mssql':
        return `SELECT TOP (${n}) ${select} ${rest}`;
      default: {
        const unreachable: never = name;
        throw new Error(`unsupported dialect ${String(unreachable)}`);
      }
    }
  };

  const archiveNames = [...set.archiveColumns.map((c) => q(c.name)), q(ARCHIVED_AT_COLUMN)].join(', ');
  const archiveDdl = [
    ...set.archiveColumns.map((c) => `${q(c.name)} ${ddlType(dialect, c.type)}`),
    `${q(ARCHIVED_AT_COLUMN)} ${ddlType(dialect, TIMESTAMP)} NOT NULL`,
  ].join(',\n  ');

  return {
    countUsers: () => ({
      sql: `SELECT COUNT(*) AS ${q('count')} FROM ${set.from}${where(set.filter)}`,
      params: set.filterParams,
    }),
    countMarkedUsers: (since) => ({
      sql:
        `SELECT COUNT(*) AS ${q('count')} FROM ${marks} AS m` +
        where(userExists, since ? `m.${markAt} >= ${p('since')}` : null),
      params: { ...set.filterParams, ...(since ? { since: param(TIMESTAMP, since) } : {}) },
    }),
    listMarkedBefore: (cutoff, after, limit) => ({
      sql: limited(
        `${markUserId} AS ${q('userId')}, ${markAt} AS ${q('migratedAt')}, ${markVia} AS ${q('via')}`,
        `FROM ${marks}${where(`${markAt} < ${p('cutoff')}`, after === null ? null : `${markUserId} > ${p('after')}`)} ORDER BY ${markUserId}`,
        limit,
      ),
      params: {
        cutoff: param(TIMESTAMP, cutoff),
        ...(after === null ? {} : { after: param(MARK_USER_ID, after) }),
      },
    }),
    listPendingIds: (after, limit) => ({
      sql: limited(
        `${set.id} AS ${q('userId')}`,
        `FROM ${set.from}${where(set.filter, unmarked, after === null ? null : `${set.id} > ${p('after')}`)} ORDER BY ${set.id}`,
        limit,
      ),
      params: { ...set.filterParams, ...(after === null ? {} : { after: param(set.idType, after) }) },
    }),
    userExists: (userId) => ({
      sql: `SELECT 1 AS ${q('found')} FROM ${set.from}${where(set.filter, `${set.id} = ${p('userId')}`)}`,
      params: { ...set.filterParams, userId: param(set.idType, userId) },
    }),
    deleteMarkBefore: (userId, cutoff) => ({
      sql: `DELETE FROM ${marks} WHERE ${markUserId} = ${p('userId')} AND ${markAt} < ${p('cutoff')}`,
      params: { userId: param(MARK_USER_ID, userId), cutoff: param(TIMESTAMP, cutoff) },
    }),
    insertMark: (userId, at, via) => {
      const params = {
        userId: param(MARK_USER_ID, userId),
        migratedAt: param(TIMESTAMP, at),
        via: param(MARK_VIA, via),
      };
      const columns = `${markUserId}, ${markAt}, ${markVia}`;
      const values = `${p('userId')}, ${p('migratedAt')}, ${p('via')}`;
      const name = dialect.name;
      switch (name) {
        case 'sqlite':
          return {
            sql: `INSERT INTO ${marks} (${columns}) VALUES (${values}) ON CONFLICT (${markUserId}) DO NOTHING`,
            params,
          };
        case 'mssql':
          // UPDLOCK + HOLDLOCK make the existence check and the insert one step under concurrency.
          return {
            sql:
              `INSERT INTO ${marks} (${columns}) SELECT ${values} ` +
              `WHERE NOT EXISTS (SELECT 1 FROM ${marks} WITH (UPDLOCK, HOLDLOCK) WHERE ${markUserId} = ${p('userId')})`,
            params,
          };
        default: {
          const unreachable: never = name;
          throw new Error(`unsupported dialect ${String(unreachable)}`);
        }
      }
    },
    deleteMark: (userId) => ({
      sql: `DELETE FROM ${marks} WHERE ${markUserId} = ${p('userId')}`,
      params: { userId: param(MARK_USER_ID, userId) },
    }),
    deleteUser: (userId) => set.deleteUser(userId),
    archiveExists: (archive) => {
      const name = dialect.name;
      switch (name) {
        case 'sqlite':
          return {
            sql:
              `SELECT (SELECT 1 FROM ${q('sqlite_master')} WHERE ${q('type')} = 'table' ` +
              `AND ${q('name')} = ${p('name')} COLLATE NOCASE) AS ${q('found')}`,
            params: { name: param(OBJECT_NAME, archive) },
          };
        case 'mssql':
          // The validated, bracket-quoted name as a literal: the form of the adapter's own db init.
          return { sql: `SELECT OBJECT_ID(N'${q(archive)}', N'U') AS ${q('found')}`, params: {} };
        default: {
          const unreachable: never = name;
          throw new Error(`unsupported dialect ${String(unreachable)}`);
        }
      }
    },
    createArchive: (archive) => {
      const name = dialect.name;
      switch (name) {
        case 'sqlite':
          return { sql: `CREATE TABLE IF NOT EXISTS ${q(archive)} (\n  ${archiveDdl}\n)`, params: {} };
        case 'mssql':
          return {
            sql: `IF OBJECT_ID(N'${q(archive)}', N'U') IS NULL\nBEGIN\n  CREATE TABLE ${q(archive)} (\n  ${archiveDdl}\n  );\nEND;`,
            params: {},
          };
        default: {
          const unreachable: never = name;
          throw new Error(`unsupported dialect ${String(unreachable)}`);
        }
      }
    },
    checkArchiveColumns: (archive) => ({ sql: `SELECT ${archiveNames} FROM ${q(archive)} WHERE 1 = 0`, params: {} }),
    archiveUser: (archive, userId, archivedAt) => ({
      sql:
        `INSERT INTO ${q(archive)} (${archiveNames}) ` +
        `SELECT ${set.archiveColumns.map((c) => c.expr).join(', ')}, ${p('archivedAt')} FROM ${set.from}` +
        where(set.filter, `${set.id} = ${p('userId')}`),
      params: {
        ...set.filterParams,
        userId: param(set.idType, userId),
        archivedAt: param(TIMESTAMP, archivedAt),
      },
    }),
  };
}

/** The column type an archive table gets, per dialect (as the profiles' own DDL writes them). */
function ddlType(dialect: SqlDialect, type: ColumnType): string {
  const name = dialect.name;
  switch (name) {
    case 'sqlite':
      return sqliteType(type);
    case 'mssql':
      return mssqlType(type);
    default: {
      const unreachable: never = name;
      throw new Error(`unsupported dialect ${String(unreachable)}`);
    }
  }
}

function sqliteType(type: ColumnType): string {
  const kind = type.kind;
  switch (kind) {
    case 'text':
    case 'timestamp':
    case 'guid':
      return 'TEXT';
    case 'bool':
    case 'int':
      return 'INTEGER';
    default: {
      const unreachable: never = kind;
      throw new Error(`unsupported column type ${String(unreachable)}`);
    }
  }
}

function mssqlType(type: ColumnType): string {
  switch (type.kind) {
    case 'text':
      return `NVARCHAR(${type.maxLength === 'max' ? 'MAX' : type.maxLength})`;
    case 'timestamp':
      return 'DATETIME2';
    case 'bool':
      return 'BIT';
    case 'int':
      return 'INT';
    case 'guid':
      return 'UNIQUEIDENTIFIER';
    default: {
      const unreachable: never = type;
      throw new Error(`unsupported column type ${String(unreachable)}`);
    }
  }
}
