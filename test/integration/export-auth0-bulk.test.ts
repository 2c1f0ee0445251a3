import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { exportCommand } from '../../src/commands/export';
import { migrationStatusCommand } from '../../src/commands/migration-status';
import { purgeCommand } from '../../src/commands/purge';
import type { Clock } from '../../src/domain/clock';
import type { Auth0ImportUser, NotExportedUser } from '../../src/export/auth0-import-user';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import type { SchemaProfile } from '../../src/store/schema-profile';
import { initSqliteStore } from '../../src/store/sqlite/init';
import { openSqliteRepository } from '../../src/store/sqlite/open-sqlite-repository';
import { importFiles, readJson } from '../support/auth0-export-files';
import { commandCapture } from '../support/command-capture';
import { insertMembershipApplication, insertMembershipUser } from '../support/legacy-rows';
import { loadPasswordVectors } from '../support/password-vectors';
import { SILENT_LOGGER } from '../support/silent-logger';
import { tempDirs } from '../support/temp-dirs';
import { auth0Verify } from '../unit/export/auth0-hash-verifier';

const examples = loadPasswordVectors().login_examples;

const NOW = new Date('2026-04-01T12:00:00.000Z');
const clock: Clock = { now: () => NOW };
const BCRYPT = '$2a$04$8ttRLydwbnyVuYYoUJdF4u2wVIQQwNi1nHYubgM8wwt8CcpAgJChq';

/** A temp folder with an initialised SQLite store for `profile`, removed after each test. */
function sqliteStores() {
  const tempDir = tempDirs('lia-export-it-');
  return (profile: SchemaProfile, env: Record<string, string> = {}) => {
    const dir = tempDir();
    const path = join(dir, 'legacy.db');
    initSqliteStore(path, { profile, createLegacyTables: true });
    return { dir, path, out: join(dir, 'out'), env: { STORE_URL: `sqlite:${path}`, ...env } };
  };
}

async function status(env: Record<string, string>) {
  const run = commandCapture(env);
  assert.equal(await migrationStatusCommand([], run.io, { clock }), 0, run.err.join('\n'));
  return run.json()[0];
}

describe('export --format auth0-bulk', () => {
  const store = sqliteStores();

  describe('default profile: every hash the Users table can hold', () => {
    /** Hashes that announce their format (the default profile keeps no salt or format column). */
    const selfDescribing = examples.filter((e) => e.stored.salt === undefined && !e.stored.format?.includes(';'));
    /** An unsalted SHA-256 hex digest, recognised by shape as salted-sha256 with an empty salt. */
    const sha256 = {
      format: 'salted-sha256',
      password: 'plain sha',
      stored: { hash: createHash('sha256').update('plain sha').digest('hex') },
    };

    async function seed(path: string) {
      const repo = openSqliteRepository(path, { profile: DEFAULT_PROFILE, logger: SILENT_LOGGER });
      const byId = new Map<string, { format: string; password: string }>();
      try {
        for (const [i, example] of [...selfDescribing, sha256].entries()) {
          const user = await repo.insert({
            email: `user${i}@example.com`,
            username: `user${i}`,
            password: { hash: example.stored.hash },
            emailVerified: i % 2 === 0,
            userMetadata: { format: example.format },
            appMetadata: { legacy: true },
          });
          byId.set(user.userId, example);
        }
        // Already migrated by logging in: never exported again.
        const migrated = await repo.insert({
          email: 'gone@example.com',
          password: { hash: BCRYPT },
          emailVerified: true,
        });
        await repo.markMigrated(migrated.userId, new Date(NOW.getTime() - 60_000), 'authenticate');
      } finally {
        await repo.close();
      }
      return byId;
    }

    it('writes verifiable custom_password_hash entries, lists what Auth0 cannot take, and marks nothing', async () => {
      const s = store(DEFAULT_PROFILE);
      const byId = await seed(s.path);
      assert.ok(selfDescribing.length >= 9, 'the fixture holds every self-describing format');
      const before = await status(s.env);

      const run = commandCapture(s.env);
      assert.equal(
        await exportCommand(['--format', 'auth0-bulk', '--out', s.out], run.io, { clock }),
        0,
        run.err.join('\n'),
      );
      const summary = run.json()[0];
      assert.deepEqual(summary?.files, ['users-00001.json']);

      const imported = readJson<Auth0ImportUser[]>(join(s.out, 'users-00001.json'));
      const skipped = readJson<NotExportedUser[]>(join(s.out, 'not-exported.json'));
      for (const file of ['users-00001.json', 'not-exported.json']) {
        assert.equal(statSync(join(s.out, file)).mode & 0o777, 0o600, `${file}: hashes are for the owner only`);
      }
      assert.deepEqual(skipped.map((e) => [e.format, e.code]).sort(), [
        ['argon2d', 'unsupported_algorithm'],
        ['drupal7', 'unsupported_algorithm'],
        ['drupal7-md5-prehashed', 'unsupported_algorithm'],
        ['phpass', 'unsupported_algorithm'],
        ['scrypt', 'unsupported_algorithm'],
        ['wordpress-bcrypt', 'unsupported_algorithm'],
      ]);
      for (const entry of skipped) assert.match(entry.reason, /Auth0/, `${entry.format}: ${entry.reason}`);
      assert.equal(imported.length + skipped.length, byId.size, 'every pending user, once');
      assert.ok(!imported.some((u) => u.email === 'gone@example.com'), 'a migrated user is not exported');
      for (const record of imported) {
        const example = byId.get(record.user_id);
        assert.ok(example, `unknown user_id ${record.user_id}`);
        assert.equal(record.user_metadata?.format, example.format);
        assert.deepEqual(record.app_metadata, { legacy: true });
        assert.ok(record.username?.startsWith('user'));
        assert.equal(await auth0Verify(record.custom_password_hash, example.password), true, example.format);
        assert.equal(await auth0Verify(record.custom_password_hash, `${example.password}!`), false, example.format);
      }
      assert.deepEqual(await status(s.env), before, 'export without --mark marks nothing');
    });

    it('with --mark, marks exactly the exported users (via export), so a second export has only the rest', async () => {
      const s = store(DEFAULT_PROFILE);
      const byId = await seed(s.path);
      const run = commandCapture(s.env);
      assert.equal(await exportCommand(['--format', 'auth0-bulk', '--out', s.out, '--mark'], run.io, { clock }), 0);
      const summary = run.json()[0];
      const exported = summary?.exported as number;
      assert.equal(summary?.marked, exported);
      const db = new DatabaseSync(s.path);
      try {
        const marks = db
          .prepare(`SELECT UserId, MigratedAt, Via FROM IdentityAdapterMigrations WHERE Via = 'export'`)
          .all();
        assert.equal(marks.length, exported);
        for (const mark of marks) assert.equal(mark.MigratedAt, NOW.toISOString());
        const exportedIds = readJson<Auth0ImportUser[]>(join(s.out, 'users-00001.json')).map((u) => u.user_id);
        assert.deepEqual(marks.map((m) => String(m.UserId)).sort(), [...exportedIds].sort());
      } finally {
        db.close();
      }
      assert.deepEqual(await status(s.env), {
        total: byId.size + 1,
        migrated: exported + 1,
        pending: byId.size - exported,
        marked_last_24h: exported + 1,
      });

      const second = commandCapture(s.env);
      const out2 = join(s.dir, 'out2');
      assert.equal(await exportCommand(['--format', 'auth0-bulk', '--out', out2], second.io, { clock }), 0);
      assert.deepEqual(second.json()[0]?.files, [], 'no import file when every importable user is marked');
      assert.equal(
        readJson<NotExportedUser[]>(join(out2, 'not-exported.json')).length,
        byId.size - exported,
        'the users Auth0 cannot take (scrypt, phpass, WordPress, Drupal, argon2d) stay listed',
      );
    });

    it('refuses an output folder that holds an earlier export, and bad arguments, before writing anything', async () => {
      const s = store(DEFAULT_PROFILE);
      await seed(s.path);
      assert.equal(
        await exportCommand(['--format', 'auth0-bulk', '--out', s.out], commandCapture(s.env).io, { clock }),
        0,
      );
      const again = commandCapture(s.env);
      assert.equal(await exportCommand(['--format', 'auth0-bulk', '--out', s.out], again.io, { clock }), 1);
      assert.match(again.err.join('\n'), /already holds an export/);
      for (const args of [
        ['--out', s.out],
        ['--format', 'csv', '--out', s.out],
        ['--format', 'auth0-bulk'],
      ]) {
        const bad = commandCapture(s.env);
        assert.equal(await exportCommand(args, bad.io, { clock }), 2, args.join(' '));
        assert.match(bad.err.join('\n'), /usage:/);
      }
    });
  });

  it('splits a large store into files of at most 500 KB, streaming every user exactly once', async function () {
    this.timeout(60_000);
    const s = store(DEFAULT_PROFILE);
    const repo = openSqliteRepository(s.path, { profile: DEFAULT_PROFILE, logger: SILENT_LOGGER });
    const ids: string[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        const user = await repo.insert({
          email: `bulk${i}@example.com`,
          password: { hash: BCRYPT },
          emailVerified: true,
          userMetadata: { bio: 'lorem ipsum '.repeat(300), i },
        });
        ids.push(user.userId);
      }
    } finally {
      await repo.close();
    }
    const run = commandCapture(s.env);
    assert.equal(
      await exportCommand(['--format', 'auth0-bulk', '--out', s.out], run.io, { clock }),
      0,
      run.err.join('\n'),
    );
    const files = importFiles(s.out);
    assert.ok(files.length >= 3, `~1.1 MB of users should need at least 3 files, got ${files.length}`);
    const seen: string[] = [];
    for (const [index, name] of files.entries()) {
      const size = statSync(join(s.out, name)).size;
      assert.ok(size <= 500_000, `${name}: ${size} bytes`);
      // Each record is ~3.7 KB: a file is closed only when the next record would not fit.
      if (index < files.length - 1) assert.ok(size > 495_000, `${name} was closed early (${size} bytes)`);
      seen.push(...readJson<Auth0ImportUser[]>(join(s.out, name)).map((u) => u.user_id));
    }
    assert.equal(run.json()[0]?.exported, 300);
    assert.deepEqual(seen, [...ids].sort(), 'user-id order, no user twice, none missing');
  });

  describe('aspnet-membership profile', () => {
    const APP_ID = '5D6E7F80-1111-4222-8333-944455556666';
    const SHA1 = { salt: 'kDP0Py2QwEdJYtUX9cJABg==', hash: 'OJF6H4KdxFLgLu+oTDNFodCEfMA=', password: 'password' };
    const env = { SCHEMA_PROFILE: 'aspnet-membership', APPLICATION_NAME: '/', MEMBERSHIP_HASH_ALGORITHM: 'SHA1' };
    const profile = loadSchemaProfile('aspnet-membership', { applicationName: '/', membershipHashAlgorithm: 'SHA1' });

    /** aspnet_Users + aspnet_Membership rows as aspnet_Membership_CreateUser writes them (upper-case GUIDs). */
    function legacyUser(
      db: DatabaseSync,
      userId: string,
      email: string,
      membership: Record<string, string | number> = {},
    ) {
      insertMembershipApplication(db, '/', APP_ID);
      insertMembershipUser(db, { applicationId: APP_ID, userId, userName: email, email, password: SHA1, membership });
    }

    it('exports SHA1 rows as sha1 + base64 salt + UTF-16LE, lists clear, encrypted and locked-out rows, and marks lower-case ids', async () => {
      const s = store(profile, env);
      const db = new DatabaseSync(s.path);
      try {
        legacyUser(db, 'A0000000-0000-4000-8000-000000000001', 'Ann@Example.com');
        legacyUser(db, 'A0000000-0000-4000-8000-000000000002', 'bob@example.com');
        legacyUser(db, 'A0000000-0000-4000-8000-000000000003', 'clear@example.com', {
          Password: 'plain-text-pw',
          PasswordFormat: 0,
        });
        legacyUser(db, 'A0000000-0000-4000-8000-000000000004', 'enc@example.com', {
          Password: 'c2VjcmV0',
          PasswordFormat: 2,
        });
        legacyUser(db, 'A0000000-0000-4000-8000-000000000005', 'locked@example.com', { IsLockedOut: 1 });
      } finally {
        db.close();
      }
      const run = commandCapture(s.env);
      assert.equal(
        await exportCommand(['--format', 'auth0-bulk', '--out', s.out, '--mark'], run.io, { clock }),
        0,
        run.err.join('\n'),
      );
      const imported = readJson<Auth0ImportUser[]>(join(s.out, 'users-00001.json'));
      assert.deepEqual(
        imported.map((u) => [u.user_id, u.email]),
        [
          ['a0000000-0000-4000-8000-000000000001', 'Ann@Example.com'],
          ['a0000000-0000-4000-8000-000000000002', 'bob@example.com'],
        ],
      );
      for (const record of imported) {
        assert.deepEqual(record.custom_password_hash, {
          algorithm: 'sha1',
          hash: { value: SHA1.hash, encoding: 'base64' },
          salt: { value: SHA1.salt, encoding: 'base64', position: 'prefix' },
          password: { encoding: 'utf16le' },
        });
        assert.equal(await auth0Verify(record.custom_password_hash, SHA1.password), true);
        assert.equal(await auth0Verify(record.custom_password_hash, 'Password'), false);
      }
      assert.deepEqual(
        readJson<NotExportedUser[]>(join(s.out, 'not-exported.json')).map((e) => [e.email, e.code]),
        [
          ['clear@example.com', 'clear_text'],
          ['enc@example.com', 'encrypted'],
          ['locked@example.com', 'cannot_sign_in'],
        ],
      );
      // Marks hold the ids Login returns (lower-case), and still match the upper-case legacy rows.
      assert.deepEqual(await status(s.env), { total: 5, migrated: 2, pending: 3, marked_last_24h: 2 });

      // The exported users can later be purged (archived across both Membership tables).
      const later: Clock = { now: () => new Date(NOW.getTime() + 2 * 24 * 60 * 60 * 1000) };
      const purge = commandCapture(s.env);
      assert.equal(
        await purgeCommand(['--migrated-before', '1d', '--archive-table', 'MembershipArchive'], purge.io, {
          clock: later,
        }),
        0,
        purge.err.join('\n'),
      );
      assert.equal(purge.json().at(-1)?.purged, 2);
      const after = new DatabaseSync(s.path);
      try {
        assert.deepEqual(
          after
            .prepare('SELECT LoweredEmail FROM aspnet_Membership ORDER BY LoweredEmail')
            .all()
            .map((r) => r.LoweredEmail),
          ['clear@example.com', 'enc@example.com', 'locked@example.com'],
        );
        assert.equal(after.prepare('SELECT COUNT(*) AS n FROM aspnet_Users').get()?.n, 3);
        const archived = after
          .prepare('SELECT UserName, Password, PasswordSalt, ArchivedAt FROM MembershipArchive ORDER BY UserName')
          .all();
        assert.deepEqual(
          archived.map((r) => ({ ...r })),
          [
            {
              UserName: 'Ann@Example.com',
              Password: SHA1.hash,
              PasswordSalt: SHA1.salt,
              ArchivedAt: later.now().toISOString(),
            },
            {
              UserName: 'bob@example.com',
              Password: SHA1.hash,
              PasswordSalt: SHA1.salt,
              ArchivedAt: later.now().toISOString(),
            },
          ],
        );
      } finally {
        after.close();
      }
    });

    it('exports MD5 rows (MEMBERSHIP_HASH_ALGORITHM=MD5) as md5 + base64 salt + UTF-16LE that verify the real password', async () => {
      const md5 = examples.find((e) => e.format === 'membership-md5');
      assert.ok(md5?.stored.salt);
      const md5Env = { ...env, MEMBERSHIP_HASH_ALGORITHM: 'MD5' };
      const s = store(
        loadSchemaProfile('aspnet-membership', { applicationName: '/', membershipHashAlgorithm: 'MD5' }),
        md5Env,
      );
      const db = new DatabaseSync(s.path);
      try {
        insertMembershipApplication(db, '/', APP_ID);
        insertMembershipUser(db, {
          applicationId: APP_ID,
          userId: 'B0000000-0000-4000-8000-0000000000D5',
          userName: 'md5@example.com',
          email: 'md5@example.com',
          password: { hash: md5.stored.hash, salt: md5.stored.salt },
        });
      } finally {
        db.close();
      }
      const run = commandCapture(s.env);
      assert.equal(
        await exportCommand(['--format', 'auth0-bulk', '--out', s.out], run.io, { clock }),
        0,
        run.err.join('\n'),
      );
      assert.deepEqual(run.json()[0]?.formats, { 'membership-md5': 1 });
      const [record] = readJson<Auth0ImportUser[]>(join(s.out, 'users-00001.json'));
      assert.deepEqual(record?.custom_password_hash, {
        algorithm: 'md5',
        hash: { value: md5.stored.hash, encoding: 'base64' },
        salt: { value: md5.stored.salt, encoding: 'base64', position: 'prefix' },
        password: { encoding: 'utf16le' },
      });
      assert.equal(await auth0Verify(record.custom_password_hash, md5.password), true);
      assert.equal(await auth0Verify(record.custom_password_hash, md5.wrong_password), false);
      assert.deepEqual(readJson<NotExportedUser[]>(join(s.out, 'not-exported.json')), []);
    });
  });
});
