import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { IdentityError } from '../../src/domain/errors';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { initMssqlStore } from '../../src/store/mssql/init';
import type { MssqlRepository } from '../../src/store/mssql/mssql-repository';
import { openMssqlRepository } from '../../src/store/mssql/open-mssql-repository';
import { openRepository } from '../../src/store/open-repository';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import type { SchemaProfile } from '../../src/store/schema-profile';
import {
  type ContractOptions,
  describeRepositoryContract,
  lockoutOf,
  rejectsWith,
} from '../contract/repository-contract';
import { RecordingLogger } from '../support/recording-logger';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';

const PASSWORD = 'Tds-Test-S3cret';

type MssqlStore = Extract<StoreConfig, { kind: 'mssql' }>;

/** The contract over one store: each test opens its own pool; the database is shared (the contract allows it). */
function mssqlContract(name: string, store: () => MssqlStore, profile: SchemaProfile, options: ContractOptions = {}) {
  describeRepositoryContract(
    name,
    async () => {
      const logger = new RecordingLogger();
      let repository = await openMssqlRepository(store(), { profile, logger });
      return {
        get repository() {
          return repository;
        },
        async reopen() {
          await repository.close();
          repository = await openMssqlRepository(store(), { profile, logger });
          return repository;
        },
        async close() {
          await repository.close();
        },
      };
    },
    { ...lockoutOption(profile), ...options },
  );
}

/** The profile's LEGACY_LOCKOUT bookkeeping, as the contract's option (none: its tests are pending). */
function lockoutOption(profile: SchemaProfile): ContractOptions {
  const lockout = lockoutOf(profile);
  return lockout ? { lockout } : {};
}

/** The contract for one profile over its own TDS test server, its tables made by `db init --create-legacy-schema`. */
function contractOverTds(label: string, profile: SchemaProfile, options: ContractOptions = {}) {
  describe(`mssql adapter over the TDS test server: ${label}`, () => {
    let server: TdsServer;
    let store: MssqlStore;
    before(async () => {
      server = await startTdsServer();
      store = { kind: 'mssql', connectionString: server.storeUrl() };
      await initMssqlStore(store, { profile, createLegacyTables: true, logger: new RecordingLogger() });
    });
    after(async () => {
      await server.close();
    });
    mssqlContract(`mssql over TDS (${label})`, () => store, profile, options);
  });
}

// As in sqlite-profiles-contract.test.ts: AspNetUsers and aspnet_Membership have no metadata columns.
contractOverTds('aspnet-identity profile', loadSchemaProfile('aspnet-identity'), { metadata: false });
contractOverTds(
  'aspnet-membership profile, application /Shop',
  loadSchemaProfile('aspnet-membership', { applicationName: '/Shop', membershipHashAlgorithm: 'SHA1' }),
  { metadata: false },
);
contractOverTds(
  'custom JSON profile test/fixtures/profiles/acme-members.json',
  loadSchemaProfile(join(__dirname, '..', 'fixtures', 'profiles', 'acme-members.json')),
);
contractOverTds(
  'custom JSON profile test/fixtures/profiles/acme-lockout.json (Membership-style lockout columns)',
  loadSchemaProfile(join(__dirname, '..', 'fixtures', 'profiles', 'acme-lockout.json')),
  { metadata: false },
);

describe('mssql adapter over the TDS test server', () => {
  let server: TdsServer;
  let store: MssqlStore;

  before(async () => {
    server = await startTdsServer();
    store = { kind: 'mssql', connectionString: server.storeUrl({ password: PASSWORD }) };
    await initMssqlStore(store, { profile: DEFAULT_PROFILE, createLegacyTables: true, logger: new RecordingLogger() });
  });

  after(async () => {
    await server.close();
  });

  mssqlContract('mssql over TDS (default profile)', () => store, DEFAULT_PROFILE);

  describe('db init', () => {
    it('creates the side table only, unless asked for the legacy tables; a second run creates nothing', async () => {
      const fresh = await startTdsServer();
      try {
        const freshStore: MssqlStore = { kind: 'mssql', connectionString: fresh.storeUrl() };
        const logger = new RecordingLogger();
        const first = await initMssqlStore(freshStore, { profile: DEFAULT_PROFILE, createLegacyTables: false, logger });
        assert.deepEqual(first.created, ['IdentityAdapterMigrations']);
        const second = await initMssqlStore(freshStore, { profile: DEFAULT_PROFILE, createLegacyTables: true, logger });
        assert.deepEqual(second.created, ['Users']);
        const third = await initMssqlStore(freshStore, { profile: DEFAULT_PROFILE, createLegacyTables: true, logger });
        assert.deepEqual(third.created, []);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('opening', () => {
    it('openRepository opens mssql from STORE_URL and the profile name', async () => {
      const repository = await openRepository(store, { profile: 'default', logger: new RecordingLogger() });
      try {
        await repository.ping();
        assert.equal(typeof (await repository.countUsers()), 'number');
      } finally {
        await repository.close();
      }
    });

    it('a refused login is unavailable with an operator-readable reason that never contains the password', async () => {
      server.refuseLogins(true);
      const logger = new RecordingLogger();
      try {
        await assert.rejects(openMssqlRepository(store, { profile: DEFAULT_PROFILE, logger }), (error: unknown) => {
          assert.ok(error instanceof IdentityError);
          assert.equal(error.code, 'unavailable');
          assert.match(error.message, /refused the login to 127\.0\.0\.1:\d+\/legacy as sa/);
          return true;
        });
      } finally {
        server.refuseLogins(false);
      }
      assert.match(logger.lines[0]?.msg ?? '', /check the user and password in STORE_URL/);
      assert.ok(!JSON.stringify(logger.lines).includes(PASSWORD));
    });

    it('an unreachable server is unavailable, naming the server', async () => {
      const gone = await startTdsServer();
      const url = gone.storeUrl({ password: PASSWORD });
      await gone.close();
      await assert.rejects(
        openMssqlRepository({ connectionString: url }, { profile: DEFAULT_PROFILE, logger: new RecordingLogger() }),
        (error: unknown) =>
          error instanceof IdentityError &&
          error.code === 'unavailable' &&
          /cannot connect to SQL Server at 127\.0\.0\.1/.test(error.message) &&
          !error.message.includes(PASSWORD),
      );
    });

    it('encryption on (the default) against a server without TLS is unavailable, saying why', async () => {
      const encrypted = { connectionString: store.connectionString.replace('encrypt=false', 'encrypt=true') };
      await assert.rejects(
        openMssqlRepository(encrypted, { profile: DEFAULT_PROFILE, logger: new RecordingLogger() }),
        (error: unknown) =>
          error instanceof IdentityError &&
          error.code === 'unavailable' &&
          /disagree on encryption/.test(error.message),
      );
    });

    it('refuses a database whose tables do not match the profile, naming the column', async () => {
      const other = await startTdsServer();
      try {
        other.engine.database.exec('CREATE TABLE "Users" ("Id" NVARCHAR(128) PRIMARY KEY, "Email" NVARCHAR(256))');
        const otherStore: MssqlStore = { kind: 'mssql', connectionString: other.storeUrl() };
        await assert.rejects(
          openMssqlRepository(otherStore, { profile: DEFAULT_PROFILE, logger: new RecordingLogger() }),
          /does not match schema profile default \(Invalid column name/,
        );
      } finally {
        await other.close();
      }
    });
  });

  describe('on the wire', () => {
    let repository: MssqlRepository;
    let logger: RecordingLogger;

    beforeEach(async () => {
      logger = new RecordingLogger();
      repository = await openMssqlRepository(
        { ...store, tuning: { poolMax: 1 } },
        { profile: DEFAULT_PROFILE, logger },
      );
    });

    afterEach(async () => {
      server.delay(0);
      await repository.close();
    });

    it('sends typed sp_executesql with brackets and @parameters, never a value in the SQL text', async () => {
      const before = server.received.length;
      await repository.findByEmail("o'brien@example.com");
      const sent = server.received.slice(before).filter((s) => s.includes('[Users]'));
      assert.equal(sent.length, 1);
      assert.match(sent[0] ?? '', /WHERE \[Email\] = @email$/);
      assert.ok(!(sent[0] ?? '').includes('brien'));
    });

    it('retries a deadlock victim once, then succeeds', async () => {
      const user = await repository.insert({
        email: 'deadlock1@example.com',
        password: { hash: 'h' },
        emailVerified: false,
      });
      server.injectError({ number: 1205, severity: 13, message: 'deadlock victim', match: /^UPDATE \[Users\]/ });
      await repository.setEmailVerified(user.userId, true);
      assert.equal((await repository.findById(user.userId))?.emailVerified, true);
    });

    it('a deadlock twice in a row is unavailable, and nothing was written', async () => {
      const user = await repository.insert({
        email: 'deadlock2@example.com',
        password: { hash: 'h' },
        emailVerified: false,
      });
      server.injectError({
        number: 1205,
        severity: 13,
        message: 'deadlock victim',
        match: /^UPDATE \[Users\]/,
        times: 2,
      });
      await rejectsWith(repository.setEmailVerified(user.userId, true), 'unavailable');
      assert.equal((await repository.findById(user.userId))?.emailVerified, false);
    });

    it('a deadlock inside the delete transaction rolls it back and the retry completes it', async () => {
      const user = await repository.insert({
        email: 'deadlock3@example.com',
        password: { hash: 'h' },
        emailVerified: false,
      });
      await repository.markMigrated(user.userId, new Date(), 'authenticate');
      server.injectError({
        number: 1205,
        severity: 13,
        message: 'deadlock victim',
        match: /^DELETE FROM \[IdentityAdapterMigrations\]/,
      });
      await repository.delete(user.userId);
      assert.equal(await repository.findById(user.userId), null);
      assert.equal(await repository.getMigrationMark(user.userId), null);
    });

    it('a query slower than the deadline is deadline_exceeded, and the one pooled connection serves the next call', async () => {
      await repository.ping();
      const logins = server.stats.logins;
      server.delay(2_000, /\[Users\]/);
      await rejectsWith(
        repository.findByEmail('slow@example.com', { deadline: Date.now() + 150 }),
        'deadline_exceeded',
      );
      server.delay(0);
      assert.equal(await repository.findByEmail('slow@example.com'), null);
      assert.ok(server.stats.attentions >= 1, 'the client cancelled with ATTENTION');
      assert.equal(server.stats.logins, logins, 'no new connection was needed');
    });

    it('a query slower than MSSQL_REQUEST_TIMEOUT (no deadline) is unavailable, logged for the operator', async () => {
      await repository.close();
      repository = await openMssqlRepository(
        { ...store, tuning: { poolMax: 1, requestTimeoutMs: 150 } },
        { profile: DEFAULT_PROFILE, logger },
      );
      server.delay(2_000, /\[Users\]/);
      await rejectsWith(repository.findByEmail('slow@example.com'), 'unavailable');
      assert.ok(logger.lines.some((l) => /MSSQL_REQUEST_TIMEOUT/.test(l.msg)));
    });

    it('dropped connections are replaced: a read is retried on a fresh connection', async () => {
      await repository.ping();
      server.dropConnections();
      await repository.ping();
      assert.equal(await repository.findByEmail('nobody-dropped@example.com'), null);
    });

    it('a stopped server is unavailable (logged once per cause, without the password); back up, the pool recovers', async () => {
      await repository.ping();
      await server.stop();
      try {
        await rejectsWith(repository.findByEmail('down@example.com'), 'unavailable');
        await rejectsWith(
          repository.insert({ email: 'down@example.com', password: { hash: 'h' }, emailVerified: false }),
          'unavailable',
        );
      } finally {
        await server.start();
      }
      assert.equal(await repository.findByEmail('down@example.com'), null);
      const outages = logger.lines.filter((l) => (l.obj as { event?: string }).event === 'store_unavailable');
      assert.ok(outages.length >= 1);
      assert.ok(!JSON.stringify(logger.lines).includes(PASSWORD));
    });
  });
});

describe('mssql adapter on a real SQL Server', () => {
  const url = process.env.MSSQL_TEST_URL;
  if (!url) {
    it.skip(
      'skipped: set MSSQL_TEST_URL (an mssql:// URL or ADO connection string to a disposable database) to run the contract against a real SQL Server',
    );
    return;
  }
  const store: MssqlStore = { kind: 'mssql', connectionString: url };
  const profileName = process.env.MSSQL_TEST_PROFILE ?? 'default';
  const profile = loadSchemaProfile(profileName);
  before(async () => {
    await initMssqlStore(store, { profile, createLegacyTables: true, logger: new RecordingLogger() });
  });
  mssqlContract(`mssql on a real SQL Server (${profileName} profile)`, () => store, profile);
});
