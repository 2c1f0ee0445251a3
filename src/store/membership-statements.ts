import type { LockoutPolicy, SignInOutcome } from '../domain/lockout-policy';
import type { NewUser, StoredPassword } from '../domain/user';
import { foldCase } from './case-fold';
import { migrationMarkGuard } from './migration-mark-guard';
import { newStamp } from './new-stamp';
import {
  MEMBERSHIP_COLUMNS as C,
  MEMBERSHIP_NEVER,
  MEMBERSHIP_PASSWORD_FORMAT,
} from './profiles/aspnet-membership-profile';
import type { Column, MembershipProfile } from './schema-profile';
import type { SqlDialect, SqlValue } from './sql-dialect';
import { decodeUserRow, lowerCaseGuid, type Row, toText, USER_ROW } from './user-row';
import { type BoundStatement, type SqlParam, type UserStatements, usedParams } from './users-table-statements';

/**
 * The statements of the ASP.NET Membership profile, in the shape and with the write semantics of
 * UserStatements (users-table-statements.ts). What they do, as SqlMembershipProvider would:
 * - Every statement is confined to the application named by APPLICATION_NAME, compared by
 *   `LoweredApplicationName`; users of other applications are invisible and untouchable.
 * - Lookups compare `LoweredEmail` / `LoweredUserName` with the value lower-cased (case-fold.ts).
 *   `LoweredEmail` is not unique in Membership's schema (requiresUniqueEmail is provider
 *   configuration), so an insert or email change checks it with a NOT EXISTS guard; with duplicates
 *   already present, the oldest account (CreateDate, then UserId) is the one found.
 * - Membership has no user without a UserName: a new user without one gets the email (the usual
 *   Membership convention), and a user name equal to the email is reported as none; a change of
 *   email carries such a user name along.
 * - `email_verified` lives in the adapter's side table (IsApproved is a sign-in gate; using it as the
 *   verified flag would stop every new sign-up from logging in until verification).
 * - Insert writes aspnet_Applications (when the application is new, as aspnet_Membership_CreateUser
 *   does), aspnet_Users, the side row and aspnet_Membership, with Membership's defaults (approved, not
 *   locked out, "never" 1754-01-01 for LastLockoutDate and the attempt windows). Dates are UTC.
 * - Delete removes the side row, aspnet_Membership and aspnet_Users. Rows of Membership's other
 *   features (aspnet_UsersInRoles, aspnet_Profile …) reference aspnet_Users: where they exist, the
 *   delete fails on their foreign key and changes nothing.
 * - A password change writes PasswordFormat 1, an empty PasswordSalt and the new hash (scrypt, 128
 *   characters: it fits Password's NVARCHAR(128)), and LastPasswordChangedDate; a rehash at login does
 *   not move LastPasswordChangedDate. The .NET application cannot verify such a row (it computes its
 *   own digest and finds no match); see the README's profile section.
 */
export function membershipStatements(profile: MembershipProfile, dialect: SqlDialect): UserStatements {
  const q = (name: string) => dialect.quoteIdentifier(name);
  const p = (name: string) => dialect.param(name);
  const col = (alias: string, column: Column) => `${q(alias)}.${q(column.name)}`;
  const param = (column: Column, value: SqlValue): SqlParam => ({ value, type: column.type });
  const hint = dialect.uniquenessCheckHint ? ` ${dialect.uniquenessCheckHint}` : '';
  const marks = migrationMarkGuard(dialect);

  const apps = q(profile.tables.applications);
  const users = q(profile.tables.users);
  const mem = q(profile.tables.membership);
  const ver = q(profile.tables.emailVerified);
  const A = C.applications;
  const U = C.users;
  const M = C.membership;
  const V = C.emailVerified;

  const application = foldCase(profile.applicationName, 'lower');
  const appParams = { application: param(A.loweredApplicationName, application) };
  const appIds = `SELECT ${q(A.applicationId.name)} FROM ${apps} WHERE ${q(A.loweredApplicationName.name)} = ${p('application')}`;
  const inApp = (column: Column) => `${q(column.name)} IN (${appIds})`;
  const idParams = (userId: string) => ({ ...appParams, userId: param(M.userId, lowerCaseGuid(userId)) });
  /** The user's membership row in this application, as a subquery of ids. */
  const visibleId = `SELECT ${q(M.userId.name)} FROM ${mem} WHERE ${q(M.userId.name)} = ${p('userId')} AND ${inApp(M.applicationId)}`;

  const select = [
    `${col('m', M.userId)} AS ${q(USER_ROW.userId)}`,
    `${col('m', M.email)} AS ${q(USER_ROW.email)}`,
    `${col('v', V.emailVerified)} AS ${q(USER_ROW.emailVerified)}`,
    `${col('m', M.password)} AS ${q(USER_ROW.passwordHash)}`,
    `${col('m', M.passwordSalt)} AS ${q(USER_ROW.passwordSalt)}`,
    `${col('m', M.passwordFormat)} AS ${q(USER_ROW.passwordFormat)}`,
    `CASE WHEN ${col('u', U.loweredUserName)} = ${col('m', M.loweredEmail)} THEN NULL ELSE ${col('u', U.userName)} END AS ${q(USER_ROW.username)}`,
    `${col('m', M.isApproved)} AS ${q(USER_ROW.approved)}`,
    `${col('m', M.isLockedOut)} AS ${q(USER_ROW.lockedOut)}`,
  ];
  const from =
    `FROM ${mem} AS ${q('m')} ` +
    `INNER JOIN ${users} AS ${q('u')} ON ${col('u', U.userId)} = ${col('m', M.userId)} ` +
    `INNER JOIN ${apps} AS ${q('a')} ON ${col('a', A.applicationId)} = ${col('m', M.applicationId)} ` +
    `LEFT JOIN ${ver} AS ${q('v')} ON ${col('v', V.userId)} = ${col('m', M.userId)} ` +
    `WHERE ${col('a', A.loweredApplicationName)} = ${p('application')}`;
  const selectFrom = `SELECT ${select.join(', ')} ${from}`;

  const findByEmailSql =
    `${selectFrom} AND ${col('m', M.loweredEmail)} = ${p('email')} ` +
    `ORDER BY ${col('m', M.createDate)}, ${col('m', M.userId)}`;
  const findByUsernameSql = `${selectFrom} AND ${col('u', U.loweredUserName)} = ${p('username')}`;
  const findByIdSql = `${selectFrom} AND ${col('m', M.userId)} = ${p('userId')}`;
  const appJoin =
    `FROM ${mem} AS ${q('m')} INNER JOIN ${apps} AS ${q('a')} ON ${col('a', A.applicationId)} = ${col('m', M.applicationId)} ` +
    `WHERE ${col('a', A.loweredApplicationName)} = ${p('application')}`;
  const existsSql = `SELECT 1 AS ${q('found')} ${appJoin} AND ${col('m', M.userId)} = ${p('userId')}`;
  const countSql = `SELECT COUNT(*) AS ${q('count')} ${appJoin}`;

  // Insert, in the order foreign keys need; the guarded aspnet_Users insert decides, and the last
  // statement (aspnet_Membership, selecting that row) reports it.
  const insertApplicationSql =
    `INSERT INTO ${apps} (${q(A.applicationName.name)}, ${q(A.loweredApplicationName.name)}, ${q(A.applicationId.name)}) ` +
    `SELECT ${p('applicationName')}, ${p('application')}, ${p('applicationId')} ` +
    `WHERE NOT EXISTS (SELECT 1 FROM ${apps} WHERE ${q(A.loweredApplicationName.name)} = ${p('application')})`;
  const insertUserSql =
    `INSERT INTO ${users} (${[U.applicationId, U.userId, U.userName, U.loweredUserName, U.isAnonymous, U.lastActivityDate].map((c) => q(c.name)).join(', ')}) ` +
    `SELECT ${col('a', A.applicationId)}, ${p('userId')}, ${p('userName')}, ${p('loweredUserName')}, ${p('isAnonymous')}, ${p('now')} ` +
    `FROM ${apps} AS ${q('a')} WHERE ${col('a', A.loweredApplicationName)} = ${p('application')} ` +
    `AND NOT EXISTS (SELECT 1 FROM ${mem} AS ${q('t')}${hint} WHERE ${col('t', M.applicationId)} = ${col('a', A.applicationId)} ` +
    `AND ${col('t', M.loweredEmail)} = ${p('loweredEmail')})`;
  const insertVerifiedSql =
    `INSERT INTO ${ver} (${q(V.userId.name)}, ${q(V.emailVerified.name)}) ` +
    `SELECT ${col('u', U.userId)}, ${p('verified')} FROM ${users} AS ${q('u')} WHERE ${col('u', U.userId)} = ${p('userId')}`;
  const membershipValues: [Column, string][] = [
    [M.password, 'password'],
    [M.passwordFormat, 'passwordFormat'],
    [M.passwordSalt, 'passwordSalt'],
    [M.email, 'email'],
    [M.loweredEmail, 'loweredEmail'],
    [M.isApproved, 'approved'],
    [M.isLockedOut, 'lockedOut'],
    [M.createDate, 'now'],
    [M.lastLoginDate, 'now'],
    [M.lastPasswordChangedDate, 'now'],
    [M.lastLockoutDate, 'never'],
    [M.failedPasswordAttemptCount, 'zero'],
    [M.failedPasswordAttemptWindowStart, 'never'],
    [M.failedPasswordAnswerAttemptCount, 'zero'],
    [M.failedPasswordAnswerAttemptWindowStart, 'never'],
  ];
  const insertMembershipSql =
    `INSERT INTO ${mem} (${[M.applicationId, M.userId, ...membershipValues.map(([c]) => c)].map((c) => q(c.name)).join(', ')}) ` +
    `SELECT ${col('u', U.applicationId)}, ${col('u', U.userId)}, ${membershipValues.map(([, name]) => p(name)).join(', ')} ` +
    `FROM ${users} AS ${q('u')} WHERE ${col('u', U.userId)} = ${p('userId')}`;

  const passwordSets = `${q(M.password.name)} = ${p('password')}, ${q(M.passwordFormat.name)} = ${p('passwordFormat')}, ${q(M.passwordSalt.name)} = ${p('passwordSalt')}`;
  const byVisibleId = `${q(M.userId.name)} = ${p('userId')} AND ${inApp(M.applicationId)}`;
  const updatePasswordSql = marks.write(
    `UPDATE ${mem} SET ${passwordSets}, ${q(M.lastPasswordChangedDate.name)} = ${p('now')} WHERE ${byVisibleId}`,
  );
  const casPasswordSql = marks.write(
    `UPDATE ${mem} SET ${passwordSets} WHERE ${byVisibleId} AND ${dialect.equalsExactly(q(M.password.name), p('expectedHash'))}`,
  );

  const deleteVerifiedSql = `DELETE FROM ${ver} WHERE ${q(V.userId.name)} IN (${visibleId})`;
  const setVerifiedSql = marks.write(
    `INSERT INTO ${ver} (${q(V.userId.name)}, ${q(V.emailVerified.name)}) ` +
      `SELECT ${q(M.userId.name)}, ${p('verified')} FROM ${mem} WHERE ${byVisibleId}`,
  );
  const followEmailSql =
    `UPDATE ${users} SET ${q(U.userName.name)} = ${p('email')}, ${q(U.loweredUserName.name)} = ${p('loweredEmail')} ` +
    `WHERE ${q(U.userId.name)} = ${p('userId')} AND ${inApp(U.applicationId)} ` +
    `AND ${q(U.loweredUserName.name)} IN (SELECT ${q(M.loweredEmail.name)} FROM ${mem} WHERE ${q(M.userId.name)} = ${p('userId')})`;
  const changeEmailSql = marks.write(
    `UPDATE ${mem} SET ${q(M.email.name)} = ${p('email')}, ${q(M.loweredEmail.name)} = ${p('loweredEmail')} ` +
      `WHERE ${byVisibleId} AND NOT EXISTS (SELECT 1 FROM ${mem} AS ${q('t')}${hint} ` +
      `WHERE ${col('t', M.loweredEmail)} = ${p('loweredEmail')} AND ${col('t', M.userId)} <> ${p('userId')} ` +
      `AND ${col('t', M.applicationId)} IN (${appIds}))`,
  );
  const deleteMembershipSql = `DELETE FROM ${mem} WHERE ${byVisibleId}`;
  const deleteUserSql = marks.write(
    `DELETE FROM ${users} WHERE ${q(U.userId.name)} = ${p('userId')} AND ${inApp(U.applicationId)}`,
  );

  // LEGACY_LOCKOUT: SqlMembershipProvider.ValidateUser, i.e. aspnet_Membership_GetPasswordWithFormat
  // and aspnet_Membership_UpdateUserInfo, as single statements computing the count themselves. Both
  // procedures do nothing for a locked-out user, and ValidateUser stops before them for one not approved.
  const count = q(M.failedPasswordAttemptCount.name);
  const windowStart = q(M.failedPasswordAttemptWindowStart.name);
  const answerCount = q(M.failedPasswordAnswerAttemptCount.name);
  const answerWindowStart = q(M.failedPasswordAnswerAttemptWindowStart.name);
  const lockedOut = q(M.isLockedOut.name);
  const lastLockout = q(M.lastLockoutDate.name);
  const maySignIn = `${byVisibleId} AND ${lockedOut} = 0 AND ${q(M.isApproved.name)} = 1`;
  // A failure more than passwordAttemptWindow after the previous one starts again at 1; either way the
  // window start moves to now (a sliding window), and reaching maxInvalidPasswordAttempts locks for good.
  const nextCount = `(CASE WHEN ${dialect.instantBefore(windowStart, p('windowOpens'))} THEN 1 ELSE ${count} + 1 END)`;
  const reached = `${nextCount} >= ${p('maxAttempts')}`;
  const failedSignInSql =
    `UPDATE ${mem} SET ${count} = ${nextCount}, ${windowStart} = ${p('now')}, ` +
    `${lockedOut} = CASE WHEN ${reached} THEN 1 ELSE ${lockedOut} END, ` +
    `${lastLockout} = CASE WHEN ${reached} THEN ${p('now')} ELSE ${lastLockout} END ` +
    `WHERE ${maySignIn}`;
  // A sign-in moves LastActivityDate and LastLoginDate to now, and resets the counts (both, password
  // and answer), their windows and LastLockoutDate to "never" when either count is not 0.
  const hadFailures = `${count} > 0 OR ${answerCount} > 0`;
  const resetToNever = (column: string) => `${column} = CASE WHEN ${hadFailures} THEN ${p('never')} ELSE ${column} END`;
  const signedInActivitySql =
    `UPDATE ${users} SET ${q(U.lastActivityDate.name)} = ${p('now')} ` +
    `WHERE ${q(U.userId.name)} = ${p('userId')} AND ${inApp(U.applicationId)}`;
  const signedInSql =
    `UPDATE ${mem} SET ${q(M.lastLoginDate.name)} = ${p('now')}, ${count} = 0, ${answerCount} = 0, ` +
    `${resetToNever(windowStart)}, ${resetToNever(answerWindowStart)}, ${resetToNever(lastLockout)} ` +
    `WHERE ${maySignIn}`;

  const stmt = (sql: string, params: Record<string, SqlParam>): BoundStatement => ({ sql, params });
  const signInParams = (userId: string | null, policy: LockoutPolicy, now: Date): Record<string, SqlParam> => ({
    ...appParams,
    userId: param(M.userId, userId === null ? null : lowerCaseGuid(userId)),
    now: param(M.lastLoginDate, now),
    never: param(M.lastLockoutDate, MEMBERSHIP_NEVER),
    maxAttempts: param(M.failedPasswordAttemptCount, policy.maxFailedAttempts),
    windowOpens: param(M.failedPasswordAttemptWindowStart, new Date(now.getTime() - policy.attemptWindowMs)),
  });
  const bound = (sql: string, params: Record<string, SqlParam>): BoundStatement => stmt(sql, usedParams(sql, params));
  const passwordParams = (password: StoredPassword) => {
    const written = writePassword(profile, password);
    return {
      password: param(M.password, written.hash),
      passwordFormat: param(M.passwordFormat, written.format),
      passwordSalt: param(M.passwordSalt, written.salt),
    };
  };

  return {
    findByEmail: (email) =>
      stmt(findByEmailSql, { ...appParams, email: param(M.loweredEmail, foldCase(email, 'lower')) }),
    findByUsername: (username) =>
      stmt(findByUsernameSql, { ...appParams, username: param(U.loweredUserName, foldCase(username, 'lower')) }),
    findById: (userId) => stmt(findByIdSql, idParams(userId)),
    exists: (userId) => stmt(existsSql, idParams(userId)),
    countUsers: () => stmt(countSql, appParams),
    newUserId: () => newStamp('uuid'),
    insert: (userId, user, now) => {
      const userName = user.username ?? user.email;
      const ids = idParams(userId);
      return [
        stmt(insertApplicationSql, {
          ...appParams,
          applicationName: param(A.applicationName, profile.applicationName),
          applicationId: param(A.applicationId, newStamp('uuid')),
        }),
        stmt(insertUserSql, {
          ...ids,
          userName: param(U.userName, userName),
          loweredUserName: param(U.loweredUserName, foldCase(userName, 'lower')),
          isAnonymous: param(U.isAnonymous, false),
          now: param(U.lastActivityDate, now),
          loweredEmail: param(M.loweredEmail, foldCase(user.email, 'lower')),
        }),
        stmt(insertVerifiedSql, { userId: ids.userId, verified: param(V.emailVerified, user.emailVerified) }),
        stmt(insertMembershipSql, {
          userId: ids.userId,
          ...passwordParams(user.password),
          email: param(M.email, user.email),
          loweredEmail: param(M.loweredEmail, foldCase(user.email, 'lower')),
          approved: param(M.isApproved, true),
          lockedOut: param(M.isLockedOut, false),
          now: param(M.createDate, now),
          never: param(M.lastLockoutDate, MEMBERSHIP_NEVER),
          zero: param(M.failedPasswordAttemptCount, 0),
        }),
      ];
    },
    updatePassword: (userId, password, expected, now, condition) => [
      expected === undefined
        ? marks.bind(
            updatePasswordSql,
            { ...idParams(userId), ...passwordParams(password), now: param(M.lastPasswordChangedDate, now) },
            userId,
            condition,
          )
        : marks.bind(
            casPasswordSql,
            { ...idParams(userId), ...passwordParams(password), expectedHash: param(M.password, expected.hash) },
            userId,
            condition,
          ),
    ],
    setEmailVerified: (userId, verified, _now, condition) => [
      stmt(deleteVerifiedSql, idParams(userId)),
      marks.bind(
        setVerifiedSql,
        { ...idParams(userId), verified: param(V.emailVerified, verified) },
        userId,
        condition,
      ),
    ],
    changeEmail: (userId, email, verified, _now, condition) => {
      const emails = { email: param(M.email, email), loweredEmail: param(M.loweredEmail, foldCase(email, 'lower')) };
      return [
        stmt(deleteVerifiedSql, idParams(userId)),
        stmt(setVerifiedSql.sql, { ...idParams(userId), verified: param(V.emailVerified, verified) }),
        stmt(followEmailSql, { ...idParams(userId), ...emails }),
        marks.bind(changeEmailSql, { ...idParams(userId), ...emails }, userId, condition),
      ];
    },
    deleteUser: (userId, condition) => [
      stmt(deleteVerifiedSql, idParams(userId)),
      stmt(deleteMembershipSql, idParams(userId)),
      marks.bind(deleteUserSql, idParams(userId), userId, condition),
    ],
    recordSignIn: (userId: string | null, outcome: SignInOutcome, policy: LockoutPolicy, now: Date) => {
      const params = signInParams(userId, policy, now);
      // The aspnet_Users row first: the aspnet_Membership statement decides, and its 0 rolls both back.
      return outcome === 'failure'
        ? [bound(failedSignInSql, params)]
        : [bound(signedInActivitySql, params), bound(signedInSql, params)];
    },
    decodeRow: (row, now) => {
      const userId = toText(row[USER_ROW.userId]);
      return decodeUserRow(row, {
        now,
        password: readPassword(profile, row),
        ...(userId === undefined ? {} : { userId: userId.toLowerCase() }),
      });
    },
    droppedFields: (user: NewUser) => [
      ...(user.userMetadata === undefined ? [] : ['user_metadata']),
      ...(user.appMetadata === undefined ? [] : ['app_metadata']),
    ],
  };
}

/**
 * The password of a Membership row for the hasher: the format the profile gives PasswordFormat, with
 * the salt. A row of PasswordFormat 1 without a salt was written by this adapter (Membership always
 * salts): its hash is self-describing (scrypt) and is left to the hasher's detection.
 */
export function readPassword(profile: MembershipProfile, row: Row): StoredPassword {
  const hash = toText(row[USER_ROW.passwordHash]) ?? '';
  const salt = toText(row[USER_ROW.passwordSalt]) ?? '';
  const raw = row[USER_ROW.passwordFormat];
  const code = typeof raw === 'number' || typeof raw === 'bigint' ? Number(raw) : undefined;
  if (code === MEMBERSHIP_PASSWORD_FORMAT.hashed && salt === '') return { hash };
  const formats = profile.passwordFormats;
  const format =
    code === MEMBERSHIP_PASSWORD_FORMAT.clear
      ? formats.clear
      : code === MEMBERSHIP_PASSWORD_FORMAT.hashed
        ? formats.hashed
        : code === MEMBERSHIP_PASSWORD_FORMAT.encrypted
          ? formats.encrypted
          : code === undefined
            ? undefined
            : String(code); // an unknown code: the hasher falls back to detection
  return { hash, ...(salt === '' ? {} : { salt }), ...(format === undefined ? {} : { format }) };
}

/**
 * The columns a password is written to. Membership formats the profile names keep their code and salt
 * (clear 0, encrypted 2, any `membership-…` digest 1); everything else — the scrypt hashes this
 * adapter makes — is written as PasswordFormat 1 with an empty salt, which readPassword recognises.
 */
export function writePassword(
  profile: MembershipProfile,
  password: StoredPassword,
): { hash: string; format: number; salt: string } {
  const name = password.format?.split(';')[0];
  const salt = password.salt ?? '';
  if (name === profile.passwordFormats.clear) return { hash: password.hash, format: 0, salt };
  if (name === profile.passwordFormats.encrypted) return { hash: password.hash, format: 2, salt };
  if (name?.startsWith('membership-') && salt !== '') return { hash: password.hash, format: 1, salt };
  return { hash: password.hash, format: MEMBERSHIP_PASSWORD_FORMAT.hashed, salt: '' };
}
