-- The `default` schema profile on SQL Server: the project's Users table and the adapter's own side
-- table for migration marks. For people building a test database; the service itself never runs it.
--
-- Idempotent: each table is created only when missing (IF OBJECT_ID ... IS NULL). Nothing existing
-- is dropped or altered. Run it as one batch (sqlcmd -i sql/default.sql, or paste into SSMS).
--
-- Lengths match src/store/profiles/default-profile.ts, which types the adapter's parameters.
-- Emails and user names compare case-insensitively through their column collation; the password
-- hash uses a binary collation so compare-and-set on it is exact.

SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON; -- required for the filtered index below

IF OBJECT_ID(N'[dbo].[Users]', N'U') IS NULL
BEGIN
  CREATE TABLE [dbo].[Users] (
    [Id]            NVARCHAR(128)  NOT NULL CONSTRAINT [PK_Users] PRIMARY KEY,
    [Email]         NVARCHAR(256)  COLLATE Latin1_General_100_CI_AS NOT NULL,
    [UserName]      NVARCHAR(256)  COLLATE Latin1_General_100_CI_AS NULL,
    [PasswordHash]  NVARCHAR(512)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    [EmailVerified] BIT            NOT NULL CONSTRAINT [DF_Users_EmailVerified] DEFAULT (0),
    [Name]          NVARCHAR(256)  NULL,
    [GivenName]     NVARCHAR(128)  NULL,
    [FamilyName]    NVARCHAR(128)  NULL,
    [Nickname]      NVARCHAR(128)  NULL,
    [Picture]       NVARCHAR(2048) NULL,
    [UserMetadata]  NVARCHAR(MAX)  NULL, -- a JSON object as text
    [AppMetadata]   NVARCHAR(MAX)  NULL, -- a JSON object as text
    [CreatedAt]     DATETIME2(3)   NOT NULL CONSTRAINT [DF_Users_CreatedAt] DEFAULT (SYSUTCDATETIME()),
    [UpdatedAt]     DATETIME2(3)   NOT NULL CONSTRAINT [DF_Users_UpdatedAt] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [UQ_Users_Email] UNIQUE ([Email])
  );
  -- A UNIQUE constraint admits a single NULL; the filtered index lets any number of users go
  -- without a user name while names that exist stay unique.
  CREATE UNIQUE INDEX [UX_Users_UserName] ON [dbo].[Users] ([UserName]) WHERE [UserName] IS NOT NULL;
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
