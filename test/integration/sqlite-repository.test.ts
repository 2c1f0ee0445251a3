import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../../src/domain/clock';
import { IdentityError } from '../../src/domain/errors';
import { openRepository } from '../../src/store/open-repository';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import { initSqliteStore } from '../../src/store/sqlite/init';
import { openSqliteRepository } from '../../src/store/sqlite/open-sqlite-repository';
import { describeRepositoryContract, rejectsWith } from '../contract/repository-contract';
import { RecordingLogger } from '../support/recording-logger';
import { tempDirs } from '../support/temp-dirs';
import { openTempSqliteRepository } from '../support/temp-sqlite-repository';

const profile = DEFAULT_PROFILE;

describeRepositoryContract('sqlite (temp file, default profile)', () =>
  openTempSqliteRepository(profile, { prefix: 'lia-sqlite-contract-', logger: new RecordingLogger() }),
);

describe('SqliteRepository on the default profile', () => {
  const tempDir = tempDirs('lia-sqlite-');

  describe('db init', () => {
    it('creates the folder, the Users table and the side table; a second run creates nothing', () => {
      const path = join(tempDir(), 'nested', 'deeper', 'legacy.db');
      assert.deepEqual(initSqliteStore(path, { profile }).created, ['Users', 'IdentityAdapterMigrations']);
      assert.ok(existsSync(path));
      assert.deepEqual(initSqliteStore(path, { profile }).created, []);
    });

    it('never drops or alters existing data: rows and an extra legacy column survive', async () => {
      const path = join(tempDir(), 'legacy.db');
      const legacy = new DatabaseSync(path);
      legacy.exec(`CREATE TABLE Users (
        Id TEXT PRIMARY KEY, Email TEXT NOT NULL, UserName TEXT, PasswordHash TEXT NOT NULL,
        EmailVerified INTEGER NOT NULL, Name TEXT, GivenName TEXT, FamilyName TEXT, Nickname TEXT, Picture TEXT,
        UserMetadata TEXT, AppMetadata TEXT, CreatedAt TEXT NOT NULL, UpdatedAt TEXT NOT NULL,
        LegacyNotes TEXT)`);
      legacy
        .prepare(`INSERT INTO Users VALUES ('legacy-1', 'Old@Example.com', 'olduser', 'legacy-hash', 1,
          'Old User', 'Old', 'User', 'oldie', 'https://example.com/old.png', '{"tier":3}', NULL,
          '2001-01-01T00:00:00.000Z', '2001-01-01T00:00:00.000Z', 'keep me')`)
        .run();
      legacy.close();

      assert.deepEqual(initSqliteStore(path, { profile }).created, ['IdentityAdapterMigrations']);

      const check = new DatabaseSync(path);
      const row = check.prepare('SELECT LegacyNotes, Email, UpdatedAt FROM Users WHERE Id = ?').get('legacy-1');
      check.close();
      assert.deepEqual(
        { ...row },
        {
          LegacyNotes: 'keep me',
          Email: 'Old@Example.com',
          UpdatedAt: '2001-01-01T00:00:00.000Z',
        },
      );

      const repository = openSqliteRepository(path, { profile, logger: new RecordingLogger() });
      try {
        const user = await repository.findByEmail('old@example.com');
        assert.deepEqual(user, {
          userId: 'legacy-1',
          email: 'Old@Example.com',
          emailVerified: true,
          username: 'olduser',
          name: 'Old User',
          givenName: 'Old',
          familyName: 'User',
          nickname: 'oldie',
          picture: 'https://example.com/old.png',
          userMetadata: { tier: 3 },
          password: { hash: 'legacy-hash' },
          canLogin: true,
        });
      } finally {
        await repository.close();
      }
    });

    it('creates only the side table when asked not to create legacy tables', () => {
      const path = join(tempDir(), 'legacy.db');
      assert.deepEqual(initSqliteStore(path, { profile, createLegacyTables: false }).created, [
        'IdentityAdapterMigrations',
      ]);
    });

    it('puts the database in WAL mode', () => {
      const path = join(tempDir(), 'legacy.db');
      initSqliteStore(path, { profile });
      const db = new DatabaseSync(path);
      try {
        assert.equal(db.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal');
      } finally {
        db.close();
      }
    });
  });

  describe('opening', () => {
    it('raises unavailable for a missing file and does not create it', () => {
      const path = join(tempDir(), 'absent.db');
      assert.throws(
        () => openSqliteRepository(path, { profile, logger: new RecordingLogger() }),
        (error: unknown) =>
          error instanceof IdentityError && error.code === 'unavailable' && /db init/.test(error.message),
      );
      assert.equal(existsSync(path), false);
    });

    it('refuses a database whose tables do not match the profile, naming what is missing', () => {
      const path = join(tempDir(), 'other.db');
      const db = new DatabaseSync(path);
      db.exec('CREATE TABLE Users (Id TEXT PRIMARY KEY, Email TEXT)');
      db.close();
      assert.throws(
        () => openSqliteRepository(path, { profile, logger: new RecordingLogger() }),
        /does not match schema profile default.*no such column/,
      );
    });

    it('serves sqlite::memory: without a separate init', async () => {
      const repository = await openRepository(
        { kind: 'sqlite', path: ':memory:' },
        { profile, logger: new RecordingLogger() },
      );
      try {
        const user = await repository.insert({ email: 'm@example.com', password: { hash: 'h' }, emailVerified: false });
        assert.equal((await repository.findByEmail('M@EXAMPLE.COM'))?.userId, user.userId);
        assert.equal(await repository.countUsers(), 1);
      } finally {
        await repository.close();
      }
    });

    it('openRepository loads the profile by its SCHEMA_PROFILE name', async () => {
      const repository = await openRepository(
        { kind: 'sqlite', path: ':memory:' },
        { profile: 'default', logger: new RecordingLogger() },
      );
      await repository.close();
      await assert.rejects(
        openRepository({ kind: 'sqlite', path: ':memory:' }, { profile: 'nonsense', logger: new RecordingLogger() }),
        /unknown schema profile "nonsense"/,
      );
    });

    it('openRepository reports an unreachable SQL Server as unavailable without echoing its password', async () => {
      // A closed loopback port: nothing leaves this machine.
      await assert.rejects(
        openRepository(
          { kind: 'mssql', connectionString: 'mssql://sa:S3cret-Pa55@127.0.0.1:1/legacy?encrypt=false' },
          { profile, logger: new RecordingLogger() },
        ),
        (error: unknown) =>
          error instanceof IdentityError && error.code === 'unavailable' && !error.message.includes('S3cret'),
      );
    });
  });

  describe('legacy rows', () => {
    it('treats corrupt or non-object metadata as absent and logs which fields, never their content', async () => {
      const path = join(tempDir(), 'legacy.db');
      initSqliteStore(path, { profile });
      const db = new DatabaseSync(path);
      db.prepare(
        `INSERT INTO Users (Id, Email, PasswordHash, EmailVerified, UserMetadata, AppMetadata, CreatedAt, UpdatedAt)
         VALUES ('bad-json', 'bad@example.com', 'h', 0, '{"secret": "s3cr3t-value', '[1,2]', 'x', 'x')`,
      ).run();
      db.close();
      const logger = new RecordingLogger();
      const repository = openSqliteRepository(path, { profile, logger });
      try {
        const user = await repository.findByEmail('bad@example.com');
        assert.equal(user?.userId, 'bad-json');
        assert.equal(user?.userMetadata, undefined);
        assert.equal(user?.appMetadata, undefined);
        assert.deepEqual(logger.lines, [
          {
            level: 'warn',
            obj: { event: 'store_row_unreadable', user_id: 'bad-json', fields: ['userMetadata', 'appMetadata'] },
            msg: 'stored metadata is not a JSON object; treated as absent',
          },
        ]);
        assert.ok(!JSON.stringify(logger.lines).includes('s3cr3t'));
      } finally {
        await repository.close();
      }
    });

    it('reads a NULL password hash as one that matches nothing, and matches emails in any case without NOCASE columns', async () => {
      const path = join(tempDir(), 'legacy.db');
      const db = new DatabaseSync(path);
      // A legacy table that allows NULL hashes (accounts that only ever signed in elsewhere).
      db.exec(`CREATE TABLE Users (Id TEXT PRIMARY KEY, Email TEXT NOT NULL, UserName TEXT,
        PasswordHash TEXT, EmailVerified INTEGER NOT NULL, Name TEXT, GivenName TEXT, FamilyName TEXT,
        Nickname TEXT, Picture TEXT, UserMetadata TEXT, AppMetadata TEXT, CreatedAt TEXT, UpdatedAt TEXT)`);
      db.prepare(`INSERT INTO Users (Id, Email, EmailVerified) VALUES ('7', 'ext@example.com', 1)`).run();
      db.close();
      initSqliteStore(path, { profile });
      const repository = openSqliteRepository(path, { profile, logger: new RecordingLogger() });
      try {
        assert.deepEqual((await repository.findById('7'))?.password, { hash: '' });
        assert.equal((await repository.findByEmail('EXT@Example.COM'))?.userId, '7');
      } finally {
        await repository.close();
      }
    });
  });

  describe('timestamps', () => {
    it('sets CreatedAt and UpdatedAt on insert and moves only UpdatedAt on change', async () => {
      const path = join(tempDir(), 'legacy.db');
      initSqliteStore(path, { profile });
      let now = new Date('2026-01-01T00:00:00.000Z');
      const clock: Clock = { now: () => now };
      const repository = openSqliteRepository(path, { profile, logger: new RecordingLogger(), clock });
      const user = await repository.insert({ email: 't@example.com', password: { hash: 'h' }, emailVerified: false });
      now = new Date('2026-02-02T00:00:00.000Z');
      await repository.setEmailVerified(user.userId, true);
      await repository.close();
      const db = new DatabaseSync(path);
      const row = db.prepare('SELECT CreatedAt, UpdatedAt FROM Users WHERE Id = ?').get(user.userId);
      db.close();
      assert.deepEqual({ ...row }, { CreatedAt: '2026-01-01T00:00:00.000Z', UpdatedAt: '2026-02-02T00:00:00.000Z' });
    });
  });

  describe('outages', () => {
    it('raises unavailable while another connection holds the write lock, and recovers after', async () => {
      const path = join(tempDir(), 'legacy.db');
      initSqliteStore(path, { profile });
      const repository = openSqliteRepository(path, { profile, logger: new RecordingLogger(), busyTimeoutMs: 20 });
      const other = new DatabaseSync(path);
      try {
        const user = await repository.insert({ email: 'l@example.com', password: { hash: 'h' }, emailVerified: false });
        other.exec('BEGIN EXCLUSIVE');
        await rejectsWith(repository.updatePassword(user.userId, { hash: 'h2' }), 'unavailable');
        await rejectsWith(repository.delete(user.userId), 'unavailable');
        await rejectsWith(repository.markMigrated(user.userId, new Date(), 'authenticate'), 'unavailable');
        other.exec('ROLLBACK');
        assert.equal(await repository.updatePassword(user.userId, { hash: 'h2' }), true);
        assert.equal(await repository.getMigrationMark(user.userId), null);
      } finally {
        other.close();
        await repository.close();
      }
    });

    it('a closed database raises unavailable from every method, never null or not_found', async () => {
      const path = join(tempDir(), 'legacy.db');
      initSqliteStore(path, { profile });
      const repository = openSqliteRepository(path, { profile, logger: new RecordingLogger() });
      const user = await repository.insert({ email: 'c@example.com', password: { hash: 'h' }, emailVerified: false });
      await repository.close();
      await repository.close(); // twice is fine
      const calls: Promise<unknown>[] = [
        repository.findByEmail('c@example.com'),
        repository.findByUsername('c'),
        repository.findById(user.userId),
        repository.insert({ email: 'd@example.com', password: { hash: 'h' }, emailVerified: false }),
        repository.updatePassword(user.userId, { hash: 'x' }),
        repository.updatePassword(user.userId, { hash: 'x' }, { hash: 'h' }),
        repository.setEmailVerified(user.userId, true),
        repository.changeEmail(user.userId, 'e@example.com', true),
        repository.delete(user.userId),
        repository.getMigrationMark(user.userId),
        repository.markMigrated(user.userId, new Date(), 'get_user'),
        repository.unmark(user.userId),
        repository.ping(),
        repository.countUsers(),
      ];
      for (const call of calls) await rejectsWith(call, 'unavailable');
    });
  });
});
