-- The `aspnet-identity` schema profile on SQL Server: ASP.NET Core Identity's AspNetUsers table
-- (EF Core's CreateIdentitySchema migration, the same columns and types in every Identity version
-- since Core 1.0) and the adapter's own side table for migration marks. For people building a test
-- database; an existing Identity database already has AspNetUsers and needs only `legacy-identity db init`
-- (which creates the side table and never touches AspNetUsers).
--
-- Idempotent: each table is created only when missing (IF OBJECT_ID ... IS NULL). Nothing existing is
-- dropped or altered. Run it as one batch (sqlcmd -i sql/aspnet-identity.sql, or paste into SSMS).
--
-- Only AspNetUsers is needed by the adapter. Identity's other tables (AspNetRoles, AspNetUserRoles,
-- AspNetUserClaims, AspNetUserLogins, AspNetUserTokens, AspNetRoleClaims) reference AspNetUsers with
-- ON DELETE CASCADE in EF's migration, so DeleteUser removes a user's rows there too where they exist.
-- Lengths match src/store/profiles/aspnet-identity-profile.ts, which types the adapter's parameters.

SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON; -- required for the filtered index below

IF OBJECT_ID(N'[dbo].[AspNetUsers]', N'U') IS NULL
BEGIN
  CREATE TABLE [dbo].[AspNetUsers] (
    [Id]                   NVARCHAR(450)  NOT NULL,
    [UserName]             NVARCHAR(256)  NULL,
    [NormalizedUserName]   NVARCHAR(256)  NULL,
    [Email]                NVARCHAR(256)  NULL,
    [NormalizedEmail]      NVARCHAR(256)  NULL,
    [EmailConfirmed]       BIT            NOT NULL,
    [PasswordHash]         NVARCHAR(MAX)  NULL,
    [SecurityStamp]        NVARCHAR(MAX)  NULL,
    [ConcurrencyStamp]     NVARCHAR(MAX)  NULL,
    [PhoneNumber]          NVARCHAR(MAX)  NULL,
    [PhoneNumberConfirmed] BIT            NOT NULL,
    [TwoFactorEnabled]     BIT            NOT NULL,
    [LockoutEnd]           DATETIMEOFFSET NULL,
    [LockoutEnabled]       BIT            NOT NULL,
    [AccessFailedCount]    INT            NOT NULL,
    CONSTRAINT [PK_AspNetUsers] PRIMARY KEY ([Id])
  );
  CREATE INDEX [EmailIndex] ON [dbo].[AspNetUsers] ([NormalizedEmail]);
  CREATE UNIQUE INDEX [UserNameIndex] ON [dbo].[AspNetUsers] ([NormalizedUserName]) WHERE [NormalizedUserName] IS NOT NULL;
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
