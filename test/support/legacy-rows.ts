import type { DatabaseSync, SQLInputValue } from 'node:sqlite';

/** Inserts one row into `table`, a column per key of `row` (passed as named parameters). */
export function insertRow(db: DatabaseSync, table: string, row: Readonly<Record<string, SQLInputValue>>): void {
  const columns = Object.keys(row);
  db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`).run(
    row,
  );
}

/** An aspnet_Applications row, unless one with that id or name is there already. */
export function insertMembershipApplication(db: DatabaseSync, name: string, applicationId: string): void {
  db.prepare(
    `INSERT OR IGNORE INTO aspnet_Applications (ApplicationName, LoweredApplicationName, ApplicationId)
     VALUES (?, ?, ?)`,
  ).run(name, name.toLowerCase(), applicationId);
}

/** A user of a legacy ASP.NET Membership database. */
export interface MembershipUser {
  readonly applicationId: string;
  readonly userId: string;
  readonly userName: string;
  readonly email: string;
  /** Password and PasswordSalt, stored with PasswordFormat 1 (hashed) unless `membership` says otherwise. */
  readonly password: { readonly hash: string; readonly salt: string };
  /** LastActivityDate, CreateDate, LastLoginDate and LastPasswordChangedDate; 2009-01-01 by default. */
  readonly at?: string;
  /** Columns of the aspnet_Membership row that differ from the defaults (IsApproved 1, IsLockedOut 0, …). */
  readonly membership?: Readonly<Record<string, SQLInputValue>>;
}

/** The aspnet_Users and aspnet_Membership rows of `user` as aspnet_Membership_CreateUser writes them. */
export function insertMembershipUser(db: DatabaseSync, user: MembershipUser): void {
  const at = user.at ?? '2009-01-01 00:00:00';
  insertRow(db, 'aspnet_Users', {
    ApplicationId: user.applicationId,
    UserId: user.userId,
    UserName: user.userName,
    LoweredUserName: user.userName.toLowerCase(),
    IsAnonymous: 0,
    LastActivityDate: at,
  });
  insertRow(db, 'aspnet_Membership', {
    ApplicationId: user.applicationId,
    UserId: user.userId,
    Password: user.password.hash,
    PasswordFormat: 1,
    PasswordSalt: user.password.salt,
    Email: user.email,
    LoweredEmail: user.email.toLowerCase(),
    IsApproved: 1,
    IsLockedOut: 0,
    CreateDate: at,
    LastLoginDate: at,
    LastPasswordChangedDate: at,
    LastLockoutDate: '1754-01-01 00:00:00',
    FailedPasswordAttemptCount: 0,
    FailedPasswordAttemptWindowStart: '1754-01-01 00:00:00',
    FailedPasswordAnswerAttemptCount: 0,
    FailedPasswordAnswerAttemptWindowStart: '1754-01-01 00:00:00',
    ...user.membership,
  });
}
