import type { MembershipProfile } from '../schema-profile';
import { bool, guid, int, text, timestamp } from './columns';

/**
 * The columns of ASP.NET Membership's tables (aspnet_regsql.exe, SqlMembershipProvider) that the
 * adapter reads or writes, with their SQL Server types. They are Membership's own names, fixed: only
 * the table names belong to the profile.
 */
export const MEMBERSHIP_COLUMNS = {
  applications: {
    applicationName: text('ApplicationName', 256),
    loweredApplicationName: text('LoweredApplicationName', 256),
    applicationId: guid('ApplicationId'),
  },
  users: {
    applicationId: guid('ApplicationId'),
    userId: guid('UserId'),
    userName: text('UserName', 256),
    loweredUserName: text('LoweredUserName', 256),
    isAnonymous: bool('IsAnonymous'),
    lastActivityDate: timestamp('LastActivityDate'),
  },
  membership: {
    applicationId: guid('ApplicationId'),
    userId: guid('UserId'),
    password: text('Password', 128),
    passwordFormat: int('PasswordFormat'),
    passwordSalt: text('PasswordSalt', 128),
    email: text('Email', 256),
    loweredEmail: text('LoweredEmail', 256),
    isApproved: bool('IsApproved'),
    isLockedOut: bool('IsLockedOut'),
    createDate: timestamp('CreateDate'),
    lastLoginDate: timestamp('LastLoginDate'),
    lastPasswordChangedDate: timestamp('LastPasswordChangedDate'),
    lastLockoutDate: timestamp('LastLockoutDate'),
    failedPasswordAttemptCount: int('FailedPasswordAttemptCount'),
    failedPasswordAttemptWindowStart: timestamp('FailedPasswordAttemptWindowStart'),
    failedPasswordAnswerAttemptCount: int('FailedPasswordAnswerAttemptCount'),
    failedPasswordAnswerAttemptWindowStart: timestamp('FailedPasswordAnswerAttemptWindowStart'),
  },
  emailVerified: {
    userId: guid('UserId'),
    emailVerified: bool('EmailVerified'),
  },
} as const;

/** Membership's PasswordFormat codes (MembershipPasswordFormat). */
export const MEMBERSHIP_PASSWORD_FORMAT = { clear: 0, hashed: 1, encrypted: 2 } as const;

/**
 * Membership's "never" for its NOT NULL dates (aspnet_Membership_CreateUser writes
 * CONVERT(datetime, '17540101', 112) for LastLockoutDate and the attempt windows).
 */
export const MEMBERSHIP_NEVER = new Date('1754-01-01T00:00:00.000Z');

/** The profile's defaults; APPLICATION_NAME and MEMBERSHIP_HASH_ALGORITHM fill in the rest when it is loaded. */
export const ASPNET_MEMBERSHIP_TABLES: Omit<MembershipProfile, 'applicationName' | 'passwordFormats'> = {
  kind: 'membership',
  name: 'aspnet-membership',
  tables: {
    applications: 'aspnet_Applications',
    users: 'aspnet_Users',
    membership: 'aspnet_Membership',
    emailVerified: 'IdentityAdapterEmailVerified',
  },
  ddl: {
    // Membership's tables as aspnet_regsql creates them, in SQLite's types. Foreign keys are declared
    // for documentation (SQLite enforces them only with PRAGMA foreign_keys); unique keys are inline
    // so that they exist only on tables created here.
    sqlite: [
      `CREATE TABLE IF NOT EXISTS "aspnet_Applications" (
  "ApplicationName" TEXT NOT NULL UNIQUE,
  "LoweredApplicationName" TEXT NOT NULL UNIQUE,
  "ApplicationId" TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
  "Description" TEXT NULL
)`,
      `CREATE TABLE IF NOT EXISTS "aspnet_Users" (
  "ApplicationId" TEXT NOT NULL COLLATE NOCASE REFERENCES "aspnet_Applications" ("ApplicationId"),
  "UserId" TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
  "UserName" TEXT NOT NULL,
  "LoweredUserName" TEXT NOT NULL,
  "MobileAlias" TEXT NULL DEFAULT NULL,
  "IsAnonymous" INTEGER NOT NULL DEFAULT 0,
  "LastActivityDate" TEXT NOT NULL,
  CONSTRAINT "aspnet_Users_Index" UNIQUE ("ApplicationId", "LoweredUserName")
)`,
      `CREATE TABLE IF NOT EXISTS "aspnet_Membership" (
  "ApplicationId" TEXT NOT NULL COLLATE NOCASE REFERENCES "aspnet_Applications" ("ApplicationId"),
  "UserId" TEXT NOT NULL PRIMARY KEY COLLATE NOCASE REFERENCES "aspnet_Users" ("UserId"),
  "Password" TEXT NOT NULL,
  "PasswordFormat" INTEGER NOT NULL DEFAULT 0,
  "PasswordSalt" TEXT NOT NULL,
  "MobilePIN" TEXT NULL,
  "Email" TEXT NULL,
  "LoweredEmail" TEXT NULL,
  "PasswordQuestion" TEXT NULL,
  "PasswordAnswer" TEXT NULL,
  "IsApproved" INTEGER NOT NULL,
  "IsLockedOut" INTEGER NOT NULL,
  "CreateDate" TEXT NOT NULL,
  "LastLoginDate" TEXT NOT NULL,
  "LastPasswordChangedDate" TEXT NOT NULL,
  "LastLockoutDate" TEXT NOT NULL,
  "FailedPasswordAttemptCount" INTEGER NOT NULL,
  "FailedPasswordAttemptWindowStart" TEXT NOT NULL,
  "FailedPasswordAnswerAttemptCount" INTEGER NOT NULL,
  "FailedPasswordAnswerAttemptWindowStart" TEXT NOT NULL,
  "Comment" TEXT NULL
)`,
    ],
    // The three table blocks of sql/aspnet-membership.sql, verbatim (a test keeps them in step).
    mssql: [
      `IF OBJECT_ID(N'[dbo].[aspnet_Applications]', N'U') IS NULL
BEGIN
  CREATE TABLE [dbo].[aspnet_Applications] (
    [ApplicationName]        NVARCHAR(256)    NOT NULL UNIQUE,
    [LoweredApplicationName] NVARCHAR(256)    NOT NULL UNIQUE,
    [ApplicationId]          UNIQUEIDENTIFIER NOT NULL DEFAULT (NEWID()) PRIMARY KEY NONCLUSTERED,
    [Description]            NVARCHAR(256)    NULL
  );
  CREATE CLUSTERED INDEX [aspnet_Applications_Index] ON [dbo].[aspnet_Applications] ([LoweredApplicationName]);
END;`,
      `IF OBJECT_ID(N'[dbo].[aspnet_Users]', N'U') IS NULL
BEGIN
  CREATE TABLE [dbo].[aspnet_Users] (
    [ApplicationId]    UNIQUEIDENTIFIER NOT NULL FOREIGN KEY REFERENCES [dbo].[aspnet_Applications] ([ApplicationId]),
    [UserId]           UNIQUEIDENTIFIER NOT NULL DEFAULT (NEWID()) PRIMARY KEY NONCLUSTERED,
    [UserName]         NVARCHAR(256)    NOT NULL,
    [LoweredUserName]  NVARCHAR(256)    NOT NULL,
    [MobileAlias]      NVARCHAR(16)     NULL DEFAULT NULL,
    [IsAnonymous]      BIT              NOT NULL DEFAULT 0,
    [LastActivityDate] DATETIME         NOT NULL
  );
  CREATE UNIQUE CLUSTERED INDEX [aspnet_Users_Index] ON [dbo].[aspnet_Users] ([ApplicationId], [LoweredUserName]);
  CREATE NONCLUSTERED INDEX [aspnet_Users_Index2] ON [dbo].[aspnet_Users] ([ApplicationId], [LastActivityDate]);
END;`,
      `IF OBJECT_ID(N'[dbo].[aspnet_Membership]', N'U') IS NULL
BEGIN
  CREATE TABLE [dbo].[aspnet_Membership] (
    [ApplicationId]                          UNIQUEIDENTIFIER NOT NULL FOREIGN KEY REFERENCES [dbo].[aspnet_Applications] ([ApplicationId]),
    [UserId]                                 UNIQUEIDENTIFIER NOT NULL PRIMARY KEY NONCLUSTERED FOREIGN KEY REFERENCES [dbo].[aspnet_Users] ([UserId]),
    [Password]                               NVARCHAR(128)    NOT NULL,
    [PasswordFormat]                         INT              NOT NULL DEFAULT 0,
    [PasswordSalt]                           NVARCHAR(128)    NOT NULL,
    [MobilePIN]                              NVARCHAR(16)     NULL,
    [Email]                                  NVARCHAR(256)    NULL,
    [LoweredEmail]                           NVARCHAR(256)    NULL,
    [PasswordQuestion]                       NVARCHAR(256)    NULL,
    [PasswordAnswer]                         NVARCHAR(128)    NULL,
    [IsApproved]                             BIT              NOT NULL,
    [IsLockedOut]                            BIT              NOT NULL,
    [CreateDate]                             DATETIME         NOT NULL,
    [LastLoginDate]                          DATETIME         NOT NULL,
    [LastPasswordChangedDate]                DATETIME         NOT NULL,
    [LastLockoutDate]                        DATETIME         NOT NULL,
    [FailedPasswordAttemptCount]             INT              NOT NULL,
    [FailedPasswordAttemptWindowStart]       DATETIME         NOT NULL,
    [FailedPasswordAnswerAttemptCount]       INT              NOT NULL,
    [FailedPasswordAnswerAttemptWindowStart] DATETIME         NOT NULL,
    [Comment]                                NTEXT            NULL
  );
  CREATE CLUSTERED INDEX [aspnet_Membership_index] ON [dbo].[aspnet_Membership] ([ApplicationId], [LoweredEmail]);
END;`,
    ],
  },
  sideDdl: {
    sqlite: [
      `CREATE TABLE IF NOT EXISTS "IdentityAdapterEmailVerified" (
  "UserId" TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
  "EmailVerified" INTEGER NOT NULL CHECK ("EmailVerified" IN (0, 1))
)`,
    ],
    // The side-table block of sql/aspnet-membership.sql, verbatim.
    mssql: [
      `IF OBJECT_ID(N'[dbo].[IdentityAdapterEmailVerified]', N'U') IS NULL
BEGIN
  CREATE TABLE [dbo].[IdentityAdapterEmailVerified] (
    [UserId]        UNIQUEIDENTIFIER NOT NULL CONSTRAINT [PK_IdentityAdapterEmailVerified] PRIMARY KEY,
    [EmailVerified] BIT              NOT NULL
  );
END;`,
    ],
  },
};
