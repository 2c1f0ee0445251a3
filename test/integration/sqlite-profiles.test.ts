import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../../src/domain/clock';
import type { NewUser } from '../../src/domain/user';
import { foldCase } from '../../src/store/case-fold';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { ASPNET_IDENTITY_PROFILE } from '../../src/store/profiles/aspnet-identity-profile';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import { type SchemaProfile, sideDdl } from '../../src/store/schema-profile';
import { initSqliteStore } from '../../src/store/sqlite/init';
import { openSqliteRepository } from '../../src/store/sqlite/open-sqlite-repository';
import type { SqliteRepository } from '../../src/store/sqlite/sqlite-repository';
import { rejectsWith } from '../contract/repository-contract';
import { insertMembershipApplication, insertMembershipUser, insertRow } from '../support/legacy-rows';
import { RecordingLogger } from '../support/recording-logger';
import { tempDirs } from '../support/temp-dirs';

const IDENTITY = loadSchemaProfile('aspnet-identity');
const membership = (applicationName = '/', membershipHashAlgorithm = 'SHA1') =>
  loadSchemaProfile('aspnet-membership', { applicationName, membershipHashAlgorithm });
const ACME_JSON = join(__dirname, '..', 'fixtures', 'profiles', 'acme-members.json');

/** Membership's SHA1 vector (password-formats.md): password `password`. */
const SHA1_VECTOR = { salt: 'kDP0Py2QwEdJYtUX9cJABg==', hash: 'OJF6H4KdxFLgLu+oTDNFodCEfMA=' };

interface Opened {
  readonly repo: SqliteRepository;
  readonly db: DatabaseSync;
  readonly logger: RecordingLogger;
  now: Date;
}

/** A fresh SQLite store for `profile`, a raw connection to inspect it, and a settable clock. */
function store(): (profile: SchemaProfile) => Opened {
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });
  return (profile) => {
    const dir = mkdtempSync(join(tmpdir(), 'lia-profiles-'));
    const path = join(dir, 'legacy.db');
    initSqliteStore(path, { profile, createLegacyTables: true });
    const logger = new RecordingLogger();
    const opened: Opened = {
      now: new Date('2026-05-01T12:00:00.000Z'),
    } as Opened;
    const clock: Clock = { now: () => opened.now };
    const repo = openSqliteRepository(path, { profile, logger, clock });
    const db = new DatabaseSync(path);
    Object.assign(opened, { repo, db, logger });
    cleanups.push(() => {
      db.close();
      void repo.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return opened;
  };
}

const newUser = (overrides: Partial<NewUser> = {}): NewUser => ({
  email: 'user@example.com',
  password: { hash: 'c2NyeXB0-new-hash' },
  emailVerified: false,
  ...overrides,
});

describe('schema profile aspnet-identity on SQLite', () => {
  const open = store();
  const row = (db: DatabaseSync, id: string) =>
    db.prepare('SELECT * FROM AspNetUsers WHERE Id = ?').get(id) as Record<string, unknown>;

  /** A row as the .NET application writes it (NormalizedEmail computed by Identity, not by us). */
  function insertLegacy(db: DatabaseSync, values: Record<string, string | number | null>): void {
    insertRow(db, 'AspNetUsers', {
      Id: 'legacy-1',
      UserName: 'Legacy.User@Example.com',
      NormalizedUserName: 'LEGACY.USER@EXAMPLE.COM',
      Email: 'Legacy.User@Example.com',
      NormalizedEmail: 'LEGACY.USER@EXAMPLE.COM',
      EmailConfirmed: 1,
      PasswordHash: 'AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==',
      SecurityStamp: 'LEGACYSECURITYSTAMP',
      ConcurrencyStamp: 'legacy-concurrency',
      PhoneNumberConfirmed: 0,
      TwoFactorEnabled: 0,
      LockoutEnd: null,
      LockoutEnabled: 1,
      AccessFailedCount: 0,
      ...values,
    });
  }

  describe('lookups', () => {
    it('finds legacy rows through NormalizedEmail / NormalizedUserName, in any letter case, keeping Email as stored', async () => {
      const { repo, db } = open(IDENTITY);
      insertLegacy(db, { UserName: 'legacy_user', NormalizedUserName: 'LEGACY_USER' });
      for (const probe of ['legacy.user@example.com', 'LEGACY.USER@EXAMPLE.COM', 'Legacy.User@Example.com']) {
        const user = await repo.findByEmail(probe);
        assert.equal(user?.userId, 'legacy-1', probe);
        assert.equal(user?.email, 'Legacy.User@Example.com');
        assert.equal(user?.emailVerified, true);
        assert.equal(user?.username, 'legacy_user');
      }
      assert.equal((await repo.findByUsername('Legacy_User'))?.userId, 'legacy-1');
    });

    it('matches only the normalized column: a stale Email with another NormalizedEmail is found by the latter', async () => {
      const { repo, db } = open(IDENTITY);
      insertLegacy(db, { Email: 'old@example.com', NormalizedEmail: 'NEW@EXAMPLE.COM' });
      assert.equal(await repo.findByEmail('old@example.com'), null);
      assert.equal((await repo.findByEmail('new@example.com'))?.userId, 'legacy-1');
    });

    it('normalizes as Identity does: NFC first, and ß is not expanded to SS', async () => {
      const { repo } = open(IDENTITY);
      const created = await repo.insert(newUser({ email: 'José.Straße@example.com' }));
      const decomposed = 'Jose\u0301.straße@EXAMPLE.com';
      assert.equal((await repo.findByEmail(decomposed))?.userId, created.userId);
      assert.equal(await repo.findByEmail('jose.strasse@example.com'), null);
      assert.equal(foldCase('José.Straße@example.com', 'upper'), 'JOSÉ.STRAßE@EXAMPLE.COM');
    });

    it('reports a user name equal to the email as none, and treats duplicates of a legacy NormalizedEmail deterministically', async () => {
      const { repo, db } = open(IDENTITY);
      insertLegacy(db, { Id: 'b-second' });
      insertLegacy(db, { Id: 'a-first', UserName: 'other', NormalizedUserName: 'OTHER' });
      const found = await repo.findByEmail('legacy.user@example.com');
      assert.equal(found?.userId, 'a-first');
      assert.equal((await repo.findById('b-second'))?.username, undefined);
    });
  });

  describe('insert', () => {
    it('writes the normalized columns, Identity’s defaults, fresh stamps, and the email as user name when none is given', async () => {
      const { repo, db } = open(IDENTITY);
      const user = await repo.insert(newUser({ email: 'New.Person@Example.com' }));
      assert.match(user.userId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(user.username, undefined);
      const stored = row(db, user.userId);
      assert.equal(stored.UserName, 'New.Person@Example.com');
      assert.equal(stored.NormalizedUserName, 'NEW.PERSON@EXAMPLE.COM');
      assert.equal(stored.NormalizedEmail, 'NEW.PERSON@EXAMPLE.COM');
      assert.equal(stored.EmailConfirmed, 0);
      assert.equal(stored.PasswordHash, 'c2NyeXB0-new-hash');
      assert.match(String(stored.SecurityStamp), /^[A-Z2-7]{32}$/);
      assert.match(String(stored.ConcurrencyStamp), /^[0-9a-f-]{36}$/);
      assert.deepEqual(
        [stored.PhoneNumberConfirmed, stored.TwoFactorEnabled, stored.LockoutEnabled, stored.AccessFailedCount],
        [0, 0, 1, 0],
      );
      assert.equal(stored.LockoutEnd, null);
    });

    it('keeps a chosen user name, normalized in NormalizedUserName', async () => {
      const { repo, db } = open(IDENTITY);
      const user = await repo.insert(newUser({ username: 'Zoë' }));
      assert.equal(user.username, 'Zoë');
      assert.equal(row(db, user.userId).NormalizedUserName, 'ZOË');
    });

    it('does not store metadata, and logs which fields were dropped (never their content)', async () => {
      const { repo, logger } = open(IDENTITY);
      const user = await repo.insert(newUser({ userMetadata: { secret: 'm3tadata' }, appMetadata: { roles: [] } }));
      assert.equal(user.userMetadata, undefined);
      assert.deepEqual(logger.lines, [
        {
          level: 'info',
          obj: { event: 'store_fields_not_stored', fields: ['user_metadata', 'app_metadata'] },
          msg: 'the schema profile has no column for these fields; they are not stored',
        },
      ]);
      assert.ok(!JSON.stringify(logger.lines).includes('m3tadata'));
    });

    it('refuses an email another row holds (there is no unique index on NormalizedEmail), writing nothing', async () => {
      const { repo, db } = open(IDENTITY);
      insertLegacy(db, { UserName: 'someone', NormalizedUserName: 'SOMEONE' });
      await rejectsWith(
        repo.insert(newUser({ email: 'LEGACY.user@example.com', username: 'fresh' })),
        'already_exists',
      );
      assert.equal(db.prepare('SELECT COUNT(*) AS n FROM AspNetUsers').get()?.n, 1);
    });
  });

  describe('stamps', () => {
    const stamps = (db: DatabaseSync, id: string) => {
      const r = row(db, id);
      return { security: r.SecurityStamp, concurrency: r.ConcurrencyStamp };
    };

    it('a password change renews SecurityStamp and ConcurrencyStamp', async () => {
      const { repo, db } = open(IDENTITY);
      insertLegacy(db, {});
      await repo.updatePassword('legacy-1', { hash: 'c2NyeXB0-changed' });
      const after = stamps(db, 'legacy-1');
      assert.notEqual(after.security, 'LEGACYSECURITYSTAMP');
      assert.notEqual(after.concurrency, 'legacy-concurrency');
      assert.equal(row(db, 'legacy-1').PasswordHash, 'c2NyeXB0-changed');
    });

    it('a rehash at login (compare-and-set) renews only ConcurrencyStamp, as Identity does', async () => {
      const { repo, db } = open(IDENTITY);
      insertLegacy(db, {});
      const old = String(row(db, 'legacy-1').PasswordHash);
      assert.equal(await repo.updatePassword('legacy-1', { hash: 'c2NyeXB0-rehash' }, { hash: old }), true);
      const after = stamps(db, 'legacy-1');
      assert.equal(after.security, 'LEGACYSECURITYSTAMP');
      assert.notEqual(after.concurrency, 'legacy-concurrency');
    });

    it('verifying the email renews only ConcurrencyStamp', async () => {
      const { repo, db } = open(IDENTITY);
      insertLegacy(db, { EmailConfirmed: 0 });
      await repo.setEmailVerified('legacy-1', true);
      assert.equal(row(db, 'legacy-1').EmailConfirmed, 1);
      assert.equal(stamps(db, 'legacy-1').security, 'LEGACYSECURITYSTAMP');
      assert.notEqual(stamps(db, 'legacy-1').concurrency, 'legacy-concurrency');
    });

    it('an email change renews both stamps, updates NormalizedEmail, and carries a user name that was the email', async () => {
      const { repo, db } = open(IDENTITY);
      insertLegacy(db, {});
      await repo.changeEmail('legacy-1', 'Moved@Example.org', false);
      const r = row(db, 'legacy-1');
      assert.deepEqual(
        [r.Email, r.NormalizedEmail, r.UserName, r.NormalizedUserName, r.EmailConfirmed],
        ['Moved@Example.org', 'MOVED@EXAMPLE.ORG', 'Moved@Example.org', 'MOVED@EXAMPLE.ORG', 0],
      );
      assert.notEqual(r.SecurityStamp, 'LEGACYSECURITYSTAMP');
      assert.notEqual(r.ConcurrencyStamp, 'legacy-concurrency');
      assert.equal((await repo.findByUsername('moved@example.org'))?.userId, 'legacy-1');
    });

    it('an email change leaves a user name of its own alone', async () => {
      const { repo, db } = open(IDENTITY);
      insertLegacy(db, { UserName: 'Chosen', NormalizedUserName: 'CHOSEN' });
      await repo.changeEmail('legacy-1', 'moved@example.org', true);
      const r = row(db, 'legacy-1');
      assert.deepEqual(
        [r.UserName, r.NormalizedUserName, r.NormalizedEmail],
        ['Chosen', 'CHOSEN', 'MOVED@EXAMPLE.ORG'],
      );
    });

    it('an email change to an address that is another user’s user name is refused, changing nothing', async () => {
      const { repo, db } = open(IDENTITY);
      insertLegacy(db, {});
      insertLegacy(db, {
        Id: 'legacy-2',
        Email: 'two@example.com',
        NormalizedEmail: 'TWO@EXAMPLE.COM',
        UserName: 'taken@example.com',
        NormalizedUserName: 'TAKEN@EXAMPLE.COM',
      });
      await rejectsWith(repo.changeEmail('legacy-1', 'Taken@example.com', true), 'already_exists');
      assert.equal(row(db, 'legacy-1').Email, 'Legacy.User@Example.com');
      assert.equal(row(db, 'legacy-1').SecurityStamp, 'LEGACYSECURITYSTAMP');
    });
  });

  describe('lockout', () => {
    it('refuses sign-in while LockoutEnabled and LockoutEnd is now or later, in any stored date form', async () => {
      const { repo, db } = open(IDENTITY);
      const now = '2026-05-01T12:00:00.000Z';
      const cases: [string, Record<string, string | number | null>, boolean][] = [
        ['no lockout end', {}, true],
        ['lockout over', { LockoutEnd: '2026-05-01T11:59:59.999Z' }, true],
        ['locked until later', { LockoutEnd: '2026-05-01T12:00:00.001Z' }, false],
        ['locked until exactly now', { LockoutEnd: now }, false],
        ['EF Core text with an offset', { LockoutEnd: '2026-05-01 13:30:00+02:00' }, true],
        ['EF Core text with an offset, later', { LockoutEnd: '2026-05-01 15:30:00+02:00' }, false],
        ['lockout disabled for the user', { LockoutEnabled: 0, LockoutEnd: '2999-01-01T00:00:00Z' }, true],
        ['unreadable lockout end', { LockoutEnd: 'not a date' }, false],
      ];
      for (const [i, [, values]] of cases.entries()) {
        insertLegacy(db, {
          Id: `u${i}`,
          Email: `u${i}@example.com`,
          NormalizedEmail: `U${i}@EXAMPLE.COM`,
          UserName: `u${i}`,
          NormalizedUserName: `U${i}`,
          ...values,
        });
      }
      for (const [i, [label, , canLogin]] of cases.entries()) {
        assert.equal((await repo.findByEmail(`u${i}@example.com`))?.canLogin, canLogin, label);
      }
    });

    it('judges lockouts by the repository’s clock', async () => {
      const opened = open(IDENTITY);
      insertLegacy(opened.db, { LockoutEnd: '2026-06-01T00:00:00Z' });
      assert.equal((await opened.repo.findById('legacy-1'))?.canLogin, false);
      opened.now = new Date('2026-06-01T00:00:00.001Z');
      assert.equal((await opened.repo.findById('legacy-1'))?.canLogin, true);
    });

    it('logs an unreadable LockoutEnd as such', async () => {
      const { repo, db, logger } = open(IDENTITY);
      insertLegacy(db, { LockoutEnd: 'garbage' });
      await repo.findById('legacy-1');
      assert.deepEqual(logger.lines, [
        {
          level: 'warn',
          obj: { event: 'store_row_unreadable', user_id: 'legacy-1', fields: ['lockoutEnd'] },
          msg: 'stored lockout end is not a date; sign-in refused',
        },
      ]);
    });
  });
});

describe('schema profile aspnet-membership on SQLite', () => {
  const open = store();
  const OTHER_APP_ID = '0a3b9c6e-0000-4000-8000-000000000001';
  const LEGACY_USER_ID = '6F1F5E52-5C7E-4E0B-9C53-0D2F8F0F7A11';

  /** An application and a user as aspnet_Membership_CreateUser writes them (upper-case GUIDs, SHA1). */
  function insertLegacy(
    db: DatabaseSync,
    options: {
      application?: string;
      applicationId?: string;
      userId?: string;
      userName?: string;
      email?: string;
      membership?: Record<string, string | number | null>;
    } = {},
  ): void {
    const application = options.application ?? '/';
    const applicationId = options.applicationId ?? '5D6E7F80-1111-4222-8333-944455556666';
    insertMembershipApplication(db, application, applicationId);
    insertMembershipUser(db, {
      applicationId,
      userId: options.userId ?? LEGACY_USER_ID,
      userName: options.userName ?? 'LegacyUser',
      email: options.email ?? 'Legacy@Example.com',
      password: SHA1_VECTOR,
      ...(options.membership ? { membership: options.membership } : {}),
    });
  }

  describe('reading legacy rows', () => {
    it('finds a user by lowered email and user name, with the GUID as a lower-case user_id and the salted SHA1 password', async () => {
      const { repo, db } = open(membership());
      insertLegacy(db);
      for (const user of [
        await repo.findByEmail('LEGACY@example.COM'),
        await repo.findByUsername('legacyuser'),
        await repo.findById(LEGACY_USER_ID.toLowerCase()),
        await repo.findById(LEGACY_USER_ID),
      ]) {
        assert.deepEqual(user, {
          userId: LEGACY_USER_ID.toLowerCase(),
          email: 'Legacy@Example.com',
          emailVerified: false,
          username: 'LegacyUser',
          password: { hash: SHA1_VECTOR.hash, salt: SHA1_VECTOR.salt, format: 'membership-sha1' },
          canLogin: true,
        });
      }
    });

    it('gives PasswordFormat 0 and 2 and the configured algorithm their format names', async () => {
      const { repo, db } = open(membership('/', 'System.Security.Cryptography.HMACSHA256'));
      insertLegacy(db);
      insertLegacy(db, {
        userId: '00000000-0000-4000-8000-000000000002',
        userName: 'clear',
        email: 'clear@example.com',
        membership: { PasswordFormat: 0, Password: 'plain' },
      });
      insertLegacy(db, {
        userId: '00000000-0000-4000-8000-000000000003',
        userName: 'encrypted',
        email: 'encrypted@example.com',
        membership: { PasswordFormat: 2 },
      });
      assert.equal((await repo.findByEmail('legacy@example.com'))?.password.format, 'membership-hmacsha256');
      assert.equal((await repo.findByEmail('clear@example.com'))?.password.format, 'membership-clear');
      assert.equal((await repo.findByEmail('encrypted@example.com'))?.password.format, 'membership-encrypted');
    });

    it('refuses sign-in for IsApproved = 0 or IsLockedOut = 1', async () => {
      const { repo, db } = open(membership());
      insertLegacy(db, { membership: { IsApproved: 0 } });
      insertLegacy(db, {
        userId: '00000000-0000-4000-8000-000000000002',
        userName: 'locked',
        email: 'locked@example.com',
        membership: { IsLockedOut: 1 },
      });
      assert.equal((await repo.findByEmail('legacy@example.com'))?.canLogin, false);
      assert.equal((await repo.findByEmail('locked@example.com'))?.canLogin, false);
    });

    it('sees only the configured application: another application’s users are invisible and untouchable', async () => {
      const { repo, db } = open(membership('/Shop'));
      insertLegacy(db, { application: '/Forum', applicationId: OTHER_APP_ID });
      const id = LEGACY_USER_ID.toLowerCase();
      assert.equal(await repo.findByEmail('legacy@example.com'), null);
      assert.equal(await repo.findByUsername('legacyuser'), null);
      assert.equal(await repo.findById(id), null);
      assert.equal(await repo.countUsers(), 0);
      await rejectsWith(repo.updatePassword(id, { hash: 'x' }), 'not_found');
      await rejectsWith(repo.setEmailVerified(id, true), 'not_found');
      await rejectsWith(repo.changeEmail(id, 'x@example.com', true), 'not_found');
      await rejectsWith(repo.delete(id), 'not_found');
      assert.equal(db.prepare('SELECT Password FROM aspnet_Membership').get()?.Password, SHA1_VECTOR.hash);
      assert.equal(db.prepare('SELECT COUNT(*) AS n FROM IdentityAdapterEmailVerified').get()?.n, 0);
      // The same email may live in both applications.
      const mine = await repo.insert(newUser({ email: 'Legacy@Example.com', username: 'LegacyUser' }));
      assert.equal((await repo.findByEmail('legacy@example.com'))?.userId, mine.userId);
    });

    it('matches the application name case-insensitively, as LoweredApplicationName does', async () => {
      const { repo, db } = open(membership('/SHOP'));
      insertLegacy(db, { application: '/Shop' });
      assert.ok(await repo.findByEmail('legacy@example.com'));
    });
  });

  describe('writing', () => {
    it('creates the application on first insert, then aspnet_Users and aspnet_Membership rows with Membership’s defaults', async () => {
      const { repo, db } = open(membership('/Shop'));
      const user = await repo.insert(newUser({ email: 'New@Example.com', emailVerified: true }));
      await repo.insert(newUser({ email: 'second@example.com' }));
      const apps = db.prepare('SELECT ApplicationName, LoweredApplicationName FROM aspnet_Applications').all();
      assert.deepEqual(
        apps.map((a) => ({ ...a })),
        [{ ApplicationName: '/Shop', LoweredApplicationName: '/shop' }],
      );
      const u = { ...db.prepare('SELECT * FROM aspnet_Users WHERE UserId = ?').get(user.userId) };
      assert.equal(u.UserName, 'New@Example.com');
      assert.equal(u.LoweredUserName, 'new@example.com');
      assert.equal(u.IsAnonymous, 0);
      const m = { ...db.prepare('SELECT * FROM aspnet_Membership WHERE UserId = ?').get(user.userId) };
      assert.deepEqual(
        {
          Password: m.Password,
          PasswordFormat: m.PasswordFormat,
          PasswordSalt: m.PasswordSalt,
          LoweredEmail: m.LoweredEmail,
          IsApproved: m.IsApproved,
          IsLockedOut: m.IsLockedOut,
          CreateDate: m.CreateDate,
          LastLockoutDate: m.LastLockoutDate,
          FailedPasswordAttemptCount: m.FailedPasswordAttemptCount,
          ApplicationId: m.ApplicationId,
        },
        {
          Password: 'c2NyeXB0-new-hash',
          PasswordFormat: 1,
          PasswordSalt: '',
          LoweredEmail: 'new@example.com',
          IsApproved: 1,
          IsLockedOut: 0,
          CreateDate: '2026-05-01T12:00:00.000Z',
          LastLockoutDate: '1754-01-01T00:00:00.000Z',
          FailedPasswordAttemptCount: 0,
          ApplicationId: u.ApplicationId,
        },
      );
      // Written by the adapter: no salt, so the hash is left to the hasher's detection (scrypt).
      assert.deepEqual(user.password, { hash: 'c2NyeXB0-new-hash' });
      assert.equal(user.emailVerified, true);
      assert.equal(user.username, undefined);
    });

    it('a password change writes PasswordFormat 1, no salt and LastPasswordChangedDate; a rehash keeps the date', async () => {
      const opened = open(membership());
      insertLegacy(opened.db);
      const id = LEGACY_USER_ID.toLowerCase();
      const read = () => ({
        ...opened.db
          .prepare('SELECT Password, PasswordFormat, PasswordSalt, LastPasswordChangedDate FROM aspnet_Membership')
          .get(),
      });
      assert.equal(await opened.repo.updatePassword(id, { hash: 'c2NyeXB0-rehash' }, { hash: SHA1_VECTOR.hash }), true);
      assert.deepEqual(read(), {
        Password: 'c2NyeXB0-rehash',
        PasswordFormat: 1,
        PasswordSalt: '',
        LastPasswordChangedDate: '2009-01-01 00:00:00',
      });
      await opened.repo.updatePassword(id, { hash: 'c2NyeXB0-changed', format: 'scrypt' });
      assert.deepEqual(read(), {
        Password: 'c2NyeXB0-changed',
        PasswordFormat: 1,
        PasswordSalt: '',
        LastPasswordChangedDate: '2026-05-01T12:00:00.000Z',
      });
      assert.deepEqual((await opened.repo.findById(id))?.password, { hash: 'c2NyeXB0-changed' });
    });

    it('keeps email_verified in the adapter’s side table, never in IsApproved', async () => {
      const { repo, db } = open(membership());
      insertLegacy(db);
      const id = LEGACY_USER_ID.toLowerCase();
      await repo.setEmailVerified(id, true);
      assert.equal((await repo.findById(id))?.emailVerified, true);
      assert.equal(db.prepare('SELECT IsApproved FROM aspnet_Membership').get()?.IsApproved, 1);
      await repo.changeEmail(id, 'Moved@Example.com', false);
      const moved = await repo.findByEmail('moved@example.com');
      assert.equal(moved?.emailVerified, false);
      assert.equal(moved?.username, 'LegacyUser'); // a user name of its own stays
    });

    it('an email change carries a user name that was the email', async () => {
      const { repo, db } = open(membership());
      insertLegacy(db, { userName: 'legacy@example.com' });
      const id = LEGACY_USER_ID.toLowerCase();
      assert.equal((await repo.findById(id))?.username, undefined);
      await repo.changeEmail(id, 'Moved@Example.com', true);
      const u = { ...db.prepare('SELECT UserName, LoweredUserName FROM aspnet_Users').get() };
      assert.deepEqual(u, { UserName: 'Moved@Example.com', LoweredUserName: 'moved@example.com' });
      assert.equal((await repo.findByUsername('MOVED@example.com'))?.userId, id);
    });

    it('a refused email change (taken) leaves user name, email and verified flag as they were', async () => {
      const { repo, db } = open(membership());
      insertLegacy(db, { userName: 'legacy@example.com' });
      insertLegacy(db, { userId: '00000000-0000-4000-8000-000000000002', userName: 'two', email: 'two@example.com' });
      const id = LEGACY_USER_ID.toLowerCase();
      await repo.setEmailVerified(id, true);
      await rejectsWith(repo.changeEmail(id, 'TWO@example.com', false), 'already_exists');
      const user = await repo.findById(id);
      assert.deepEqual([user?.email, user?.emailVerified], ['Legacy@Example.com', true]);
      assert.equal(
        db.prepare('SELECT UserName FROM aspnet_Users WHERE UserId = ?').get(LEGACY_USER_ID)?.UserName,
        'legacy@example.com',
      );
    });

    it('delete removes the aspnet_Users, aspnet_Membership and side rows', async () => {
      const { repo, db } = open(membership());
      insertLegacy(db);
      const id = LEGACY_USER_ID.toLowerCase();
      await repo.setEmailVerified(id, true);
      await repo.delete(id);
      for (const table of ['aspnet_Users', 'aspnet_Membership', 'IdentityAdapterEmailVerified']) {
        assert.equal(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n, 0, table);
      }
      assert.equal(db.prepare('SELECT COUNT(*) AS n FROM aspnet_Applications').get()?.n, 1);
    });
  });
});

describe('custom JSON schema profile on SQLite', () => {
  const open = store();

  it('maps the fixture’s columns: GUID ids, lower-cased login names, insert defaults, a sign-in gate', async () => {
    const { repo, db } = open(loadSchemaProfile(ACME_JSON));
    const user = await repo.insert(
      newUser({ email: 'Ann@Example.com', username: 'Ann.Smith', userMetadata: { a: 1 } }),
    );
    const r = { ...db.prepare('SELECT * FROM Members').get() };
    assert.equal(r.MemberGuid, user.userId);
    assert.equal(r.LoginNameLower, 'ann.smith');
    assert.equal(r.Source, 'auth0-adapter');
    assert.equal(r.IsActive, 1);
    assert.match(String(r.ChangeToken), /^[0-9a-f-]{36}$/);
    assert.equal(r.Preferences, '{"a":1}');
    db.prepare('UPDATE Members SET IsActive = 0').run();
    assert.equal((await repo.findByUsername('ANN.SMITH'))?.canLogin, false);
  });
});

describe('db init for every profile', () => {
  const tempDir = tempDirs('lia-profiles-init-');
  const tempPath = () => join(tempDir(), 'legacy.db');

  const expected: [string, readonly string[]][] = [
    ['default', ['Users', 'IdentityAdapterMigrations']],
    ['aspnet-identity', ['AspNetUsers', 'IdentityAdapterMigrations']],
    [
      'aspnet-membership',
      [
        'aspnet_Applications',
        'aspnet_Users',
        'aspnet_Membership',
        'IdentityAdapterEmailVerified',
        'IdentityAdapterMigrations',
      ],
    ],
    [ACME_JSON, ['Members', 'IdentityAdapterMigrations']],
  ];
  for (const [name, tables] of expected) {
    it(`${name.endsWith('.json') ? 'a JSON profile' : name}: creates its tables, then nothing on a second run`, () => {
      const path = tempPath();
      const profile = loadSchemaProfile(name);
      assert.deepEqual(initSqliteStore(path, { profile, createLegacyTables: true }).created, tables);
      assert.deepEqual(initSqliteStore(path, { profile, createLegacyTables: true }).created, []);
    });
  }

  it('without legacy tables still creates the profile’s side tables (Membership’s email-verified table)', () => {
    const path = tempPath();
    assert.deepEqual(initSqliteStore(path, { profile: membership(), createLegacyTables: false }).created, [
      'IdentityAdapterEmailVerified',
      'IdentityAdapterMigrations',
    ]);
  });

  it('refuses to open a store initialised for another profile, naming the profile', () => {
    const path = tempPath();
    initSqliteStore(path, { profile: DEFAULT_PROFILE });
    assert.throws(
      () => openSqliteRepository(path, { profile: IDENTITY, logger: new RecordingLogger() }),
      /does not match schema profile aspnet-identity.*no such table: AspNetUsers/,
    );
  });
});

describe('sql/ (SQL Server DDL of each profile)', () => {
  const sqlFile = (name: string) => readFileSync(join(__dirname, '..', '..', 'sql', name), 'utf8');
  const files: [string, SchemaProfile][] = [
    ['default.sql', DEFAULT_PROFILE],
    ['aspnet-identity.sql', ASPNET_IDENTITY_PROFILE],
    ['aspnet-membership.sql', membership()],
  ];
  for (const [file, profile] of files) {
    it(`${file} holds the profile's T-SQL DDL verbatim, idempotent, with the side tables and no DROP or ALTER`, () => {
      const text = sqlFile(file);
      const blocks = [...(profile.ddl.mssql ?? []), ...sideDdl(profile, 'mssql')];
      assert.ok(blocks.length > 0);
      for (const block of blocks) {
        assert.ok(text.includes(block), `${file} lacks:\n${block.slice(0, 80)}`);
        assert.match(block, /^IF OBJECT_ID\(N'\[dbo\]\.\[\w+\]', N'U'\) IS NULL\nBEGIN\n/);
      }
      assert.match(text, /IF OBJECT_ID\(N'\[dbo\]\.\[IdentityAdapterMigrations\]', N'U'\) IS NULL/);
      assert.doesNotMatch(text.replace(/--.*$/gm, ''), /\b(DROP|ALTER)\b/i);
    });
  }

  it('aspnet-identity.sql has the real AspNetUsers types', () => {
    const text = sqlFile('aspnet-identity.sql');
    for (const [column, type] of [
      ['Id', 'NVARCHAR\\(450\\)'],
      ['NormalizedEmail', 'NVARCHAR\\(256\\)'],
      ['PasswordHash', 'NVARCHAR\\(MAX\\)'],
      ['LockoutEnd', 'DATETIMEOFFSET NULL'],
      ['AccessFailedCount', 'INT'],
    ] as const) {
      assert.match(text, new RegExp(`\\[${column}\\]\\s+${type}`), column);
    }
  });

  it('aspnet-membership.sql has the real aspnet_Membership types', () => {
    const text = sqlFile('aspnet-membership.sql');
    for (const [column, type] of [
      ['UserId', 'UNIQUEIDENTIFIER'],
      ['Password', 'NVARCHAR\\(128\\)'],
      ['PasswordFormat', 'INT'],
      ['PasswordSalt', 'NVARCHAR\\(128\\)'],
      ['LastLockoutDate', 'DATETIME '],
      ['Comment', 'NTEXT'],
    ] as const) {
      assert.match(text, new RegExp(`\\[${column}\\]\\s+${type}`), column);
    }
  });
});
