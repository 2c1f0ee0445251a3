import assert from 'node:assert/strict';
import { join } from 'node:path';
import { antlr4tsSQL, SQLDialect } from 'antlr4ts-sql';
import type { StoreConfig } from '../../src/config';
import type { DomainLogger } from '../../src/domain/deps';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { membershipApplicationCheck } from '../../src/store/membership-application-check';
import { initMssqlStore } from '../../src/store/mssql/init';
import { mssqlDialect } from '../../src/store/mssql/mssql-dialect';
import { openMssqlRepository } from '../../src/store/mssql/open-mssql-repository';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import { parseJsonProfile } from '../../src/store/profiles/json-profile';
import type { SchemaProfile } from '../../src/store/schema-profile';
import { assertValidProfile } from '../../src/store/sql-identifier';
import { initSqliteStore } from '../../src/store/sqlite/init';
import { openSqliteRepository } from '../../src/store/sqlite/open-sqlite-repository';
import { loadJsonProfileText, MINIMAL_JSON_PROFILE } from '../support/json-profile-file';
import { RecordingLogger } from '../support/recording-logger';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';
import { tempDirs } from '../support/temp-dirs';

describe('store robustness: schema profiles that cannot work are caught at start-up', () => {
  describe('JSON profiles: columns too short for what the adapter writes are refused at load, naming the JSON path', () => {
    const withHash = (maxLength: number | 'max') => ({
      ...MINIMAL_JSON_PROFILE,
      passwordHash: { name: 'Hash', type: 'text', maxLength },
    });
    const withFormatColumn = (maxLength: number | 'max') => ({
      ...MINIMAL_JSON_PROFILE,
      passwordFormat: { column: { name: 'Fmt', type: 'text', maxLength } },
    });

    it('refuses a passwordHash column shorter than a scrypt hash (128 characters)', () => {
      for (const short of [1, 64, 127]) {
        assert.throws(
          () => parseJsonProfile(withHash(short), 'custom.json'),
          new RegExp(
            `^JsonProfileError: schema profile custom\\.json: \\$\\.passwordHash\\.maxLength: column "Hash" \\(passwordHash\\) must hold at least 128 characters .*not ${short}; widen it`,
          ),
        );
      }
      assert.throws(
        () => loadJsonProfileText(JSON.stringify(withHash(100))),
        /custom\.json: \$\.passwordHash\.maxLength: column "Hash" \(passwordHash\) must hold at least 128 characters/,
      );
    });

    it('accepts a passwordHash column of 128 characters or more, or max', () => {
      for (const fits of [128, 512, 'max'] as const) {
        assert.deepEqual(parseJsonProfile(withHash(fits), 'ok.json').passwordHash, {
          name: 'Hash',
          type: { kind: 'text', maxLength: fits },
        });
      }
    });

    it('refuses a password format column shorter than the format the adapter writes ("scrypt")', () => {
      assert.throws(
        () => parseJsonProfile(withFormatColumn(5), 'custom.json'),
        /custom\.json: \$\.passwordFormat\.column\.maxLength: column "Fmt" \(passwordFormat\) must hold at least 6 characters \("scrypt"/,
      );
      assert.equal(parseJsonProfile(withFormatColumn(6), 'ok.json').passwordFormat?.kind, 'column');
    });

    it('refuses a short passwordHash column in a TypeScript profile object too', () => {
      assert.throws(
        () =>
          assertValidProfile({
            ...DEFAULT_PROFILE,
            passwordHash: { name: 'H', type: { kind: 'text', maxLength: 64 } },
          }),
        /column "H" \(passwordHash\) must hold at least 128 characters/,
      );
    });
  });

  describe('aspnet-membership: an APPLICATION_NAME that matches no application is reported when the store opens', () => {
    const tempDir = tempDirs('lia-app-');
    let seeded = 0;
    const membership = (applicationName: string) =>
      loadSchemaProfile('aspnet-membership', { applicationName, membershipHashAlgorithm: 'SHA1' });

    /** The warnings about the application a logger received. */
    const applicationWarnings = (logger: RecordingLogger) =>
      logger.lines.filter(
        (l) => l.level === 'warn' && (l.obj as { event?: string }).event === 'store_application_missing',
      );

    /** Opens the store for `profile`, closes it, and returns what was logged. */
    type OpenAndClose = (profile: SchemaProfile, logger: DomainLogger) => Promise<void>;

    /** The same checks on every store: empty table, right name (any case), wrong name. */
    function checks(open: OpenAndClose, seed: (profile: SchemaProfile) => Promise<void>) {
      it('says nothing on a new database (no application yet: the first sign-up creates it)', async () => {
        const logger = new RecordingLogger();
        await open(membership('/Wrong'), logger);
        assert.deepEqual(applicationWarnings(logger), []);
      });

      it('says nothing when the application exists, whatever the letter case of APPLICATION_NAME', async () => {
        await seed(membership('/Shop'));
        for (const name of ['/Shop', '/SHOP']) {
          const logger = new RecordingLogger();
          await open(membership(name), logger);
          assert.deepEqual(applicationWarnings(logger), [], name);
        }
      });

      it('warns, naming the configured application and the others, when it is missing and others exist', async () => {
        await seed(membership('/Shop'));
        await seed(membership('/Admin'));
        const logger = new RecordingLogger();
        await open(membership('/Wrong'), logger);
        const warnings = applicationWarnings(logger);
        assert.equal(warnings.length, 1);
        assert.deepEqual(warnings[0]?.obj, {
          event: 'store_application_missing',
          application: '/Wrong',
          other_applications: 2,
          other_application_names: ['/Admin', '/Shop'],
        });
        assert.match(
          warnings[0]?.msg ?? '',
          /APPLICATION_NAME "\/Wrong" has no row in aspnet_Applications, which holds 2 other applications: every user will look absent/,
        );
      });
    }

    describe('on SQLite', () => {
      let path: string;
      beforeEach(() => {
        path = join(tempDir(), 'membership.db');
        initSqliteStore(path, { profile: membership('/Shop') });
      });
      const open: OpenAndClose = async (profile, logger) => {
        await openSqliteRepository(path, { profile, logger }).close();
      };
      checks(open, async (profile) => {
        const repository = openSqliteRepository(path, { profile, logger: new RecordingLogger() });
        await repository.insert({ email: `u${++seeded}@example.com`, password: { hash: 'h' }, emailVerified: false });
        await repository.close();
      });
    });

    describe('on SQL Server (TDS test server)', () => {
      let server: TdsServer;
      let store: Extract<StoreConfig, { kind: 'mssql' }>;
      beforeEach(async () => {
        server = await startTdsServer();
        store = { kind: 'mssql', connectionString: server.storeUrl() };
        await initMssqlStore(store, {
          profile: membership('/Shop'),
          createLegacyTables: true,
          logger: new RecordingLogger(),
        });
      });
      afterEach(async () => {
        await server.close();
      });
      const open: OpenAndClose = async (profile, logger) => {
        await (await openMssqlRepository(store, { profile, logger })).close();
      };
      checks(open, async (profile) => {
        const repository = await openMssqlRepository(store, { profile, logger: new RecordingLogger() });
        await repository.insert({ email: `u${++seeded}@example.com`, password: { hash: 'h' }, emailVerified: false });
        await repository.close();
      });

      it('the check is T-SQL the grammar accepts', () => {
        const check = membershipApplicationCheck(membership('/Shop'), mssqlDialect);
        assert.ok(check);
        for (const { sql } of [check.counts, check.others]) {
          const errors: string[] = [];
          const listener = { syntaxError: (...args: unknown[]) => errors.push(String(args[4])) };
          const parser = new antlr4tsSQL(SQLDialect.TSQL);
          const tokens = parser.getTokens(sql, [listener as never]);
          parser.getParseTree(parser.getParser(tokens, [listener as never]));
          assert.deepEqual(errors, [], sql);
        }
      });
    });
  });
});
