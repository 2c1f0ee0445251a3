import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WriteCondition } from '../../src/domain/identity-repository';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { mssqlDialect } from '../../src/store/mssql/mssql-dialect';
import { profileStatements } from '../../src/store/profile-statements';
import type { SchemaProfile } from '../../src/store/schema-profile';
import { sqliteDialect } from '../../src/store/sqlite/sqlite-dialect';
import type { BoundStatement, UserStatements } from '../../src/store/users-table-statements';

const fixtures = join(__dirname, '..', 'fixtures', 'profiles');
const PROFILES: readonly { label: string; profile: SchemaProfile }[] = [
  { label: 'default', profile: loadSchemaProfile('default') },
  { label: 'aspnet-identity', profile: loadSchemaProfile('aspnet-identity') },
  {
    label: 'aspnet-membership',
    profile: loadSchemaProfile('aspnet-membership', { applicationName: '/Shop', membershipHashAlgorithm: 'SHA1' }),
  },
  ...readdirSync(fixtures)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ label: `custom ${f}`, profile: loadSchemaProfile(join(fixtures, f)) })),
];

const ID = '0a1b2c3d-0000-4000-8000-00000000000f';
const NOW = new Date('2026-01-01T00:00:00.000Z');

/** Each guarded write of the port, as the statement lists the builder makes for `condition`. */
function writes(s: UserStatements, condition: WriteCondition | undefined): Record<string, readonly BoundStatement[]> {
  return {
    updatePassword: s.updatePassword(ID, { hash: 'new' }, undefined, NOW, condition),
    'updatePassword (compare-and-set)': s.updatePassword(ID, { hash: 'new' }, { hash: 'old' }, NOW, condition),
    setEmailVerified: s.setEmailVerified(ID, true, NOW, condition),
    changeEmail: s.changeEmail(ID, 'c@example.com', false, NOW, condition),
    deleteUser: s.deleteUser(ID, condition),
  };
}

const MSSQL_GUARD =
  'AND NOT EXISTS (SELECT 1 FROM [IdentityAdapterMigrations] AS [marks] WITH (UPDLOCK, HOLDLOCK) ' +
  'WHERE [marks].[UserId] = @markedUserId)';
const SQLITE_GUARD =
  'AND NOT EXISTS (SELECT 1 FROM "IdentityAdapterMigrations" AS "marks" WHERE "marks"."UserId" = @markedUserId)';

describe('The "unless migrated" condition in the statements of every profile', () => {
  for (const { label, profile } of PROFILES) {
    it(`${label}, T-SQL: the deciding statement ends with the mark check under UPDLOCK, HOLDLOCK; nothing else reads marks`, () => {
      for (const [write, statements] of Object.entries(
        writes(profileStatements(profile, mssqlDialect), { unlessMigrated: true }),
      )) {
        const last = statements.at(-1);
        assert.ok(last, write);
        assert.ok(last.sql.endsWith(MSSQL_GUARD), `${write}: ${last.sql}`);
        // The marks table keeps the id as the domain gives it, as text, whatever the profile's key type.
        assert.deepEqual(last.params.markedUserId, { value: ID, type: { kind: 'text', maxLength: 128 } }, write);
        for (const earlier of statements.slice(0, -1)) {
          assert.ok(!earlier.sql.includes('IdentityAdapterMigrations'), `${write}: ${earlier.sql}`);
        }
      }
    });

    it(`${label}: without the condition (legacy mode, the rehash at login) no write reads the marks`, () => {
      for (const dialect of [mssqlDialect, sqliteDialect]) {
        for (const [write, statements] of Object.entries(writes(profileStatements(profile, dialect), undefined))) {
          for (const statement of statements) {
            assert.ok(!statement.sql.includes('IdentityAdapterMigrations'), `${write}: ${statement.sql}`);
            assert.equal(statement.params.markedUserId, undefined);
          }
        }
      }
    });

    it(`${label}, SQLite: the same check without a lock hint (SQLite serialises writers)`, () => {
      for (const [write, statements] of Object.entries(
        writes(profileStatements(profile, sqliteDialect), { unlessMigrated: true }),
      )) {
        assert.ok(statements.at(-1)?.sql.endsWith(SQLITE_GUARD), write);
      }
    });
  }
});
