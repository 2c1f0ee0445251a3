import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  assertProfileKeepsLockout,
  LegacyLockoutProfileError,
  legacyLockoutProblem,
} from '../../src/store/legacy-lockout-columns';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { migrationAdminStatements } from '../../src/store/migration-admin-statements';
import { JsonProfileError, parseJsonProfile } from '../../src/store/profiles/json-profile';
import type { UsersTableProfile } from '../../src/store/schema-profile';
import { assertValidProfile } from '../../src/store/sql-identifier';
import { sqliteDialect } from '../../src/store/sqlite/sqlite-dialect';

const fixtures = join(__dirname, '..', 'fixtures', 'profiles');

/** A minimal JSON profile with these `signIn` columns. */
function withSignIn(signIn: Record<string, unknown>): UsersTableProfile {
  const profile = parseJsonProfile(
    {
      table: 'Accounts',
      id: { column: { name: 'Id', type: 'guid' } },
      email: { column: { name: 'Email', type: 'text', maxLength: 256 } },
      passwordHash: { name: 'Hash', type: 'text', maxLength: 256 },
      emailVerified: { name: 'Verified', type: 'bool' },
      signIn,
    },
    'accounts.json',
  );
  assertValidProfile(profile);
  return profile;
}

const count = { name: 'Failed', type: 'int' };

describe('LEGACY_LOCKOUT and the schema profiles', () => {
  it('aspnet-identity and aspnet-membership keep it; default and a profile without a count do not', () => {
    assert.equal(legacyLockoutProblem(loadSchemaProfile('aspnet-identity')), null);
    assert.equal(legacyLockoutProblem(loadSchemaProfile('aspnet-membership')), null);
    assert.equal(legacyLockoutProblem(loadSchemaProfile(join(fixtures, 'acme-lockout.json'))), null);
    assert.match(
      legacyLockoutProblem(loadSchemaProfile('default')) ?? '',
      /^schema profile default keeps no failed-attempt count: map signIn\.accessFailedCount/,
    );
    assert.match(legacyLockoutProblem(loadSchemaProfile(join(fixtures, 'acme-members.json'))) ?? '', /acme-members/);
  });

  it('a count needs somewhere to keep the lockout: lockoutEnd (timed) or lockedOut (until unlocked)', () => {
    assert.match(
      legacyLockoutProblem(withSignIn({ accessFailedCount: count })) ?? '',
      /has no column to keep a lockout in: map signIn\.lockoutEnd \(a timestamp\) or signIn\.lockedOut \(a bool\)/,
    );
    assert.equal(
      legacyLockoutProblem(withSignIn({ accessFailedCount: count, lockoutEnd: { name: 'Until', type: 'timestamp' } })),
      null,
    );
    assert.equal(
      legacyLockoutProblem(withSignIn({ accessFailedCount: count, lockedOut: { name: 'Locked', type: 'bool' } })),
      null,
    );
  });

  it('start-up refuses LEGACY_LOCKOUT=on with such a profile, naming the key and the way out', () => {
    assert.throws(
      () => assertProfileKeepsLockout(loadSchemaProfile('default')),
      (error: unknown) =>
        error instanceof LegacyLockoutProfileError &&
        error.message.startsWith('LEGACY_LOCKOUT: schema profile default keeps no failed-attempt count') &&
        error.message.endsWith(', or set LEGACY_LOCKOUT=off'),
    );
    assertProfileKeepsLockout(loadSchemaProfile('aspnet-identity'));
  });

  it('a JSON profile’s new signIn columns must have their types, refused with the JSON path', () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { accessFailedCount: { name: 'Failed', type: 'text', maxLength: 4 } },
        '$.signIn.accessFailedCount.type: must be "int"',
      ],
      [
        { accessFailedCount: count, failedAttemptWindowStart: { name: 'W', type: 'int' } },
        '$.signIn.failedAttemptWindowStart.type: must be "timestamp"',
      ],
      [{ lockoutEnd: { name: 'Until', type: 'bool' } }, '$.signIn.lockoutEnd.type: must be "timestamp"'],
      [{ accessFailedCount: count, lastLogin: { name: 'L', type: 'timestamp' } }, '$.signIn.lastLogin: unknown key'],
    ];
    for (const [signIn, message] of cases) {
      assert.throws(
        () => withSignIn(signIn),
        (error: unknown) => error instanceof JsonProfileError && error.message.includes(message),
        message,
      );
    }
    assert.throws(
      () => withSignIn({ lastLoginAt: { name: 'L', type: 'timestamp' }, lockedOut: { name: 'Locked', type: 'bool' } }),
      /signIn\.lastLoginAt needs signIn\.accessFailedCount/,
    );
  });

  it('purge archives leave the bookkeeping out, so an archive table made before still matches', () => {
    const identity = migrationAdminStatements(loadSchemaProfile('aspnet-identity'), sqliteDialect);
    const columns = identity.checkArchiveColumns('ArchivedUsers').sql;
    assert.match(columns, /"LockoutEnd"/);
    assert.doesNotMatch(columns, /AccessFailedCount/);
    const custom = migrationAdminStatements(loadSchemaProfile(join(fixtures, 'acme-lockout.json')), sqliteDialect);
    assert.doesNotMatch(
      custom.createArchive('ArchivedAccounts').sql,
      /FailedLogins|LastFailedLoginAt|LastLoginAt|LockedAt/,
    );
    assert.match(custom.createArchive('ArchivedAccounts').sql, /"IsLocked"/);
  });

  it('db init creates the count NOT NULL DEFAULT 0 and the dates nullable', () => {
    const profile = loadSchemaProfile(join(fixtures, 'acme-lockout.json'));
    const [sqlite] = profile.ddl.sqlite ?? [];
    const [mssql] = profile.ddl.mssql ?? [];
    assert.match(sqlite ?? '', /"FailedLogins" INTEGER NOT NULL DEFAULT 0/);
    assert.match(sqlite ?? '', /"LastFailedLoginAt" TEXT NULL/);
    assert.match(mssql ?? '', /\[FailedLogins\] INT NOT NULL CONSTRAINT \[DF_Accounts_FailedLogins\] DEFAULT \(0\)/);
    assert.match(mssql ?? '', /\[LastLoginAt\] DATETIME2\(3\) NULL/);
    assert.match(mssql ?? '', /\[LockedAt\] DATETIME2\(3\) NULL/);
  });
});
