import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { runCli } from '../../src/cli';
import { migrationStatusCommand } from '../../src/commands/migration-status';
import { migrationUnmarkCommand } from '../../src/commands/migration-unmark';
import type { Clock } from '../../src/domain/clock';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import { initSqliteStore } from '../../src/store/sqlite/init';
import { openSqliteRepository } from '../../src/store/sqlite/open-sqlite-repository';
import { commandCapture } from '../support/command-capture';
import { SILENT_LOGGER } from '../support/silent-logger';

const NOW = new Date('2026-04-01T12:00:00.000Z');
const clock: Clock = { now: () => NOW };
const HOUR = 60 * 60 * 1000;
describe('migration status and migration unmark', () => {
  let dir: string;
  let env: Record<string, string>;
  let ids: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lia-migration-cmd-'));
    const path = join(dir, 'legacy.db');
    initSqliteStore(path, { profile: DEFAULT_PROFILE });
    const repo = openSqliteRepository(path, { profile: DEFAULT_PROFILE, logger: SILENT_LOGGER });
    ids = [];
    for (let i = 0; i < 5; i++) {
      const user = await repo.insert({ email: `u${i}@example.com`, password: { hash: 'x' }, emailVerified: false });
      ids.push(user.userId);
    }
    // Two marked three days ago, one two hours ago, two never; and a mark whose user is gone.
    await repo.markMigrated(ids[0] ?? '', new Date(NOW.getTime() - 72 * HOUR), 'authenticate');
    await repo.markMigrated(ids[1] ?? '', new Date(NOW.getTime() - 72 * HOUR), 'get_user');
    await repo.markMigrated(ids[2] ?? '', new Date(NOW.getTime() - 2 * HOUR), 'authenticate');
    await repo.markMigrated('deleted-long-ago', new Date(NOW.getTime() - HOUR), 'authenticate');
    await repo.close();
    env = { STORE_URL: `sqlite:${path}` };
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('status prints one JSON line: legacy users, of them marked, not marked, marked in the last 24 hours', async () => {
    const run = commandCapture(env);
    assert.equal(await migrationStatusCommand([], run.io, { clock }), 0, run.err.join('\n'));
    assert.equal(run.out.length, 1);
    assert.deepEqual(JSON.parse(run.out[0] ?? ''), { total: 5, migrated: 3, pending: 2, marked_last_24h: 1 });
  });

  it('unmark removes one mark so the user counts as pending again; a second unmark finds none', async () => {
    const run = commandCapture(env);
    assert.equal(await migrationUnmarkCommand(['--user-id', ids[0] ?? ''], run.io, { clock }), 0);
    assert.deepEqual(run.json(), [{ user_id: ids[0], unmarked: true, user_exists: true }]);
    const status = commandCapture(env);
    await migrationStatusCommand([], status.io, { clock });
    assert.deepEqual(status.json(), [{ total: 5, migrated: 2, pending: 3, marked_last_24h: 1 }]);
    const again = commandCapture(env);
    assert.equal(await migrationUnmarkCommand(['--user-id', ids[0] ?? ''], again.io, { clock }), 0);
    assert.deepEqual(again.json(), [{ user_id: ids[0], unmarked: false, user_exists: true }]);
    const unknown = commandCapture(env);
    assert.equal(await migrationUnmarkCommand(['--user-id', 'nobody'], unknown.io, { clock }), 0);
    assert.deepEqual(unknown.json(), [{ user_id: 'nobody', unmarked: false, user_exists: false }]);
  });

  it('are reachable through the command line, and refuse bad arguments with the usage and exit 2', async () => {
    const status = commandCapture(env);
    assert.equal(await runCli(['migration', 'status'], status.io), 0, status.err.join('\n'));
    assert.deepEqual(Object.keys(JSON.parse(status.out[0] ?? '{}')), [
      'total',
      'migrated',
      'pending',
      'marked_last_24h',
    ]);
    const unmark = commandCapture(env);
    assert.equal(await runCli(['migration', 'unmark', '--user-id', ids[1] ?? ''], unmark.io), 0);
    assert.equal(unmark.json()[0]?.unmarked, true);

    for (const args of [
      ['migration', 'unmark'],
      ['migration', 'status', '--all'],
      ['migration', 'frobnicate'],
    ]) {
      const bad = commandCapture(env);
      assert.equal(await runCli(args, bad.io), 2, args.join(' '));
      assert.match(bad.err.join('\n'), /usage:/);
      assert.deepEqual(bad.out, []);
    }
  });

  it('report a missing store as a failure (exit 1) naming db init', async () => {
    const run = commandCapture({ STORE_URL: `sqlite:${join(dir, 'nope.db')}` });
    assert.equal(await migrationStatusCommand([], run.io, { clock }), 1);
    assert.match(run.err.join('\n'), /^unavailable: .*db init/);
  });

  it('leave the store exactly as it was when only reading', async () => {
    const db = new DatabaseSync(join(dir, 'legacy.db'));
    try {
      const before = db.prepare('SELECT * FROM IdentityAdapterMigrations ORDER BY UserId').all();
      await migrationStatusCommand([], commandCapture(env).io, { clock });
      assert.deepEqual(db.prepare('SELECT * FROM IdentityAdapterMigrations ORDER BY UserId').all(), before);
    } finally {
      db.close();
    }
  });
});
