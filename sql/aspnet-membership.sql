-- The `aspnet-membership` schema profile on SQL Server: the three tables of ASP.NET Membership
-- (SqlMembershipProvider) that the adapter reads and writes, as aspnet_regsql.exe creates them, and the
-- adapter's own side tables (email-verified flags, migration marks). For people building a test
-- database; an existing Membership database already has the aspnet_* tables and needs only
-- `legacy-identity db init` (which creates the two side tables and never touches aspnet_*).
--
-- Idempotent: each table is created only when missing (IF OBJECT_ID ... IS NULL). Nothing existing is
-- dropped or altered. Run it as one batch (sqlcmd -i sql/aspnet-membership.sql, or paste into SSMS).
--
-- aspnet_regsql.exe also creates stored procedures, views, aspnet_SchemaVersions and the Roles, Profile
-- and Personalization tables; the adapter uses none of them (it sends parameterised statements). Where
-- aspnet_UsersInRoles or aspnet_Profile hold rows for a user, they reference aspnet_Users and DeleteUser
-- fails on their foreign key, changing nothing. Applications are rows of aspnet_Applications: the
-- adapter creates the one named by APPLICATION_NAME on its first CreateUser, as Membership does.
-- Column types match src/store/profiles/aspnet-membership-profile.ts, which types the adapter's parameters.

SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;

IF OBJECT_ID(N'[dbo].[aspnet_Applications]', N'U') IS NULL
BEGIN
  CREATE TABLE [dbo].[aspnet_Applications] (
    [ApplicationName]        NVARCHAR(256)    NOT NULL UNIQUE,
    [LoweredApplicationName] NVARCHAR(256)    NOT NULL UNIQUE,
    [ApplicationId]          UNIQUEIDENTIFIER NOT NULL DEFAULT (NEWID()) PRIMARY KEY NONCLUSTERED,
    [Description]            NVARCHAR(256)    NULL
  );
  CREATE CLUSTERED INDEX [aspnet_Applications_Index] ON [dbo].[aspnet_Applications] ([LoweredApplicationName]);
END;

IF OBJECT_ID(N'[dbo].[aspnet_Users]', N'U') IS NULL
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
END;

IF OBJECT_ID(N'[dbo].[aspnet_Membership]', N'U') IS NULL
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
END;

-- The adapter's side table: Membership has no email-verified column (IsApproved is a sign-in gate).
-- One row per user the adapter has written the flag for; no row reads as not verified.
IF OBJECT_ID(N'[dbo].[IdentityAdapterEmailVerified]', N'U') IS NULL
BEGIN
  CREATE TABLE [dbo].[IdentityAdapterEmailVerified] (
    [UserId]        UNIQUEIDENTIFIER NOT NULL CONSTRAINT [PK_IdentityAdapterEmailVerified] PRIMARY KEY,
    [EmailVerified] BIT              NOT NULL
  );
END;

IF OBJECT_ID(N'[dbo].[IdentityAdapterMigrations]', N'U') IS NULL
BEGIN
  CREATE TABLE [dbo].[IdentityAdapterMigrations] (
    [UserId]     NVARCHAR(128) NOT NULL CONSTRAINT [PK_IdentityAdapterMigrations] PRIMARY KEY,
    [MigratedAt] DATETIME2(3)  NOT NULL, -- UTC; the first mark wins and is never moved
    [Via]        NVARCHAR(32)  NOT NULL  -- authenticate | get_user | export
  );
  -- purge --migrated-before scans marks by age.
  CREATE INDEX [IX_IdentityAdapterMigrations_MigratedAt] ON [dbo].[IdentityAdapterMigrations] ([MigratedAt]);
END;
