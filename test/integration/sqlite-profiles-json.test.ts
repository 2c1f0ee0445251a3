import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { foldCase } from '../../src/store/case-fold';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { profileStatements } from '../../src/store/profile-statements';
import { parseJsonProfile } from '../../src/store/profiles/json-profile';
import type { UsersTableProfile } from '../../src/store/schema-profile';
import { sqliteDialect } from '../../src/store/sqlite/sqlite-dialect';
import {
  loadJsonProfileText,
  MINIMAL_JSON_PROFILE as MINIMAL,
  refusesJsonProfile as refuses,
} from '../support/json-profile-file';

const ACME_JSON = join(__dirname, '..', 'fixtures', 'profiles', 'acme-members.json');
const acme = () => JSON.parse(readFileSync(ACME_JSON, 'utf8')) as Record<string, unknown>;

describe('custom JSON schema profiles', () => {
  describe('the example in test/fixtures/profiles', () => {
    it('loads through SCHEMA_PROFILE as a users-table profile with generated DDL for both stores', () => {
      const profile = loadSchemaProfile(ACME_JSON) as UsersTableProfile;
      assert.equal(profile.kind, 'users-table');
      assert.equal(profile.name, 'acme-members');
      assert.equal(profile.table, 'Members');
      assert.deepEqual(profile.id.column, { name: 'MemberGuid', type: { kind: 'guid' } });
      assert.deepEqual(profile.username?.match, {
        kind: 'normalized',
        column: { name: 'LoginNameLower', type: { kind: 'text', maxLength: 64 } },
        fold: 'lower',
      });
      assert.match(profile.ddl.sqlite?.[0] ?? '', /^CREATE TABLE IF NOT EXISTS "Members" \(/);
      const mssql = profile.ddl.mssql?.[0] ?? '';
      assert.match(mssql, /^IF OBJECT_ID\(N'\[dbo\]\.\[Members\]', N'U'\) IS NULL\nBEGIN\n/);
      assert.match(mssql, /\[MemberGuid\] UNIQUEIDENTIFIER NOT NULL CONSTRAINT \[PK_Members\] PRIMARY KEY/);
      assert.match(mssql, /\[EmailAddress\] NVARCHAR\(320\) COLLATE Latin1_General_100_CI_AS NOT NULL/);
      assert.match(mssql, /CREATE UNIQUE INDEX \[UX_Members_LoginNameLower\] .* WHERE \[LoginNameLower\] IS NOT NULL;/);
      assert.match(mssql, /\[IsActive\] BIT NOT NULL CONSTRAINT \[DF_Members_IsActive\] DEFAULT \(1\)/);
    });

    it('is named after its file when it has no name, and accepts the minimal form', () => {
      const profile = parseJsonProfile(MINIMAL, '/etc/legacy/people.json');
      assert.equal(profile.name, 'people');
      assert.equal(profile.username, null);
      assert.deepEqual(profile.email.match, { kind: 'collation' });
      assert.deepEqual([profile.stamps, profile.insertDefaults, profile.signIn], [[], [], {}]);
    });

    it('yields statements that quote every identifier and carry values only as parameters', () => {
      const statements = profileStatements(loadSchemaProfile(ACME_JSON), sqliteDialect);
      const hostile = `x'); DROP TABLE Members;--`;
      const find = statements.findByUsername(hostile);
      assert.ok(find && !find.sql.includes(hostile));
      assert.match(find.sql, /WHERE "LoginNameLower" = @username ORDER BY "MemberGuid"$/);
      assert.deepEqual(find.params.username?.value, foldCase(hostile, 'lower'));
    });
  });

  describe('strict validation, naming the file and the JSON path', () => {
    it('refuses unknown keys at every level', () => {
      refuses({ ...MINIMAL, tabel: 'x' }, /custom\.json: \$\.tabel: unknown key/);
      refuses({ ...MINIMAL, email: { ...MINIMAL.email, unique: true } }, /\$\.email\.unique: unknown key/);
      refuses(
        { ...MINIMAL, passwordHash: { ...MINIMAL.passwordHash, collation: 'BIN2' } },
        /\$\.passwordHash\.collation: unknown key/,
      );
      refuses({ ...acme(), signIn: { disabled: { name: 'X', type: 'bool' } } }, /\$\.signIn\.disabled: unknown key/);
    });

    it('refuses missing keys and wrong types', () => {
      const { table: _table, ...withoutTable } = MINIMAL;
      refuses(withoutTable, /\$\.table: is required/);
      refuses({ ...MINIMAL, table: 42 }, /\$\.table: expected a string, got a number/);
      refuses({ ...MINIMAL, id: [] }, /\$\.id: expected an object, got an array/);
      refuses(
        { ...MINIMAL, emailVerified: { name: 'V', type: 'boolean' } },
        /\$\.emailVerified\.type: expected one of/,
      );
      refuses({ ...MINIMAL, stamps: {} }, /\$\.stamps: expected an array/);
      refuses(
        { ...MINIMAL, insertDefaults: [{ column: { name: 'N', type: 'int' }, value: [1] }] },
        /\$\.insertDefaults\[0\]\.value: expected a string, number, boolean or null, got an array/,
      );
      refuses({ ...MINIMAL, kind: 'membership' }, /\$\.kind: must be "users-table"/);
      refuses(
        { ...MINIMAL, id: { column: MINIMAL.id.column, idGeneration: 'identity' } },
        /\$\.id\.idGeneration: must be "uuid"/,
      );
      refuses(null, /custom\.json: \$: expected an object, got null/);
    });

    it('refuses identifiers that could break out of quoting, and lengths out of range', () => {
      refuses({ ...MINIMAL, table: 'People]; DROP TABLE People;--' }, /\$\.table: invalid table name/);
      refuses({ ...MINIMAL, table: 'a.b.c' }, /\$\.table: invalid table name/);
      refuses(
        { ...MINIMAL, email: { column: { name: 'E"mail', type: 'text', maxLength: 256 } } },
        /\$\.email\.column\.name: "E"mail" is not a plain identifier/,
      );
      refuses(
        { ...MINIMAL, email: { column: { name: 'Email', type: 'text', maxLength: 5000 } } },
        /\$\.email\.column\.maxLength: expected an integer 1–4000 or "max"/,
      );
      refuses(
        { ...MINIMAL, email: { column: { name: 'Email', type: 'text' } } },
        /\$\.email\.column\.maxLength: expected an integer/,
      );
      refuses(
        { ...MINIMAL, emailVerified: { name: 'Verified', type: 'bool', maxLength: 1 } },
        /\$\.emailVerified\.maxLength: only text columns have a maxLength/,
      );
      refuses({ ...MINIMAL, name: '../etc' }, /\$\.name: must be 1–64 letters/);
    });

    it('refuses mappings that cannot work: a column twice, a wrong type for a role, a default that does not fit', () => {
      const validate = (json: unknown) => () => loadJsonProfileText(JSON.stringify(json));
      assert.throws(
        validate({ ...MINIMAL, emailVerified: { name: 'EMAIL', type: 'bool' } }),
        /schema profile .*: column "EMAIL" is mapped twice/,
      );
      assert.throws(
        validate({ ...MINIMAL, emailVerified: { name: 'Verified', type: 'text', maxLength: 5 } }),
        /column "Verified" \(emailVerified\) must be of type bool/,
      );
      assert.throws(
        validate({ ...MINIMAL, id: { column: { name: 'Id', type: 'text', maxLength: 20 } } }),
        /column "Id" \(id\) must hold at least 36 characters/,
      );
      assert.throws(
        validate({ ...MINIMAL, insertDefaults: [{ column: { name: 'Flag', type: 'bool' }, value: 'yes' }] }),
        /insert default for column "Flag" does not fit its type bool/,
      );
      assert.throws(
        validate({
          ...MINIMAL,
          insertDefaults: [{ column: { name: 'Email', type: 'text', maxLength: 9 }, value: 'x' }],
        }),
        /insert default for column "Email", which is already written/,
      );
    });

    it('reports an unreadable file or invalid JSON without echoing its content', () => {
      assert.throws(
        () => loadSchemaProfile('/nonexistent/dir/profile.json'),
        /profile\.json: cannot read the file \(ENOENT\)/,
      );
      for (const text of ['{"table": "secret-value', 'secret-value', '{"table": secret-value}']) {
        assert.throws(
          () => loadJsonProfileText(text),
          (error: unknown) => {
            assert.ok(error instanceof Error);
            assert.match(error.message, /custom\.json: not valid JSON/);
            assert.ok(!error.message.includes('secret'), error.message);
            return true;
          },
        );
      }
    });
  });
});

describe('configuration of the Membership profile', () => {
  const base = { HTTP_ADDR: 'off' };

  it('defaults to the application "/" and SHA1', () => {
    assert.deepEqual(loadConfig(base).profileSettings, { applicationName: '/', membershipHashAlgorithm: 'SHA1' });
  });

  it('reads APPLICATION_NAME and MEMBERSHIP_HASH_ALGORITHM, refusing algorithms Membership has not', () => {
    const config = loadConfig({ ...base, APPLICATION_NAME: '/Shop', MEMBERSHIP_HASH_ALGORITHM: 'HMACSHA256' });
    assert.deepEqual(config.profileSettings, { applicationName: '/Shop', membershipHashAlgorithm: 'HMACSHA256' });
    assert.throws(
      () => loadConfig({ ...base, MEMBERSHIP_HASH_ALGORITHM: 'MD4' }),
      /^ConfigError: MEMBERSHIP_HASH_ALGORITHM:/,
    );
    assert.throws(() => loadConfig({ ...base, APPLICATION_NAME: 'x'.repeat(257) }), /APPLICATION_NAME: expected 1–256/);
  });

  it('feeds the profile: the hashed format follows the algorithm', () => {
    const { profileSettings } = loadConfig({
      ...base,
      MEMBERSHIP_HASH_ALGORITHM: 'System.Security.Cryptography.SHA256',
    });
    const profile = loadSchemaProfile('aspnet-membership', profileSettings);
    assert.equal(profile.kind === 'membership' && profile.passwordFormats.hashed, 'membership-sha256');
  });
});
