import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { profileStatements, requiredTables } from '../../src/store/profile-statements';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import { parseJsonProfile } from '../../src/store/profiles/json-profile';
import type { UsersTableProfile } from '../../src/store/schema-profile';
import { assertValidProfile } from '../../src/store/sql-identifier';
import { sqliteDialect } from '../../src/store/sqlite/sqlite-dialect';
import { describePasswordColumnsContract, scryptShapedHash } from '../contract/password-columns-contract';
import { describeRepositoryContract, type RepositoryHandle } from '../contract/repository-contract';
import {
  loadJsonProfileText,
  MINIMAL_JSON_PROFILE as MINIMAL,
  refusesJsonProfile as refuses,
} from '../support/json-profile-file';
import { openTempSqliteRepository } from '../support/temp-sqlite-repository';

const FIXTURES = join(__dirname, '..', 'fixtures', 'profiles');
const FIXED_JSON = join(FIXTURES, 'salted-fixed.json');
const COLUMN_JSON = join(FIXTURES, 'salted-column.json');
const load = (path: string) => loadSchemaProfile(path) as UsersTableProfile;

const SALT = { name: 'Salt', type: 'text', maxLength: 64 };

/** A fresh SQLite file initialised for `profile`, one per test. */
function sqliteOpener(profile: UsersTableProfile): () => Promise<RepositoryHandle> {
  return () => openTempSqliteRepository(profile, { prefix: 'lia-password-columns-' });
}

describe('users-table profiles with password salt and format columns', () => {
  describe('custom JSON profiles: passwordSalt and passwordFormat', () => {
    it('loads a salt column and a fixed format spec', () => {
      const profile = load(FIXED_JSON);
      assert.deepEqual(profile.passwordSalt, { name: 'PwdSalt', type: { kind: 'text', maxLength: 64 } });
      assert.deepEqual(profile.passwordFormat, {
        kind: 'fixed',
        spec: 'salted-sha256;salt_position=suffix;encoding=utf16le',
      });
    });

    it('loads a salt column and a format column', () => {
      const profile = load(COLUMN_JSON);
      assert.deepEqual(profile.passwordSalt, { name: 'Salt', type: { kind: 'text', maxLength: 128 } });
      assert.deepEqual(profile.passwordFormat, {
        kind: 'column',
        column: { name: 'HashFormat', type: { kind: 'text', maxLength: 100 } },
      });
    });

    it('treats both keys as optional (absent or null: not mapped)', () => {
      for (const json of [MINIMAL, { ...MINIMAL, passwordSalt: null, passwordFormat: null }]) {
        const profile = parseJsonProfile(json, 'people.json');
        assert.equal('passwordSalt' in profile, false);
        assert.equal('passwordFormat' in profile, false);
      }
    });

    it('refuses a passwordFormat that is not exactly one of fixed or column, naming the JSON path', () => {
      refuses({ ...MINIMAL, passwordFormat: {} }, /custom\.json: \$\.passwordFormat: expected exactly one of "fixed"/);
      refuses(
        { ...MINIMAL, passwordFormat: { fixed: 'salted-md5', column: SALT } },
        /\$\.passwordFormat: expected exactly one of/,
      );
      refuses({ ...MINIMAL, passwordFormat: 'salted-md5' }, /\$\.passwordFormat: expected an object, got a string/);
      refuses({ ...MINIMAL, passwordFormat: { kind: 'fixed' } }, /\$\.passwordFormat\.kind: unknown key/);
      refuses(
        { ...MINIMAL, passwordFormat: { fixed: 5 } },
        /\$\.passwordFormat\.fixed: expected a string, got a number/,
      );
      refuses(
        { ...MINIMAL, passwordFormat: { column: { name: 'F"x', type: 'text', maxLength: 20 } } },
        /\$\.passwordFormat\.column\.name: "F"x" is not a plain identifier/,
      );
      refuses({ ...MINIMAL, passwordSalt: { name: 'Salt', type: 'text' } }, /\$\.passwordSalt\.maxLength: expected/);
    });

    it('refuses a fixed spec the service cannot verify with: bad syntax, unknown format, foreign or bad options', () => {
      refuses(
        { ...MINIMAL, passwordFormat: { fixed: 'salted-sha256;suffix' } },
        /\$\.passwordFormat\.fixed: is not a format spec/,
      );
      refuses(
        { ...MINIMAL, passwordFormat: { fixed: 'sha256-salted' } },
        /\$\.passwordFormat\.fixed: unknown format "sha256-salted" \(expected one of: scrypt, bcrypt/,
      );
      refuses(
        { ...MINIMAL, passwordFormat: { fixed: 'bcrypt;encoding=utf16le' } },
        /\$\.passwordFormat\.fixed: format "bcrypt" has no option "encoding"/,
      );
      refuses(
        { ...MINIMAL, passwordFormat: { fixed: 'salted-sha1;salt_position=middle' } },
        /\$\.passwordFormat\.fixed: option "salt_position" must be one of: prefix, suffix/,
      );
      refuses(
        { ...MINIMAL, passwordFormat: { fixed: 'salted-sha1;encoding=latin1' } },
        /\$\.passwordFormat\.fixed: option "encoding" must be one of: utf8, utf16le/,
      );
      for (const spec of ['scrypt', 'membership-clear', 'salted-md5;encoding=utf16le', 'membership-hmacsha512']) {
        assert.deepEqual(parseJsonProfile({ ...MINIMAL, passwordFormat: { fixed: spec } }, 'ok.json').passwordFormat, {
          kind: 'fixed',
          spec,
        });
      }
    });

    it('refuses salt and format columns of the wrong type, too short, or mapped twice (at load time)', () => {
      assert.throws(
        () => assertLoadsFromObject({ ...MINIMAL, passwordSalt: { name: 'Salt', type: 'int' } }),
        /column "Salt" \(passwordSalt\) must be of type text/,
      );
      assert.throws(
        () =>
          assertLoadsFromObject({
            ...MINIMAL,
            passwordFormat: { column: { name: 'Fmt', type: 'text', maxLength: 5 } },
          }),
        /column "Fmt" \(passwordFormat\) must hold at least 6 characters/,
      );
      assert.throws(
        () => assertLoadsFromObject({ ...MINIMAL, passwordSalt: { name: 'HASH', type: 'text', maxLength: 64 } }),
        /column "HASH" is mapped twice/,
      );
      assert.throws(
        () => assertLoadsFromObject({ ...MINIMAL, passwordSalt: SALT, passwordFormat: { column: SALT } }),
        /column "Salt" is mapped twice/,
      );
    });

    it('checks the column types of a TypeScript profile object too', () => {
      assert.throws(
        () => assertValidProfile({ ...DEFAULT_PROFILE, passwordSalt: { name: 'Salt', type: { kind: 'bool' } } }),
        /\(passwordSalt\) must be of type text/,
      );
    });

    it('generates DDL with the salt (exact, nullable) and format (nullable) columns for both stores', () => {
      const fixed = load(FIXED_JSON);
      assert.match(fixed.ddl.sqlite?.[0] ?? '', /\n {2}"PwdSalt" TEXT NULL,\n/);
      assert.match(fixed.ddl.mssql?.[0] ?? '', /\[PwdSalt\] NVARCHAR\(64\) COLLATE Latin1_General_100_BIN2 NULL,/);
      assert.doesNotMatch(fixed.ddl.mssql?.[0] ?? '', /Format/);
      const column = load(COLUMN_JSON);
      assert.match(column.ddl.sqlite?.[0] ?? '', /\n {2}"Salt" TEXT NULL,\n {2}"HashFormat" TEXT NULL,\n/);
      assert.match(column.ddl.mssql?.[0] ?? '', /\[Salt\] NVARCHAR\(128\) COLLATE Latin1_General_100_BIN2 NULL,/);
      assert.match(column.ddl.mssql?.[0] ?? '', /\[HashFormat\] NVARCHAR\(100\) NULL,/);
      assert.deepEqual(requiredTables(column)[0]?.columns.slice(0, 6), [
        'LoginId',
        'Email',
        'Hash',
        'EmailConfirmed',
        'Salt',
        'HashFormat',
      ]);
    });
  });

  describe('statements', () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const now = new Date('2026-01-01T00:00:00.000Z');

    it('select, insert and update the salt and format with parameters typed from their columns', () => {
      const s = profileStatements(load(COLUMN_JSON), sqliteDialect);
      assert.match(s.findById(id).sql, /"Salt" AS "passwordSalt", "HashFormat" AS "passwordFormat"/);
      const password = { hash: 'h', salt: 'x', format: 'salted-md5' };
      const [insert] = s.insert(id, { email: 'a@example.com', password, emailVerified: false }, now);
      const values = Object.values(insert?.params ?? {});
      assert.ok(values.some((p) => p.value === 'x' && JSON.stringify(p.type) === '{"kind":"text","maxLength":128}'));
      assert.ok(
        values.some((p) => p.value === 'salted-md5' && JSON.stringify(p.type) === '{"kind":"text","maxLength":100}'),
      );
      const [update] = s.updatePassword(id, { hash: scryptShapedHash(), format: 'scrypt' }, undefined, now);
      assert.match(update?.sql ?? '', /SET "Hash" = @hash, "Salt" = @salt, "HashFormat" = @format/);
      assert.deepEqual(
        [update?.params.salt?.value, update?.params.format?.value, update?.params.format?.type],
        [null, 'scrypt', { kind: 'text', maxLength: 100 }],
      );
      const [cas] = s.updatePassword(id, { hash: 'n' }, { hash: 'o', salt: 's' }, now);
      assert.match(
        cas?.sql ?? '',
        /"Hash" = @expectedHash COLLATE BINARY AND COALESCE\("Salt", ''\) = @expectedSalt COLLATE BINARY$/,
      );
      assert.deepEqual(cas?.params.expectedSalt, { value: 's', type: { kind: 'text', maxLength: 128 } });
      const [casUnsalted] = s.updatePassword(id, { hash: 'n' }, { hash: 'o' }, now);
      assert.equal(casUnsalted?.params.expectedSalt?.value, '');
    });

    it('a fixed format writes no format column', () => {
      const s = profileStatements(load(FIXED_JSON), sqliteDialect);
      const [update] = s.updatePassword(id, { hash: 'n', format: 'scrypt' }, undefined, now);
      assert.match(update?.sql ?? '', /SET "PwdHash" = @hash, "PwdSalt" = @salt WHERE/);
      assert.equal(update?.params.format, undefined);
    });

    it('leaves the default profile as it was: no salt or format, the same columns and statements', () => {
      assert.equal('passwordSalt' in DEFAULT_PROFILE, false);
      assert.equal('passwordFormat' in DEFAULT_PROFILE, false);
      const s = profileStatements(DEFAULT_PROFILE, sqliteDialect);
      assert.doesNotMatch(s.findById(id).sql, /passwordSalt|passwordFormat/);
      const [cas] = s.updatePassword(id, { hash: 'n', salt: 's', format: 'x' }, { hash: 'o', salt: 's' }, now);
      assert.equal(
        cas?.sql,
        'UPDATE "Users" SET "PasswordHash" = @hash, "UpdatedAt" = @now WHERE "Id" = @userId AND "PasswordHash" = @expectedHash COLLATE BINARY',
      );
      assert.deepEqual(Object.keys(cas?.params ?? {}).sort(), ['expectedHash', 'hash', 'now', 'userId']);
      assert.deepEqual(
        s.decodeRow(
          { userId: 'u', email: 'e@example.com', emailVerified: 0, passwordHash: 'h', passwordSalt: 'x' },
          now,
        ).user.password,
        { hash: 'h' },
      );
    });
  });

  // salted-fixed.json has no metadata columns.
  describeRepositoryContract('sqlite (salted-fixed.json)', sqliteOpener(load(FIXED_JSON)), { metadata: false });
  describeRepositoryContract('sqlite (salted-column.json)', sqliteOpener(load(COLUMN_JSON)));
  describePasswordColumnsContract('sqlite', load(FIXED_JSON), sqliteOpener(load(FIXED_JSON)));
  describePasswordColumnsContract('sqlite', load(COLUMN_JSON), sqliteOpener(load(COLUMN_JSON)));
});

/** Parses and validates a profile object as loading its JSON file would. */
function assertLoadsFromObject(json: object): UsersTableProfile {
  return loadJsonProfileText(JSON.stringify(json)) as UsersTableProfile;
}
