import { randomUUID } from 'node:crypto';
import type { NewUser, StoredPassword } from '../domain/user';
import {
  type CaseInsensitiveMatch,
  type Column,
  type ColumnType,
  PROFILE_FIELDS,
  type UsersTableProfile,
} from './schema-profile';
import type { SqlDialect, SqlValue } from './sql-dialect';
import { USER_ROW, writeMetadata } from './user-row';

/** A parameter with the type of the column it meets (SQL Server types its parameters from it). */
export interface SqlParam {
  readonly value: SqlValue;
  readonly type: ColumnType;
}

/** One parameterised statement: fixed SQL text built from the profile, values only in `params`. */
export interface BoundStatement {
  readonly sql: string;
  readonly params: Readonly<Record<string, SqlParam>>;
}

/**
 * The statements of one profile in one dialect. Reads return rows with the USER_ROW aliases.
 * Writes are lists run in order in one transaction; the affected-row count of the *last* statement
 * tells whether the user was there (0: not found, or the compare-and-set lost).
 */
export interface UserStatements {
  findByEmail(email: string): BoundStatement;
  /** Null when the profile has no user name column. */
  findByUsername(username: string): BoundStatement | null;
  findById(userId: string): BoundStatement;
  /** One row when the user exists. */
  exists(userId: string): BoundStatement;
  /** One row with `count`. */
  countUsers(): BoundStatement;
  /** A fresh stable id for a new user. */
  newUserId(): string;
  insert(userId: string, user: NewUser, now: Date): readonly BoundStatement[];
  /** With `expected`, only where the stored hash still equals it exactly. */
  updatePassword(
    userId: string,
    password: StoredPassword,
    expected: StoredPassword | undefined,
    now: Date,
  ): readonly BoundStatement[];
  setEmailVerified(userId: string, verified: boolean, now: Date): readonly BoundStatement[];
  changeEmail(userId: string, email: string, verified: boolean, now: Date): readonly BoundStatement[];
  deleteUser(userId: string): readonly BoundStatement[];
}

/** Builds the statements of a one-table profile for a dialect. SQL text is built once, here. */
export function usersTableStatements(profile: UsersTableProfile, dialect: SqlDialect): UserStatements {
  const q = (name: string) => dialect.quoteIdentifier(name);
  const p = (name: string) => dialect.param(name);
  const table = q(profile.table);
  const id = q(profile.id.column.name);
  const param = (column: Column, value: SqlValue): SqlParam => ({ value, type: column.type });

  const select: string[] = [
    `${id} AS ${q(USER_ROW.userId)}`,
    `${q(profile.email.column.name)} AS ${q(USER_ROW.email)}`,
    `${q(profile.emailVerified.name)} AS ${q(USER_ROW.emailVerified)}`,
    `${q(profile.passwordHash.name)} AS ${q(USER_ROW.passwordHash)}`,
  ];
  if (profile.username) select.push(`${q(profile.username.column.name)} AS ${q(USER_ROW.username)}`);
  for (const field of PROFILE_FIELDS) {
    const column = profile.profile[field];
    if (column) select.push(`${q(column.name)} AS ${q(USER_ROW[field])}`);
  }
  if (profile.userMetadata) select.push(`${q(profile.userMetadata.name)} AS ${q(USER_ROW.userMetadata)}`);
  if (profile.appMetadata) select.push(`${q(profile.appMetadata.name)} AS ${q(USER_ROW.appMetadata)}`);
  const selectFrom = `SELECT ${select.join(', ')} FROM ${table}`;

  const matchIgnoreCase = (lookup: { column: Column; match: CaseInsensitiveMatch }, paramName: string): string => {
    const kind = lookup.match.kind;
    switch (kind) {
      case 'collation':
        return dialect.equalsIgnoreCase(q(lookup.column.name), p(paramName));
      default: {
        const unreachable: never = kind;
        throw new Error(`unsupported match ${String(unreachable)}`);
      }
    }
  };
  const byId = `${id} = ${p('userId')}`;
  const idParam = (userId: string) => ({ userId: param(profile.id.column, userId) });

  const findByEmailSql = `${selectFrom} WHERE ${matchIgnoreCase(profile.email, 'email')}`;
  const findByUsernameSql = profile.username
    ? `${selectFrom} WHERE ${matchIgnoreCase(profile.username, 'username')}`
    : null;
  const findByIdSql = `${selectFrom} WHERE ${byId}`;
  const existsSql = `SELECT 1 AS ${q('found')} FROM ${table} WHERE ${byId}`;
  const countSql = `SELECT COUNT(*) AS ${q('count')} FROM ${table}`;

  // Columns set on insert, in order, with where each value comes from.
  const insertColumns: { column: Column; value: (userId: string, user: NewUser, now: Date) => SqlValue }[] = [
    { column: profile.id.column, value: (userId) => userId },
    { column: profile.email.column, value: (_, user) => user.email },
    { column: profile.passwordHash, value: (_, user) => user.password.hash },
    { column: profile.emailVerified, value: (_, user) => user.emailVerified },
  ];
  if (profile.username) insertColumns.push({ column: profile.username.column, value: (_, u) => u.username ?? null });
  if (profile.userMetadata) {
    insertColumns.push({ column: profile.userMetadata, value: (_, u) => writeMetadata(u.userMetadata) });
  }
  if (profile.appMetadata) {
    insertColumns.push({ column: profile.appMetadata, value: (_, u) => writeMetadata(u.appMetadata) });
  }
  if (profile.timestamps) {
    insertColumns.push({ column: profile.timestamps.createdAt, value: (_u, _n, now) => now });
    insertColumns.push({ column: profile.timestamps.updatedAt, value: (_u, _n, now) => now });
  }
  const insertParamName = (i: number) => `v${i}`;
  const insertSql =
    `INSERT INTO ${table} (${insertColumns.map((c) => q(c.column.name)).join(', ')}) ` +
    `VALUES (${insertColumns.map((_, i) => p(insertParamName(i))).join(', ')})`;

  // Every change also moves UpdatedAt where the table keeps it.
  const touch = profile.timestamps ? `, ${q(profile.timestamps.updatedAt.name)} = ${p('now')}` : '';
  const touchParam = (now: Date): Record<string, SqlParam> =>
    profile.timestamps ? { now: param(profile.timestamps.updatedAt, now) } : {};
  const hash = q(profile.passwordHash.name);
  const updatePasswordSql = `UPDATE ${table} SET ${hash} = ${p('hash')}${touch} WHERE ${byId}`;
  const casPasswordSql = `${updatePasswordSql} AND ${dialect.equalsExactly(hash, p('expectedHash'))}`;
  const setVerifiedSql = `UPDATE ${table} SET ${q(profile.emailVerified.name)} = ${p('verified')}${touch} WHERE ${byId}`;
  const changeEmailSql =
    `UPDATE ${table} SET ${q(profile.email.column.name)} = ${p('email')}, ` +
    `${q(profile.emailVerified.name)} = ${p('verified')}${touch} WHERE ${byId}`;
  const deleteSql = `DELETE FROM ${table} WHERE ${byId}`;

  return {
    findByEmail: (email) => ({ sql: findByEmailSql, params: { email: param(profile.email.column, email) } }),
    findByUsername: (username) =>
      findByUsernameSql && profile.username
        ? { sql: findByUsernameSql, params: { username: param(profile.username.column, username) } }
        : null,
    findById: (userId) => ({ sql: findByIdSql, params: idParam(userId) }),
    exists: (userId) => ({ sql: existsSql, params: idParam(userId) }),
    countUsers: () => ({ sql: countSql, params: {} }),
    newUserId: () => {
      const generation = profile.id.idGeneration;
      switch (generation) {
        case 'uuid':
          return randomUUID();
        default: {
          const unreachable: never = generation;
          throw new Error(`unsupported id generation ${String(unreachable)}`);
        }
      }
    },
    insert: (userId, user, now) => [
      {
        sql: insertSql,
        params: Object.fromEntries(
          insertColumns.map((c, i) => [insertParamName(i), param(c.column, c.value(userId, user, now))]),
        ),
      },
    ],
    updatePassword: (userId, password, expected, now) => [
      expected === undefined
        ? {
            sql: updatePasswordSql,
            params: { ...idParam(userId), hash: param(profile.passwordHash, password.hash), ...touchParam(now) },
          }
        : {
            sql: casPasswordSql,
            params: {
              ...idParam(userId),
              hash: param(profile.passwordHash, password.hash),
              expectedHash: param(profile.passwordHash, expected.hash),
              ...touchParam(now),
            },
          },
    ],
    setEmailVerified: (userId, verified, now) => [
      {
        sql: setVerifiedSql,
        params: { ...idParam(userId), verified: param(profile.emailVerified, verified), ...touchParam(now) },
      },
    ],
    changeEmail: (userId, email, verified, now) => [
      {
        sql: changeEmailSql,
        params: {
          ...idParam(userId),
          email: param(profile.email.column, email),
          verified: param(profile.emailVerified, verified),
          ...touchParam(now),
        },
      },
    ],
    deleteUser: (userId) => [{ sql: deleteSql, params: idParam(userId) }],
  };
}
