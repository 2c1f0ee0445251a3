import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import { mappedColumns, type UsersTableProfile } from '../../src/store/schema-profile';
import { assertValidProfile } from '../../src/store/sql-identifier';
import { sqliteDialect } from '../../src/store/sqlite/sqlite-dialect';
import { usersTableStatements } from '../../src/store/users-table-statements';

describe('schema profiles', () => {
  describe('loadSchemaProfile', () => {
    it('loads default', () => {
      assert.equal(loadSchemaProfile('default'), DEFAULT_PROFILE);
    });

    it('loads the ASP.NET profiles, reads JSON files, and refuses unknown names', () => {
      assert.equal(loadSchemaProfile('aspnet-identity').name, 'aspnet-identity');
      assert.equal(loadSchemaProfile('aspnet-membership').name, 'aspnet-membership');
      assert.throws(() => loadSchemaProfile('./custom.json'), /schema profile \.\/custom\.json: cannot read the file/);
      assert.throws(() => loadSchemaProfile('nonsense'), /unknown schema profile "nonsense"/);
    });
  });

  describe('assertValidProfile', () => {
    const withTable = (table: string): UsersTableProfile => ({ ...DEFAULT_PROFILE, table });
    const withEmailColumn = (name: string): UsersTableProfile => ({
      ...DEFAULT_PROFILE,
      email: { ...DEFAULT_PROFILE.email, column: { name, type: { kind: 'text', maxLength: 256 } } },
    });

    it('accepts plain and schema-qualified table names', () => {
      assertValidProfile(DEFAULT_PROFILE);
      assertValidProfile(withTable('dbo.Users'));
    });

    it('refuses identifiers that could break out of quoting', () => {
      for (const bad of ['Users]; DROP TABLE Users;--', 'Us"ers', 'a.b.c', '', '1Users', 'Users ']) {
        assert.throws(() => assertValidProfile(withTable(bad)), /schema profile default: invalid table name/, bad);
      }
      for (const bad of ['Email]', 'E"mail', 'Email--', 'x'.repeat(129)]) {
        assert.throws(() => assertValidProfile(withEmailColumn(bad)), /invalid column name/, bad);
      }
    });

    it('refuses a column mapped twice', () => {
      assert.throws(() => assertValidProfile(withEmailColumn('username')), /column "UserName" is mapped twice/);
    });
  });

  describe('statements for SQLite', () => {
    const statements = usersTableStatements(DEFAULT_PROFILE, sqliteDialect);

    it('carry values only as parameters, typed by their column', () => {
      const hostile = `x'); DROP TABLE Users;--`;
      const find = statements.findByEmail(hostile);
      assert.ok(!find.sql.includes(hostile));
      assert.deepEqual(find.params, { email: { value: hostile, type: { kind: 'text', maxLength: 256 } } });
      const [insert] = statements.insert(
        'id-1',
        { email: hostile, password: { hash: 'h' }, emailVerified: true },
        new Date(0),
      );
      assert.ok(insert && !insert.sql.includes(hostile));
      assert.ok(Object.values(insert.params).some((p) => p.value === hostile));
    });

    it('quote every identifier and compare emails without case and hashes exactly', () => {
      assert.match(statements.findByEmail('a').sql, /FROM "Users" WHERE "Email" = @email COLLATE NOCASE$/);
      const [cas] = statements.updatePassword('id', { hash: 'n' }, { hash: 'o' }, new Date(0));
      assert.match(cas?.sql ?? '', /"PasswordHash" = @expectedHash COLLATE BINARY$/);
    });
  });

  describe('sql/default.sql (SQL Server DDL)', () => {
    const ddl = readFileSync(join(__dirname, '..', '..', 'sql', 'default.sql'), 'utf8');

    it('declares every column the default profile maps, with the profile’s text lengths', () => {
      for (const column of mappedColumns(DEFAULT_PROFILE)) {
        const match = new RegExp(`\\[${column.name}\\]\\s+(NVARCHAR\\((\\d+|MAX)\\)|BIT|DATETIME2\\(3\\))`).exec(ddl);
        assert.ok(match, `column ${column.name} missing from sql/default.sql`);
        const type = column.type;
        if (type.kind === 'text') {
          assert.equal(match[2], type.maxLength === 'max' ? 'MAX' : String(type.maxLength), column.name);
        } else {
          assert.equal(match[1], type.kind === 'bool' ? 'BIT' : 'DATETIME2(3)', column.name);
        }
      }
    });

    it('is idempotent and creates the side table, without DROP or ALTER', () => {
      assert.match(ddl, /IF OBJECT_ID\(N'\[dbo\]\.\[Users\]', N'U'\) IS NULL/);
      assert.match(ddl, /IF OBJECT_ID\(N'\[dbo\]\.\[IdentityAdapterMigrations\]', N'U'\) IS NULL/);
      assert.match(ddl, /\[UserId\]\s+NVARCHAR\(128\)/);
      assert.doesNotMatch(ddl.replace(/--.*$/gm, ''), /\b(DROP|ALTER)\b/i);
    });
  });
});
