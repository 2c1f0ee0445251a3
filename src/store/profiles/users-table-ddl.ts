import {
  type Column,
  type ColumnType,
  PROFILE_FIELDS,
  type ProfileDdl,
  type UsersTableProfile,
} from '../schema-profile';
import { tableNameParts } from '../sql-identifier';

/** One column of the generated CREATE TABLE and what it must hold. */
interface ColumnDef {
  readonly column: Column;
  readonly notNull: boolean;
  /** Compared ignoring case (an email or user name without a normalized column). */
  readonly caseInsensitive?: boolean;
  /** Compared exactly (the password hash and salt, for compare-and-set). */
  readonly binary?: boolean;
  readonly unique?: 'all' | 'non-null';
  readonly defaultValue?: boolean | number;
  readonly primaryKey?: boolean;
}

/** A UNIQUE index key must fit SQL Server's 1700-byte nonclustered key: NVARCHAR(850) at most. */
const MAX_INDEXED_NVARCHAR = 850;

/**
 * DDL for a users-table profile that brings none of its own (a custom JSON profile), for
 * `db init --create-legacy-schema` and tests: one table with every mapped column, unique keys on
 * the lookup columns where the profile compares them. Created only where missing, never altered.
 */
export function generateUsersTableDdl(profile: UsersTableProfile): ProfileDdl {
  const defs = columnDefs(profile);
  return { sqlite: [sqliteDdl(profile.table, defs)], mssql: [mssqlDdl(profile.table, defs)] };
}

function columnDefs(profile: UsersTableProfile): ColumnDef[] {
  const defs: ColumnDef[] = [{ column: profile.id.column, notNull: true, primaryKey: true }];
  const email = profile.email;
  if (email.match.kind === 'collation') {
    defs.push({ column: email.column, notNull: true, caseInsensitive: true, unique: 'all' });
  } else {
    defs.push({ column: email.column, notNull: true }, { column: email.match.column, notNull: false });
  }
  const username = profile.username;
  if (username?.match.kind === 'collation') {
    defs.push({ column: username.column, notNull: false, caseInsensitive: true, unique: 'non-null' });
  } else if (username?.match.kind === 'normalized') {
    defs.push({ column: username.column, notNull: false });
    defs.push({ column: username.match.column, notNull: false, unique: 'non-null' });
  }
  defs.push({ column: profile.passwordHash, notNull: true, binary: true });
  // NULL once the adapter writes its own scrypt hash; compared exactly in the rehash compare-and-set.
  if (profile.passwordSalt) defs.push({ column: profile.passwordSalt, notNull: false, binary: true });
  if (profile.passwordFormat?.kind === 'column') defs.push({ column: profile.passwordFormat.column, notNull: false });
  defs.push({ column: profile.emailVerified, notNull: true, defaultValue: false });
  for (const field of PROFILE_FIELDS) {
    const column = profile.profile[field];
    if (column) defs.push({ column, notNull: false });
  }
  if (profile.userMetadata) defs.push({ column: profile.userMetadata, notNull: false });
  if (profile.appMetadata) defs.push({ column: profile.appMetadata, notNull: false });
  if (profile.timestamps) {
    defs.push({ column: profile.timestamps.createdAt, notNull: true });
    defs.push({ column: profile.timestamps.updatedAt, notNull: true });
  }
  for (const stamp of profile.stamps) defs.push({ column: stamp.column, notNull: false });
  const { approved, lockedOut, lockoutEnabled, lockoutEnd } = profile.signIn;
  if (approved) defs.push({ column: approved, notNull: true, defaultValue: true });
  if (lockedOut) defs.push({ column: lockedOut, notNull: true, defaultValue: false });
  if (lockoutEnabled) defs.push({ column: lockoutEnabled, notNull: true, defaultValue: false });
  if (lockoutEnd) defs.push({ column: lockoutEnd, notNull: false });
  const { accessFailedCount, failedAttemptWindowStart, lastLoginAt, lastLockoutAt } = profile.signIn;
  if (accessFailedCount) defs.push({ column: accessFailedCount, notNull: true, defaultValue: 0 });
  for (const column of [failedAttemptWindowStart, lastLoginAt, lastLockoutAt]) {
    if (column) defs.push({ column, notNull: false });
  }
  const declared = new Set(defs.map((d) => d.column.name.toLowerCase()));
  for (const { column, value } of profile.insertDefaults) {
    if (!declared.has(column.name.toLowerCase())) defs.push({ column, notNull: value !== null });
  }
  return defs;
}

function sqliteType(type: ColumnType): string {
  const kind = type.kind;
  switch (kind) {
    case 'text':
    case 'timestamp':
      return 'TEXT';
    case 'guid':
      return 'TEXT COLLATE NOCASE';
    case 'bool':
    case 'int':
      return 'INTEGER';
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown column type ${String(unreachable)}`);
    }
  }
}

function sqliteDdl(table: string, defs: readonly ColumnDef[]): string {
  const quote = (name: string) => `"${name}"`;
  const lines = defs.map((d) => {
    const parts = [quote(d.column.name), sqliteType(d.column.type), d.notNull ? 'NOT NULL' : 'NULL'];
    if (d.primaryKey) parts.push('PRIMARY KEY');
    if (d.caseInsensitive) parts.push('COLLATE NOCASE');
    // SQLite's UNIQUE admits any number of NULLs, so 'non-null' needs nothing more.
    if (d.unique) parts.push('UNIQUE');
    if (d.defaultValue !== undefined) parts.push(`DEFAULT ${Number(d.defaultValue)}`);
    return `  ${parts.join(' ')}`;
  });
  return `CREATE TABLE IF NOT EXISTS ${tableNameParts(table).map(quote).join('.')} (\n${lines.join(',\n')}\n)`;
}

function mssqlType(type: ColumnType): string {
  const kind = type.kind;
  switch (kind) {
    case 'text':
      return `NVARCHAR(${type.maxLength === 'max' ? 'MAX' : type.maxLength})`;
    case 'timestamp':
      return 'DATETIME2(3)';
    case 'guid':
      return 'UNIQUEIDENTIFIER';
    case 'bool':
      return 'BIT';
    case 'int':
      return 'INT';
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown column type ${String(unreachable)}`);
    }
  }
}

function indexable(column: Column): boolean {
  const t = column.type;
  return t.kind !== 'text' || (t.maxLength !== 'max' && t.maxLength <= MAX_INDEXED_NVARCHAR);
}

function mssqlDdl(table: string, defs: readonly ColumnDef[]): string {
  const bracket = (name: string) => `[${name}]`;
  const parts = tableNameParts(table);
  const base = parts[parts.length - 1] ?? table;
  const qualified = (parts.length === 1 ? ['dbo', ...parts] : parts).map(bracket).join('.');
  // Constraint and index names are identifiers too: at most 128 characters.
  const objectName = (prefix: string, suffix = '') => bracket(`${prefix}_${base}${suffix}`.slice(0, 128));
  const lines = defs.map((d) => {
    const words = [bracket(d.column.name), mssqlType(d.column.type)];
    if (d.caseInsensitive) words.push('COLLATE Latin1_General_100_CI_AS');
    if (d.binary) words.push('COLLATE Latin1_General_100_BIN2');
    words.push(d.notNull ? 'NOT NULL' : 'NULL');
    if (d.primaryKey) words.push(`CONSTRAINT ${objectName('PK')} PRIMARY KEY`);
    if (d.defaultValue !== undefined) {
      words.push(`CONSTRAINT ${objectName('DF', `_${d.column.name}`)} DEFAULT (${Number(d.defaultValue)})`);
    }
    return `    ${words.join(' ')}`;
  });
  const indexes = defs
    .filter((d) => d.unique && indexable(d.column))
    .map((d) => {
      const where = d.unique === 'non-null' ? ` WHERE ${bracket(d.column.name)} IS NOT NULL` : '';
      return `  CREATE UNIQUE INDEX ${objectName('UX', `_${d.column.name}`)} ON ${qualified} (${bracket(d.column.name)})${where};`;
    });
  return [
    `IF OBJECT_ID(N'${qualified}', N'U') IS NULL`,
    'BEGIN',
    `  CREATE TABLE ${qualified} (`,
    lines.join(',\n'),
    '  );',
    ...indexes,
    'END;',
  ].join('\n');
}
