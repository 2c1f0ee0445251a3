import type { Column, UsersTableProfile } from '../schema-profile';

const text = (name: string, maxLength: number | 'max'): Column => ({ name, type: { kind: 'text', maxLength } });

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
  username: { column: text('UserName', 256), match: { kind: 'collation' } },
  passwordHash: text('PasswordHash', 512),
  emailVerified: { name: 'EmailVerified', type: { kind: 'bool' } },
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
    createdAt: { name: 'CreatedAt', type: { kind: 'timestamp' } },
    updatedAt: { name: 'UpdatedAt', type: { kind: 'timestamp' } },
  },
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
  },
};
