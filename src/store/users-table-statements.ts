import type { WriteCondition } from '../domain/identity-repository';
import type { LockoutPolicy, SignInOutcome } from '../domain/lockout-policy';
import type { NewUser, StoredPassword } from '../domain/user';
import { foldCase } from './case-fold';
import { usersTableBookkeeping } from './legacy-lockout-columns';
import { migrationMarkGuard } from './migration-mark-guard';
import { newStamp } from './new-stamp';
import {
  type CaseInsensitiveMatch,
  type Column,
  type ColumnType,
  PROFILE_FIELDS,
  type Stamp,
  type UsersTableProfile,
} from './schema-profile';
import type { SqlDialect, SqlValue } from './sql-dialect';
import { type DecodedUser, decodeUserRow, lowerCaseGuid, type Row, USER_ROW, writeMetadata } from './user-row';
import { mapsPasswordDetails, passwordColumnValues, readUsersTablePassword } from './users-table-password';

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
 * The statements of one profile in one dialect, and how to read their rows. Reads return rows with the
 * USER_ROW aliases, to be decoded with `decodeRow`. Writes are lists run in order in one transaction;
 * the affected-row count of the *last* statement is the outcome, and when it is 0 the transaction is
 * rolled back (nothing of a refused write stays):
 * - `insert`: 0 → the email is taken (`already_exists`); a unique-key violation means the same.
 * - `updatePassword`, `setEmailVerified`: 0 → the user does not exist, or (compare-and-set) the hash
 *   moved on; `exists` tells which.
 * - `changeEmail`: 0 → `already_exists` when `exists` finds the user (another user holds the email),
 *   `not_found` otherwise.
 * - `deleteUser`: run after `exists` found the user, in the same transaction (a profile spanning
 *   tables cannot make its last statement alone say whether the user was visible).
 * With a WriteCondition `unlessMigrated`, the last statement of these four also requires that the
 * user has no migration mark (migration-mark-guard.ts): 0 can then also mean the user is marked.
 * User ids that cannot be a key of the profile (not a GUID for a GUID key) are sent as NULL: they
 * match nothing and read as not found.
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
  /**
   * Writes the hash, and the salt and format where the profile maps columns for them. With `expected`,
   * only where the stored hash (and salt, where mapped) still equal it exactly (a rehash at login).
   */
  updatePassword(
    userId: string,
    password: StoredPassword,
    expected: StoredPassword | undefined,
    now: Date,
    condition?: WriteCondition,
  ): readonly BoundStatement[];
  setEmailVerified(userId: string, verified: boolean, now: Date, condition?: WriteCondition): readonly BoundStatement[];
  changeEmail(
    userId: string,
    email: string,
    verified: boolean,
    now: Date,
    condition?: WriteCondition,
  ): readonly BoundStatement[];
  deleteUser(userId: string, condition?: WriteCondition): readonly BoundStatement[];
  /**
   * LEGACY_LOCKOUT's bookkeeping of one Authenticate answer (IdentityRepository.recordSignIn): the
   * count is computed by the last statement itself, so concurrent failures all count; it changes a row
   * only for a user the schema lets sign in, and 0 rows otherwise (the write is then rolled back).
   * `userId` null binds a NULL key: the same statements, matching no row. Null when the profile keeps
   * no bookkeeping (legacy-lockout-columns.ts).
   */
  recordSignIn(
    userId: string | null,
    outcome: SignInOutcome,
    policy: LockoutPolicy,
    now: Date,
  ): readonly BoundStatement[] | null;
  /** Decodes a row of findByEmail / findByUsername / findById; `now` judges lockouts. */
  decodeRow(row: Row, now: Date): DecodedUser;
  /**
   * Fields of a new user this profile has no column for (`user_metadata`, `app_metadata`): insert does
   * not store them, and the repository logs their names (never their content).
   */
  droppedFields(user: NewUser): readonly string[];
}

/** The value of a key column: GUID keys travel lower-case, and a non-GUID as NULL (matching nothing). */
export function keyValue(column: Column, value: string): string | null {
  return column.type.kind === 'guid' ? lowerCaseGuid(value) : value;
}

/** Builds the statements of a one-table profile for a dialect. SQL text is built once, here. */
export function usersTableStatements(profile: UsersTableProfile, dialect: SqlDialect): UserStatements {
  const q = (name: string) => dialect.quoteIdentifier(name);
  const p = (name: string) => dialect.param(name);
  const table = q(profile.table);
  const marks = migrationMarkGuard(dialect);
  const guardTable = dialect.uniquenessCheckHint ? `${table} ${dialect.uniquenessCheckHint}` : table;
  const id = q(profile.id.column.name);
  const param = (column: Column, value: SqlValue): SqlParam => ({ value, type: column.type });
  const username = profile.username;
  const saltColumn = profile.passwordSalt;
  const formatColumn = profile.passwordFormat?.kind === 'column' ? profile.passwordFormat.column : undefined;

  /** The column a lookup compares, and the value it compares with. */
  const lookupColumn = (lookup: { column: Column; match: CaseInsensitiveMatch }): Column =>
    lookup.match.kind === 'normalized' ? lookup.match.column : lookup.column;
  const lookupValue = (match: CaseInsensitiveMatch, value: string): string => {
    const kind = match.kind;
    switch (kind) {
      case 'collation':
        return value;
      case 'normalized':
        return foldCase(value, match.fold);
      default: {
        const unreachable: never = kind;
        throw new Error(`unsupported match ${String(unreachable)}`);
      }
    }
  };
  const matches = (lookup: { column: Column; match: CaseInsensitiveMatch }, paramName: string): string => {
    const kind = lookup.match.kind;
    switch (kind) {
      case 'collation':
        return dialect.equalsIgnoreCase(q(lookup.column.name), p(paramName));
      case 'normalized':
        // Both sides are folded already; the column's own collation cannot make them differ.
        return `${q(lookup.match.column.name)} = ${p(paramName)}`;
      default: {
        const unreachable: never = kind;
        throw new Error(`unsupported match ${String(unreachable)}`);
      }
    }
  };
  const lookupParam = (lookup: { column: Column; match: CaseInsensitiveMatch }, value: string): SqlParam =>
    param(lookupColumn(lookup), lookupValue(lookup.match, value));

  // "The user name is the email": both normalized with one fold compare their folded columns; otherwise
  // the displayed columns are compared ignoring case.
  const usernameIsEmail = (() => {
    if (!username?.emailByDefault) return null;
    const e = profile.email.match;
    const u = username.match;
    if (e.kind === 'normalized' && u.kind === 'normalized' && e.fold === u.fold) {
      return `${q(u.column.name)} = ${q(e.column.name)}`;
    }
    return dialect.equalsIgnoreCase(q(username.column.name), q(profile.email.column.name));
  })();

  const select: string[] = [
    `${id} AS ${q(USER_ROW.userId)}`,
    `${q(profile.email.column.name)} AS ${q(USER_ROW.email)}`,
    `${q(profile.emailVerified.name)} AS ${q(USER_ROW.emailVerified)}`,
    `${q(profile.passwordHash.name)} AS ${q(USER_ROW.passwordHash)}`,
  ];
  if (saltColumn) select.push(`${q(saltColumn.name)} AS ${q(USER_ROW.passwordSalt)}`);
  if (formatColumn) select.push(`${q(formatColumn.name)} AS ${q(USER_ROW.passwordFormat)}`);
  if (username) {
    const column = q(username.column.name);
    select.push(
      usernameIsEmail
        ? `CASE WHEN ${usernameIsEmail} THEN NULL ELSE ${column} END AS ${q(USER_ROW.username)}`
        : `${column} AS ${q(USER_ROW.username)}`,
    );
  }
  for (const field of PROFILE_FIELDS) {
    const column = profile.profile[field];
    if (column) select.push(`${q(column.name)} AS ${q(USER_ROW[field])}`);
  }
  if (profile.userMetadata) select.push(`${q(profile.userMetadata.name)} AS ${q(USER_ROW.userMetadata)}`);
  if (profile.appMetadata) select.push(`${q(profile.appMetadata.name)} AS ${q(USER_ROW.appMetadata)}`);
  for (const gate of ['approved', 'lockedOut', 'lockoutEnabled', 'lockoutEnd'] as const) {
    const column = profile.signIn[gate];
    if (column) select.push(`${q(column.name)} AS ${q(USER_ROW[gate])}`);
  }
  const selectFrom = `SELECT ${select.join(', ')} FROM ${table}`;

  const byId = `${id} = ${p('userId')}`;
  const idParam = (userId: string) => ({ userId: param(profile.id.column, keyValue(profile.id.column, userId)) });

  // A folded lookup column is not unique in Identity's schema: ordering makes the pick deterministic.
  const orderForDuplicates = (match: CaseInsensitiveMatch) => (match.kind === 'normalized' ? ` ORDER BY ${id}` : '');
  const findByEmailSql = `${selectFrom} WHERE ${matches(profile.email, 'email')}${orderForDuplicates(profile.email.match)}`;
  const findByUsernameSql = username
    ? `${selectFrom} WHERE ${matches(username, 'username')}${orderForDuplicates(username.match)}`
    : null;
  const findByIdSql = `${selectFrom} WHERE ${byId}`;
  const existsSql = `SELECT 1 AS ${q('found')} FROM ${table} WHERE ${byId}`;
  const countSql = `SELECT COUNT(*) AS ${q('count')} FROM ${table}`;
  // Another row holding the email, for tables without a unique index on it (Identity, Membership).
  const emailTaken = (exceptSelf: boolean) =>
    `NOT EXISTS (SELECT 1 FROM ${guardTable} WHERE ${matches(profile.email, 'takenEmail')}` +
    `${exceptSelf ? ` AND ${id} <> ${p('userId')}` : ''})`;
  const takenParam = (email: string) => ({ takenEmail: lookupParam(profile.email, email) });

  const stampsFor = (refresh: 'credentials' | 'every-change'): readonly Stamp[] =>
    profile.stamps.filter((s) => refresh === 'credentials' || s.refresh === 'every-change');
  const stampSet = (stamps: readonly Stamp[]) =>
    stamps.map((s, i) => `, ${q(s.column.name)} = ${p(`stamp${i}`)}`).join('');
  const stampParams = (stamps: readonly Stamp[]): Record<string, SqlParam> =>
    Object.fromEntries(stamps.map((s, i) => [`stamp${i}`, param(s.column, newStamp(s.generation))]));
  const everyChange = stampsFor('every-change');
  const credentials = stampsFor('credentials');

  // Columns set on insert, in order, with where each value comes from.
  type Source = (userId: string, user: NewUser, now: Date) => SqlValue;
  const insertColumns: { column: Column; value: Source }[] = [
    { column: profile.id.column, value: (userId) => keyValue(profile.id.column, userId) },
    { column: profile.email.column, value: (_, user) => user.email },
    { column: profile.passwordHash, value: (_, user) => user.password.hash },
    { column: profile.emailVerified, value: (_, user) => user.emailVerified },
  ];
  if (saltColumn) insertColumns.push({ column: saltColumn, value: (_, u) => passwordColumnValues(u.password).salt });
  if (formatColumn) {
    insertColumns.push({ column: formatColumn, value: (_, u) => passwordColumnValues(u.password).format });
  }
  if (profile.email.match.kind === 'normalized') {
    const { column, fold } = profile.email.match;
    insertColumns.push({ column, value: (_, user) => foldCase(user.email, fold) });
  }
  if (username) {
    const nameOf = (user: NewUser) => user.username ?? (username.emailByDefault ? user.email : null);
    insertColumns.push({ column: username.column, value: (_, u) => nameOf(u) });
    if (username.match.kind === 'normalized') {
      const { column, fold } = username.match;
      insertColumns.push({
        column,
        value: (_, u) => {
          const name = nameOf(u);
          return name === null ? null : foldCase(name, fold);
        },
      });
    }
  }
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
  for (const stamp of profile.stamps) {
    insertColumns.push({ column: stamp.column, value: () => newStamp(stamp.generation) });
  }
  for (const { column, value } of profile.insertDefaults) insertColumns.push({ column, value: () => value });
  const insertParamName = (i: number) => `v${i}`;
  const insertSql =
    `INSERT INTO ${table} (${insertColumns.map((c) => q(c.column.name)).join(', ')}) ` +
    `SELECT ${insertColumns.map((_, i) => p(insertParamName(i))).join(', ')} WHERE ${emailTaken(false)}`;

  // Every change also moves UpdatedAt where the table keeps it.
  const touch = profile.timestamps ? `, ${q(profile.timestamps.updatedAt.name)} = ${p('now')}` : '';
  const touchParam = (now: Date): Record<string, SqlParam> =>
    profile.timestamps ? { now: param(profile.timestamps.updatedAt, now) } : {};
  const hash = q(profile.passwordHash.name);
  // Salt and format (where mapped) always move with the hash: a scrypt hash leaves no legacy salt behind.
  const passwordSets = [
    `${hash} = ${p('hash')}`,
    ...(saltColumn ? [`${q(saltColumn.name)} = ${p('salt')}`] : []),
    ...(formatColumn ? [`${q(formatColumn.name)} = ${p('format')}`] : []),
  ].join(', ');
  const passwordParams = (password: StoredPassword): Record<string, SqlParam> => {
    const { salt, format } = passwordColumnValues(password);
    return {
      hash: param(profile.passwordHash, password.hash),
      ...(saltColumn ? { salt: param(saltColumn, salt) } : {}),
      ...(formatColumn ? { format: param(formatColumn, format) } : {}),
    };
  };
  const updatePasswordSql = marks.write(
    `UPDATE ${table} SET ${passwordSets}${stampSet(credentials)}${touch} WHERE ${byId}`,
  );
  // The compare-and-set compares what the hash was verified with: the hash, and the salt where mapped
  // (NULL and empty both read as no salt, so both match an expected absent salt).
  const saltUnchanged = saltColumn
    ? ` AND ${dialect.equalsExactly(`COALESCE(${q(saltColumn.name)}, '')`, p('expectedSalt'))}`
    : '';
  const expectedSaltParam = (expected: StoredPassword): Record<string, SqlParam> =>
    saltColumn ? { expectedSalt: param(saltColumn, expected.salt ?? '') } : {};
  // A rehash at login is not a change of credentials: only the every-change stamps move.
  const casPasswordSql = marks.write(
    `UPDATE ${table} SET ${passwordSets}${stampSet(everyChange)}${touch} ` +
      `WHERE ${byId} AND ${dialect.equalsExactly(hash, p('expectedHash'))}${saltUnchanged}`,
  );
  const setVerifiedSql = marks.write(
    `UPDATE ${table} SET ${q(profile.emailVerified.name)} = ${p('verified')}${stampSet(everyChange)}${touch} ` +
      `WHERE ${byId}`,
  );

  const emailSets = [`${q(profile.email.column.name)} = ${p('email')}`];
  if (profile.email.match.kind === 'normalized') {
    emailSets.push(`${q(profile.email.match.column.name)} = ${p('normalizedEmail')}`);
  }
  if (username && usernameIsEmail) {
    // SET expressions see the row as it was, so the test reads the old email.
    const follow = (column: Column, value: string) =>
      `${q(column.name)} = CASE WHEN ${usernameIsEmail} THEN ${p(value)} ELSE ${q(column.name)} END`;
    emailSets.push(follow(username.column, 'email'));
    if (username.match.kind === 'normalized') emailSets.push(follow(username.match.column, 'normalizedUsername'));
  }
  emailSets.push(`${q(profile.emailVerified.name)} = ${p('verified')}`);
  const changeEmailSql = marks.write(
    `UPDATE ${table} SET ${emailSets.join(', ')}${stampSet(credentials)}${touch} ` +
      `WHERE ${byId} AND ${emailTaken(true)}`,
  );
  const changeEmailParams = (email: string): Record<string, SqlParam> => {
    const params: Record<string, SqlParam> = { email: param(profile.email.column, email) };
    if (profile.email.match.kind === 'normalized') {
      params.normalizedEmail = param(profile.email.match.column, foldCase(email, profile.email.match.fold));
    }
    if (username && usernameIsEmail && username.match.kind === 'normalized') {
      params.normalizedUsername = param(username.match.column, foldCase(email, username.match.fold));
    }
    return params;
  };
  const deleteSql = marks.write(`DELETE FROM ${table} WHERE ${byId}`);
  const signIns = signInStatements(profile, dialect, {
    table,
    byId,
    keepsChanges: `${stampSet(everyChange)}${touch}`,
    keepsChangesParams: (now) => ({ ...stampParams(everyChange), ...touchParam(now) }),
  });

  return {
    findByEmail: (email) => ({ sql: findByEmailSql, params: { email: lookupParam(profile.email, email) } }),
    findByUsername: (name) =>
      findByUsernameSql && username
        ? { sql: findByUsernameSql, params: { username: lookupParam(username, name) } }
        : null,
    findById: (userId) => ({ sql: findByIdSql, params: idParam(userId) }),
    exists: (userId) => ({ sql: existsSql, params: idParam(userId) }),
    countUsers: () => ({ sql: countSql, params: {} }),
    newUserId: () => {
      const generation = profile.id.idGeneration;
      switch (generation) {
        case 'uuid':
          return newStamp('uuid');
        default: {
          const unreachable: never = generation;
          throw new Error(`unsupported id generation ${String(unreachable)}`);
        }
      }
    },
    insert: (userId, user, now) => [
      {
        sql: insertSql,
        params: {
          ...Object.fromEntries(
            insertColumns.map((c, i) => [insertParamName(i), param(c.column, c.value(userId, user, now))]),
          ),
          ...takenParam(user.email),
        },
      },
    ],
    updatePassword: (userId, password, expected, now, condition) => [
      expected === undefined
        ? marks.bind(
            updatePasswordSql,
            {
              ...idParam(userId),
              ...passwordParams(password),
              ...stampParams(credentials),
              ...touchParam(now),
            },
            userId,
            condition,
          )
        : marks.bind(
            casPasswordSql,
            {
              ...idParam(userId),
              ...passwordParams(password),
              expectedHash: param(profile.passwordHash, expected.hash),
              ...expectedSaltParam(expected),
              ...stampParams(everyChange),
              ...touchParam(now),
            },
            userId,
            condition,
          ),
    ],
    setEmailVerified: (userId, verified, now, condition) => [
      marks.bind(
        setVerifiedSql,
        {
          ...idParam(userId),
          verified: param(profile.emailVerified, verified),
          ...stampParams(everyChange),
          ...touchParam(now),
        },
        userId,
        condition,
      ),
    ],
    changeEmail: (userId, email, verified, now, condition) => [
      marks.bind(
        changeEmailSql,
        {
          ...idParam(userId),
          ...changeEmailParams(email),
          verified: param(profile.emailVerified, verified),
          ...takenParam(email),
          ...stampParams(credentials),
          ...touchParam(now),
        },
        userId,
        condition,
      ),
    ],
    deleteUser: (userId, condition) => [marks.bind(deleteSql, idParam(userId), userId, condition)],
    recordSignIn: (userId, outcome, policy, now) =>
      signIns && [
        signIns(
          outcome,
          policy,
          now,
          param(profile.id.column, userId === null ? null : keyValue(profile.id.column, userId)),
        ),
      ],
    decodeRow: (row, now) => {
      const options = profile.id.column.type.kind === 'guid' ? guidIdOption(row) : {};
      const password = mapsPasswordDetails(profile) ? { password: readUsersTablePassword(profile, row) } : {};
      return decodeUserRow(row, { now, ...options, ...password });
    },
    droppedFields: (user) => [
      ...(user.userMetadata !== undefined && !profile.userMetadata ? ['user_metadata'] : []),
      ...(user.appMetadata !== undefined && !profile.appMetadata ? ['app_metadata'] : []),
    ],
  };
}

/** GUID ids are reported lower-case (SQL Server returns them upper-case; .NET writes lower). */
function guidIdOption(row: Row): { userId?: string } {
  const value = row[USER_ROW.userId];
  return typeof value === 'string' ? { userId: value.toLowerCase() } : {};
}

/**
 * LEGACY_LOCKOUT on a one-table profile, as ASP.NET Identity's SignInManager (lockoutOnFailure) and
 * UserManager do it, or Membership's stored procedure where the profile keeps a lockout flag:
 * - failure: count + 1 (restarting at 1 when the previous failure is older than the attempt window,
 *   where the profile keeps one, which moves to now); at `maxFailedAttempts`, a timed lockout sets
 *   LockoutEnd = now + lockoutMs and the count back to 0 (AccessFailedAsync), a flag is set and the
 *   count kept (aspnet_Membership_UpdateUserInfo), with the last-lockout date where mapped;
 * - success: the count back to 0 (with a last-login column: always, and it moves to now; without one:
 *   only when it is not 0, as ResetAccessFailedCountAsync writes nothing then).
 * Only a user the schema lets sign in is changed (approved, not flagged, no LockoutEnd in force):
 * Identity's PreSignInCheck refuses a locked-out user before its password is checked, so nothing is
 * counted for one. Every write also moves the every-change stamps (Identity's UpdateAsync renews
 * ConcurrencyStamp) and UpdatedAt, as the profile's other writes do.
 */
function signInStatements(
  profile: UsersTableProfile,
  dialect: SqlDialect,
  shape: {
    table: string;
    byId: string;
    keepsChanges: string;
    keepsChangesParams: (now: Date) => Record<string, SqlParam>;
  },
): ((outcome: SignInOutcome, policy: LockoutPolicy, now: Date, userId: SqlParam) => BoundStatement) | null {
  const kept = usersTableBookkeeping(profile);
  if (!kept) return null;
  const q = (name: string) => dialect.quoteIdentifier(name);
  const p = (name: string) => dialect.param(name);
  const { approved, lockedOut, lockoutEnabled, lockoutEnd } = profile.signIn;

  // The sign-in gates of decodeUserRow, in SQL: NULL reads as false, a LockoutEnd that is not a date as in force.
  const gates: string[] = [];
  if (approved) gates.push(`COALESCE(${q(approved.name)}, 0) = 1`);
  if (lockedOut) gates.push(`COALESCE(${q(lockedOut.name)}, 0) = 0`);
  if (lockoutEnd) {
    const end = q(lockoutEnd.name);
    const notInForce = `${end} IS NULL OR ${dialect.instantBefore(end, p('now'))}`;
    gates.push(lockoutEnabled ? `(COALESCE(${q(lockoutEnabled.name)}, 0) = 0 OR ${notInForce})` : `(${notInForce})`);
  }
  const where = `WHERE ${shape.byId}${gates.map((g) => ` AND ${g}`).join('')}`;

  const count = q(kept.count.name);
  const current = `COALESCE(${count}, 0)`;
  const window = kept.window && q(kept.window.name);
  const next = window
    ? `(CASE WHEN ${window} IS NULL OR ${dialect.instantBefore(window, p('windowOpens'))} THEN 1 ELSE ${current} + 1 END)`
    : `(${current} + 1)`;
  const reached = `${next} >= ${p('maxAttempts')}`;
  const lock = q(kept.lock.column.name);
  const failureSets =
    kept.lock.kind === 'until'
      ? [
          `${count} = CASE WHEN ${reached} THEN 0 ELSE ${next} END`,
          `${lock} = CASE WHEN ${reached} THEN ${p('lockoutEnd')} ELSE ${lock} END`,
        ]
      : [`${count} = ${next}`, `${lock} = CASE WHEN ${reached} THEN 1 ELSE ${lock} END`];
  if (window) failureSets.push(`${window} = ${p('now')}`);
  if (kept.lastLockout) {
    const last = q(kept.lastLockout.name);
    failureSets.push(`${last} = CASE WHEN ${reached} THEN ${p('now')} ELSE ${last} END`);
  }
  const failureSql = `UPDATE ${shape.table} SET ${failureSets.join(', ')}${shape.keepsChanges} ${where}`;

  const successSets = [`${count} = 0`];
  if (kept.lastLogin) successSets.push(`${q(kept.lastLogin.name)} = ${p('now')}`);
  const successSql =
    `UPDATE ${shape.table} SET ${successSets.join(', ')}${shape.keepsChanges} ${where}` +
    (kept.lastLogin ? '' : ` AND ${current} <> 0`);

  const timestamp = { kind: 'timestamp' } as const;
  return (outcome, policy, now, userId) => {
    const sql = outcome === 'failure' ? failureSql : successSql;
    const params: Record<string, SqlParam> = {
      userId,
      now: { value: now, type: timestamp },
      maxAttempts: { value: policy.maxFailedAttempts, type: kept.count.type },
      lockoutEnd: { value: new Date(now.getTime() + policy.lockoutMs), type: kept.lock.column.type },
      windowOpens: { value: new Date(now.getTime() - policy.attemptWindowMs), type: timestamp },
      ...shape.keepsChangesParams(now),
    };
    return { sql, params: usedParams(sql, params) };
  };
}

/** The parameters a statement names (SQLite refuses values for parameters a statement does not have). */
export function usedParams(sql: string, params: Record<string, SqlParam>): Record<string, SqlParam> {
  return Object.fromEntries(Object.entries(params).filter(([name]) => new RegExp(`@${name}\\b`).test(sql)));
}
