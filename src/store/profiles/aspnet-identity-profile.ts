import type { UsersTableProfile } from '../schema-profile';
import { bool, int, text, timestamp } from './columns';

/**
 * ASP.NET Core Identity's `AspNetUsers` (IdentityUser<string>, the EF Core schema of every Identity
 * version since Core 1.0), mapped as the .NET application itself reads and writes it:
 * - `user_id` is `Id`; new users get a lower-case GUID, as `new IdentityUser()` does.
 * - Lookups compare `NormalizedEmail` / `NormalizedUserName` with the value normalized as Identity's
 *   UpperInvariantLookupNormalizer does (NFC, then upper case, see case-fold.ts); the displayed
 *   columns keep the case they were given. `NormalizedEmail` has no unique index in Identity's schema
 *   (uniqueness is the application's RequireUniqueEmail check), so inserts and email changes carry
 *   a NOT EXISTS guard; `NormalizedUserName` does have one (UserNameIndex).
 * - The user name follows Identity's UI convention that it *is* the email unless chosen: a new user
 *   without a user name gets the email as UserName, such a user name is reported as absent, and a
 *   change of email moves it along (as ConfirmEmailChange does).
 * - `SecurityStamp` is renewed on insert, password change and email change (signing the user's other
 *   sessions out, as UserManager does), not on a rehash at login; `ConcurrencyStamp` on every write.
 * - Sign-in is refused while `LockoutEnabled` and `LockoutEnd` is now or later (IsLockedOutAsync).
 *   Failed attempts are counted in `AccessFailedCount`, and a lockout set in `LockoutEnd`, only with
 *   LEGACY_LOCKOUT=on, as SignInManager (lockoutOnFailure) and UserManager.AccessFailedAsync do.
 * - NOT NULL columns the adapter does not map get Identity's defaults for a new user (LockoutEnabled
 *   = LockoutOptions.AllowedForNewUsers = true).
 * - There are no metadata or name columns: user_metadata / app_metadata given to CreateUser are not
 *   stored (Auth0 keeps them in its own profile), with a log line naming the dropped fields.
 * - `PasswordHash` holds Identity v2/v3 hashes, which verify as they are; hashes this adapter writes
 *   (CreateUser, ChangePassword, REHASH_ON_LOGIN) are scrypt, which the .NET application cannot verify.
 */
export const ASPNET_IDENTITY_PROFILE: UsersTableProfile = {
  kind: 'users-table',
  name: 'aspnet-identity',
  table: 'AspNetUsers',
  id: { column: text('Id', 450), idGeneration: 'uuid' },
  email: {
    column: text('Email', 256),
    match: { kind: 'normalized', column: text('NormalizedEmail', 256), fold: 'upper' },
  },
  username: {
    column: text('UserName', 256),
    match: { kind: 'normalized', column: text('NormalizedUserName', 256), fold: 'upper' },
    emailByDefault: true,
  },
  passwordHash: text('PasswordHash', 'max'),
  emailVerified: bool('EmailConfirmed'),
  profile: {},
  userMetadata: null,
  appMetadata: null,
  timestamps: null,
  stamps: [
    { column: text('SecurityStamp', 'max'), refresh: 'credentials', generation: 'base32' },
    { column: text('ConcurrencyStamp', 'max'), refresh: 'every-change', generation: 'uuid' },
  ],
  insertDefaults: [
    { column: bool('PhoneNumberConfirmed'), value: false },
    { column: bool('TwoFactorEnabled'), value: false },
    { column: bool('LockoutEnabled'), value: true },
    { column: int('AccessFailedCount'), value: 0 },
  ],
  signIn: {
    lockoutEnabled: bool('LockoutEnabled'),
    lockoutEnd: timestamp('LockoutEnd'),
    // Written only with LEGACY_LOCKOUT=on (AccessFailedAsync's count); new users get 0 from insertDefaults.
    accessFailedCount: int('AccessFailedCount'),
  },
  ddl: {
    // What EF Core's SQLite provider creates for Identity. The unique index on NormalizedUserName is
    // an inline constraint so that it exists only on a table created here; EF's non-unique EmailIndex
    // is left out for the same reason (an existing table is never given an index).
    sqlite: [
      `CREATE TABLE IF NOT EXISTS "AspNetUsers" (
  "Id" TEXT NOT NULL CONSTRAINT "PK_AspNetUsers" PRIMARY KEY,
  "UserName" TEXT NULL,
  "NormalizedUserName" TEXT NULL CONSTRAINT "UserNameIndex" UNIQUE,
  "Email" TEXT NULL,
  "NormalizedEmail" TEXT NULL,
  "EmailConfirmed" INTEGER NOT NULL,
  "PasswordHash" TEXT NULL,
  "SecurityStamp" TEXT NULL,
  "ConcurrencyStamp" TEXT NULL,
  "PhoneNumber" TEXT NULL,
  "PhoneNumberConfirmed" INTEGER NOT NULL,
  "TwoFactorEnabled" INTEGER NOT NULL,
  "LockoutEnd" TEXT NULL,
  "LockoutEnabled" INTEGER NOT NULL,
  "AccessFailedCount" INTEGER NOT NULL
)`,
    ],
    // The AspNetUsers block of sql/aspnet-identity.sql, verbatim (a test keeps the two in step):
    // EF Core's CreateIdentitySchema migration for SQL Server.
    mssql: [
      `IF OBJECT_ID(N'[dbo].[AspNetUsers]', N'U') IS NULL
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
END;`,
    ],
  },
};
