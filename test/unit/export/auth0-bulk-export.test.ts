import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../../src/domain/clock';
import type { StoredUser } from '../../../src/domain/user';
import { type ExportSource, exportAuth0Bulk, NOT_EXPORTED_FILE } from '../../../src/export/auth0-bulk-export';
import { type Auth0ImportUser, type NotExportedUser, toAuth0ImportUser } from '../../../src/export/auth0-import-user';
import { importFiles, readJson } from '../../support/auth0-export-files';
import { loadPasswordVectors } from '../../support/password-vectors';
import { tempDirs } from '../../support/temp-dirs';
import { auth0Verify } from './auth0-hash-verifier';

const examples = loadPasswordVectors().login_examples;

const clock: Clock = { now: () => new Date('2026-03-01T12:00:00Z') };
const BCRYPT = '$2a$04$8ttRLydwbnyVuYYoUJdF4u2wVIQQwNi1nHYubgM8wwt8CcpAgJChq';

function user(id: string, extra: Partial<StoredUser> = {}): StoredUser {
  return {
    userId: id,
    email: `${id}@example.com`,
    emailVerified: false,
    password: { hash: BCRYPT },
    canLogin: true,
    ...extra,
  };
}

/** Users in id order, served in pages as a store would, counting the pages asked for. */
function memorySource(users: readonly StoredUser[]): ExportSource & { pages: number } {
  const sorted = [...users].sort((a, b) => (a.userId < b.userId ? -1 : 1));
  const source = {
    pages: 0,
    async listPendingIds(after: string | null, limit: number) {
      source.pages += 1;
      const items = sorted
        .filter((u) => after === null || u.userId > after)
        .slice(0, limit)
        .map((u) => u.userId);
      return { items, next: items.length === limit ? (items[items.length - 1] ?? null) : null };
    },
    async findById(id: string) {
      return sorted.find((u) => u.userId === id) ?? null;
    },
  };
  return source;
}

describe('Auth0 bulk export', () => {
  const tempDir = tempDirs('lia-export-');

  describe('toAuth0ImportUser', () => {
    it('maps every profile field Auth0 imports and leaves absent ones out', () => {
      const result = toAuth0ImportUser(
        user('u1', {
          emailVerified: true,
          username: 'uno',
          name: 'Una Uno',
          givenName: 'Una',
          familyName: 'Uno',
          nickname: 'u',
          picture: 'https://example.com/u.png',
          userMetadata: { plan: 'gold' },
          appMetadata: { roles: ['admin'] },
        }),
      );
      assert.ok(result.ok);
      assert.deepEqual(result.user, {
        user_id: 'u1',
        email: 'u1@example.com',
        email_verified: true,
        username: 'uno',
        name: 'Una Uno',
        given_name: 'Una',
        family_name: 'Uno',
        nickname: 'u',
        picture: 'https://example.com/u.png',
        user_metadata: { plan: 'gold' },
        app_metadata: { roles: ['admin'] },
        custom_password_hash: { algorithm: 'bcrypt', hash: { value: BCRYPT, encoding: 'utf8' } },
      });
      const bare = toAuth0ImportUser(user('u2'));
      assert.ok(bare.ok);
      assert.deepEqual(Object.keys(bare.user).sort(), ['custom_password_hash', 'email', 'email_verified', 'user_id']);
    });

    it('refuses accounts that may not sign in, bad emails and reserved app_metadata names, with reasons', () => {
      const cases: [StoredUser, string][] = [
        [user('a', { canLogin: false }), 'cannot_sign_in'],
        [user('b', { email: 'not an email' }), 'invalid_email'],
        [user('c', { appMetadata: { user_id: 'x', plan: 'p' } }), 'reserved_app_metadata'],
        [user('d', { password: { hash: 'opaque-legacy-value' } }), 'unknown_format'],
      ];
      for (const [input, code] of cases) {
        const result = toAuth0ImportUser(input);
        assert.ok(!result.ok, input.userId);
        assert.equal(result.entry.code, code);
        assert.equal(result.entry.user_id, input.userId);
        assert.ok(result.entry.reason.length > 0);
      }
    });
  });

  it('exports a store holding every fixture format: each exported hash verifies the real password', async () => {
    const users = examples.map((e, i) =>
      user(`user-${String(i).padStart(3, '0')}`, { password: e.stored, userMetadata: { format: e.format } }),
    );
    const dir = tempDir();
    const summary = await exportAuth0Bulk(memorySource(users), { out: dir, mark: null, clock });
    assert.deepEqual(summary.files, ['users-00001.json']);
    const imported = readJson<Auth0ImportUser[]>(join(dir, 'users-00001.json'));
    const skipped = readJson<NotExportedUser[]>(join(dir, NOT_EXPORTED_FILE));
    assert.equal(imported.length + skipped.length, examples.length);
    assert.equal(summary.exported, imported.length);
    assert.equal(summary.notExported, skipped.length);
    assert.deepEqual(skipped.map((s) => s.format).sort(), [
      'argon2d',
      'drupal7',
      'drupal7-md5-prehashed',
      'membership-clear',
      'membership-sha384',
      'phpass',
      'scrypt',
      'wordpress-bcrypt',
    ]);
    for (const entry of skipped) assert.ok(entry.reason && entry.code && entry.email, JSON.stringify(entry));
    for (const record of imported) {
      const example = examples[Number(record.user_id.slice(5))];
      assert.ok(example);
      assert.equal(
        await auth0Verify(record.custom_password_hash, example.password),
        true,
        `${example.format}: ${JSON.stringify(record.custom_password_hash)}`,
      );
      assert.equal(await auth0Verify(record.custom_password_hash, `${example.password}?`), false, example.format);
    }
    assert.equal(
      Object.values(summary.formats).reduce((a, b) => a + b, 0),
      imported.length,
    );
  });

  it('splits into files within the size limit, in id order, each user exactly once, reading page by page', async () => {
    const users = Array.from({ length: 60 }, (_, i) =>
      user(`u${String(i).padStart(3, '0')}`, { userMetadata: { note: 'x'.repeat(200 + (i % 7) * 40) } }),
    );
    const dir = tempDir();
    const source = memorySource(users);
    const limit = 4_000;
    const summary = await exportAuth0Bulk(source, { out: dir, mark: null, clock, maxFileBytes: limit, pageSize: 7 });
    const files = importFiles(dir);
    assert.deepEqual(files, summary.files);
    assert.ok(files.length >= 4, `expected several files, got ${files.length}`);
    const ids: string[] = [];
    for (const name of files) {
      const size = statSync(join(dir, name)).size;
      assert.ok(size <= limit, `${name} is ${size} bytes`);
      const records = readJson<Auth0ImportUser[]>(join(dir, name));
      assert.ok(records.length > 0);
      ids.push(...records.map((r) => r.user_id));
    }
    assert.deepEqual(
      ids,
      users.map((u) => u.userId),
    );
    assert.equal(source.pages, 9, 'eight full pages of 7, then the last 4');
    assert.deepEqual(readJson(join(dir, NOT_EXPORTED_FILE)), []);
  });

  it('lists a user whose record alone exceeds the limit as too_large', async () => {
    const dir = tempDir();
    await exportAuth0Bulk(memorySource([user('big', { userMetadata: { blob: 'y'.repeat(3_000) } }), user('small')]), {
      out: dir,
      mark: null,
      clock,
      maxFileBytes: 1_000,
    });
    assert.deepEqual(
      readJson<NotExportedUser[]>(join(dir, NOT_EXPORTED_FILE)).map((e) => [e.user_id, e.code]),
      [['big', 'too_large']],
    );
    assert.deepEqual(
      readJson<Auth0ImportUser[]>(join(dir, 'users-00001.json')).map((r) => r.user_id),
      ['small'],
    );
  });

  it('with --mark, marks each file’s users only once that file is complete on disk', async () => {
    const users = Array.from({ length: 20 }, (_, i) => user(`m${String(i).padStart(2, '0')}`));
    const dir = tempDir();
    const calls: { ids: readonly string[]; at: Date; onDisk: string[] }[] = [];
    const summary = await exportAuth0Bulk(memorySource(users), {
      out: dir,
      clock,
      maxFileBytes: 1_500,
      mark: async (ids, at) => {
        const last = importFiles(dir).pop() ?? '';
        calls.push({ ids: [...ids], at, onDisk: readJson<Auth0ImportUser[]>(join(dir, last)).map((r) => r.user_id) });
        return ids.length;
      },
    });
    assert.equal(calls.length, summary.files.length);
    assert.ok(calls.length > 1);
    for (const call of calls) {
      assert.deepEqual(call.ids, call.onDisk, 'the marked users are exactly those of the file just written');
      assert.equal(call.at.toISOString(), '2026-03-01T12:00:00.000Z');
    }
    assert.equal(summary.marked, 20);
  });

  it('refuses a folder that already holds an export', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'users-00001.json'), '[]');
    await assert.rejects(
      exportAuth0Bulk(memorySource([user('x')]), { out: dir, mark: null, clock }),
      /already holds an export/,
    );
  });
});
