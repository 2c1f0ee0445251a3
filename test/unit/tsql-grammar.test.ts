import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { antlr4tsSQL, SQLDialect } from 'antlr4ts-sql';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { migrationAdminStatements } from '../../src/store/migration-admin-statements';
import {
  initDdl,
  MARK_SQL,
  PING_SQL,
  profileStatementTexts,
  schemaCheckSql,
  tableExistsSql,
  tablesGuardedBy,
} from '../../src/store/mssql/mssql-catalog';
import { mssqlDialect } from '../../src/store/mssql/mssql-dialect';
import { mssqlStatements } from '../../src/store/mssql/mssql-repository';
import type { SchemaProfile } from '../../src/store/schema-profile';

/**
 * The grammar gate: every T-SQL statement the mssql adapter can send, for every schema profile, is
 * parsed with the ANTLR T-SQL grammar (antlr4ts-sql, SQLDialect.TSQL). A syntax error fails. This is
 * the check that what the TDS test server accepts (through its SQLite rewrite) is also T-SQL that
 * SQL Server's grammar accepts; it does not check names, types or semantics.
 */

/** Syntax errors the lexer and parser report for one script, as `line:col message`. */
function tsqlSyntaxErrors(script: string): string[] {
  const errors: string[] = [];
  const listener = {
    syntaxError: (_r: unknown, _s: unknown, line: number, column: number, message: string) => {
      errors.push(`${line}:${column} ${message.slice(0, 200)}`);
    },
  };
  const parser = new antlr4tsSQL(SQLDialect.TSQL);
  const tokens = parser.getTokens(script, [listener as never]);
  parser.getParseTree(parser.getParser(tokens, [listener as never]));
  return errors;
}

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

/** What the migration commands (status, purge, export) send for a profile, every method called once. */
function migrationAdminTexts(profile: SchemaProfile): string[] {
  const s = migrationAdminStatements(profile, mssqlDialect);
  const at = new Date('2026-01-01T00:00:00.000Z');
  const id = '00000000-0000-4000-8000-000000000000';
  return [
    s.countUsers(),
    s.countMarkedUsers(null),
    s.countMarkedUsers(at),
    s.listMarkedBefore(at, null, 100),
    s.listMarkedBefore(at, id, 100),
    s.listPendingIds(null, 100),
    s.listPendingIds(id, 100),
    s.userExists(id),
    s.deleteMarkBefore(id, at),
    s.insertMark(id, at, 'export'),
    s.deleteMark(id),
    ...s.deleteUser(id),
    s.archiveExists('ArchivedUsers'),
    s.createArchive('ArchivedUsers'),
    s.checkArchiveColumns('ArchivedUsers'),
    s.archiveUser('ArchivedUsers', id, at),
  ].map((statement) => statement.sql);
}

/** Everything the adapter sends for a profile: its statements, the side table's, start-up checks, db init, migration commands. */
function adapterStatements(profile: SchemaProfile): string[] {
  const ddl = initDdl(profile, true);
  return [
    ...migrationAdminTexts(profile),
    ...profileStatementTexts(mssqlStatements(profile)),
    ...Object.values(MARK_SQL),
    PING_SQL,
    ...schemaCheckSql(profile),
    ...ddl,
    ...ddl.flatMap(tablesGuardedBy).map(tableExistsSql),
  ];
}

describe('T-SQL grammar gate (antlr4ts-sql, TSQL)', function () {
  // The first parse builds the ANTLR automaton (a few hundred ms on these machines).
  this.timeout(60_000);

  it('rejects what is not T-SQL (the gate can fail)', () => {
    for (const notTsql of [
      'SELECT "a" FROM "T" LIMIT 1',
      'INSERT INTO T (a) VALUES (@a) RETURNING a',
      'SELECT `a` FROM T',
      'SELECT a FROM T WHERE a = ?',
    ]) {
      assert.notDeepEqual(tsqlSyntaxErrors(notTsql), [], notTsql);
    }
  });

  for (const { label, profile } of PROFILES) {
    it(`every statement of the ${label} profile parses`, () => {
      const statements = adapterStatements(profile);
      assert.ok(statements.length >= 15, `collected ${statements.length} statements`);
      const failures = statements
        .map((sql) => ({ sql, errors: tsqlSyntaxErrors(sql) }))
        .filter((r) => r.errors.length > 0);
      assert.deepEqual(failures, []);
    });
  }

  it('the SQL Server DDL files in sql/ parse', () => {
    const dir = join(__dirname, '..', '..', 'sql');
    const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
    assert.ok(files.length >= 1);
    for (const file of files) {
      assert.deepEqual(tsqlSyntaxErrors(readFileSync(join(dir, file), 'utf8')), [], file);
    }
  });
});
