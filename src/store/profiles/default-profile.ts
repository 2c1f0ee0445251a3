import type { UsersTableProfile } from '../schema-profile';
import { bool, text, timestamp } from './columns';

/**
 * The project's own `Users` table: one row per user, a UUID text id, case-insensitive unique email
 * and user name. Lengths are those of sql/default.sql (SQL Server); SQLite does not enforce them.
 */
export const DEFAULT_PROFILE: UsersTableProfile = {
  kind: 'users-table',
  name: 'default',
  table: 'Users',
  // 128 = USER_ID_MAX_LENGTH: ids created here are 36-character UUIDs, legacy ids may be longer.
  id: { column: text('Id', 128), idGeneration: 'uuid' },
  email: { column: text('Email', 256), match: { kind: 'collation' } },
  username: { column: text('UserName', 256), match: { kind: 'collation' }, emailByDefault: false },
  passwordHash: text('PasswordHash', 512),
  emailVerified: bool('EmailVerified'),
  profile: {
    name: text('Name', 256),
    givenName: text('GivenName', 128),
    familyName: text('FamilyName', 128),
    nickname: text('Nickname', 128),
    picture: text('Picture', 2048),
  },
  userMetadata: text('UserMetadata', 'max'),
  appMetadata: text('AppMetadata', 'max'),
  timestamps: {
    createdAt: timestamp('CreatedAt'),
    updatedAt: timestamp('UpdatedAt'),
  },
  stamps: [],
  insertDefaults: [],
  signIn: {},
  ddl: {
    // Unique constraints are inline so they exist only on a table created here: an existing table
    // is never given an index that its data might violate.
    sqlite: [
      `CREATE TABLE IF NOT EXISTS "Users" (
  "Id" TEXT NOT NULL PRIMARY KEY,
  "Email" TEXT NOT NULL COLLATE NOCASE UNIQUE,
  "UserName" TEXT COLLATE NOCASE UNIQUE,
  "PasswordHash" TEXT NOT NULL,
  "EmailVerified" INTEGER NOT NULL DEFAULT 0 CHECK ("EmailVerified" IN (0, 1)),
  "Name" TEXT,
  "GivenName" TEXT,
  "FamilyName" TEXT,
  "Nickname" TEXT,
  "Picture" TEXT,
  "UserMetadata" TEXT,
  "AppMetadata" TEXT,
  "CreatedAt" TEXT NOT NULL,
  "UpdatedAt" TEXT NOT NULL
)`,
    ],
    // The Users block of sql/default.sql, verbatim (a test keeps the two in step).
    mssql: [
      `IF OBJECT_ID(N'[dbo].[Users]', N'U') IS NULL
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
END;`,
    ],
  },
};
