import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type PurgeBatchReport, purgeCommand, runPurge } from '../../src/commands/purge';
import type { Clock } from '../../src/domain/clock';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import type { SchemaProfile } from '../../src/store/schema-profile';
import { initSqliteStore } from '../../src/store/sqlite/init';
import { openSqliteRepository } from '../../src/store/sqlite/open-sqlite-repository';
import { openSqliteMigrationAdmin } from '../../src/store/sqlite/sqlite-migration-admin';
import { commandCapture } from '../support/command-capture';
import { SILENT_LOGGER } from '../support/silent-logger';

const NOW = new Date('2026-04-01T12:00:00.000Z');
const clock: Clock = { now: () => NOW };
const DAY = 24 * 60 * 60 * 1000;
const BCRYPT = '$2a$04$8ttRLydwbnyVuYYoUJdF4u2wVIQQwNi1nHYubgM8wwt8CcpAgJChq';
interface Fixture {
  readonly path: string;
  readonly db: DatabaseSync;
  readonly env: Record<string, string>;
  /** Users marked 10 days ago (to purge with a 1-day cutoff), in id order. */
  readonly old: string[];
  /** Users marked an hour ago (kept), and users never marked (kept). */
  readonly recent: string[];
  readonly unmarked: string[];
}

/** A SQLite store with users marked long ago, marked recently, and not marked, plus a raw connection. */
function fixtures(profile: SchemaProfile = DEFAULT_PROFILE) {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });
  return async (counts: { old: number; recent: number; unmarked: number }): Promise<Fixture> => {
    const dir = mkdtempSync(join(tmpdir(), 'lia-purge-'));
    const path = join(dir, 'legacy.db');
    initSqliteStore(path, { profile });
    const repo = openSqliteRepository(path, { profile, logger: SILENT_LOGGER });
    const make = async (prefix: string, n: number, markedAt: Date | null) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const user = await repo.insert({
          email: `${prefix}${i}@example.com`,
          username: `${prefix}${i}`,
          password: { hash: BCRYPT },
          emailVerified: i % 2 === 0,
          userMetadata: { n: i },
        });
        if (markedAt) await repo.markMigrated(user.userId, markedAt, 'authenticate');
        ids.push(user.userId);
      }
      return ids.sort();
    };
    const old = await make('old', counts.old, new Date(NOW.getTime() - 10 * DAY));
    const recent = await make('recent', counts.recent, new Date(NOW.getTime() - 60 * 60 * 1000));
    const unmarked = await make('unmarked', counts.unmarked, null);
    await repo.close();
    const db = new DatabaseSync(path);
    cleanups.push(() => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { path, db, env: { STORE_URL: `sqlite:${path}`, MIGRATION_GRACE: '5m' }, old, recent, unmarked };
  };
}

const userIds = (db: DatabaseSync) =>
  db
    .prepare('SELECT Id FROM Users ORDER BY Id')
    .all()
    .map((r) => String(r.Id));
const markIds = (db: DatabaseSync) =>
  db
    .prepare('SELECT UserId FROM IdentityAdapterMigrations ORDER BY UserId')
    .all()
    .map((r) => String(r.UserId));
const sorted = (...lists: string[][]) => lists.flat().sort();

describe('purge --migrated-before', () => {
  const store = fixtures();

  it('--dry-run lists the users it would purge, batch by batch, and changes nothing', async () => {
    const f = await store({ old: 5, recent: 2, unmarked: 2 });
    const before = { users: userIds(f.db), marks: markIds(f.db) };
    const run = commandCapture(f.env);
    const code = await purgeCommand(
      ['--migrated-before', '1d', '--batch-size', '2', '--archive-table', 'UsersArchive', '--dry-run'],
      run.io,
      { clock },
    );
    assert.equal(code, 0, run.err.join('\n'));
    const lines = run.json();
    const batches = lines.slice(0, -1) as unknown as PurgeBatchReport[];
    assert.deepEqual(
      batches.map((b) => b.users),
      [2, 2, 1],
    );
    assert.deepEqual(
      batches.flatMap((b) => b.purged_user_ids),
      f.old,
    );
    assert.deepEqual(lines.at(-1), {
      dry_run: true,
      cutoff: '2026-03-31T12:00:00.000Z',
      archive_table: 'UsersArchive',
      archive_created: true,
      batches: 3,
      purged: 5,
      orphan_marks: 0,
      skipped: 0,
    });
    assert.deepEqual({ users: userIds(f.db), marks: markIds(f.db) }, before);
    const archive = f.db.prepare(`SELECT name FROM sqlite_master WHERE name = 'UsersArchive'`).get();
    assert.equal(archive, undefined, 'a dry run does not create the archive table');
  });

  it('deletes only users marked before the cutoff, with their marks, and never an unmarked user', async () => {
    const f = await store({ old: 5, recent: 2, unmarked: 3 });
    const run = commandCapture(f.env);
    assert.equal(await purgeCommand(['--migrated-before', '1d', '--batch-size', '2'], run.io, { clock }), 0);
    assert.deepEqual(userIds(f.db), sorted(f.recent, f.unmarked));
    assert.deepEqual(markIds(f.db), f.recent);
    const summary = run.json().at(-1);
    assert.equal(summary?.purged, 5);
    assert.equal(summary?.batches, 3);
    // Idempotent: a second run finds nothing left to do.
    const again = commandCapture(f.env);
    assert.equal(await purgeCommand(['--migrated-before', '1d'], again.io, { clock }), 0);
    assert.deepEqual(again.json(), [
      {
        dry_run: false,
        cutoff: '2026-03-31T12:00:00.000Z',
        archive_table: null,
        archive_created: false,
        batches: 0,
        purged: 0,
        orphan_marks: 0,
        skipped: 0,
      },
    ]);
  });

  it('takes a timestamp cutoff: users marked at or after it stay', async () => {
    const f = await store({ old: 2, recent: 2, unmarked: 0 });
    const run = commandCapture(f.env);
    const cutoff = new Date(NOW.getTime() - 10 * DAY).toISOString(); // exactly the old marks' time
    assert.equal(await purgeCommand(['--migrated-before', cutoff], run.io, { clock }), 0);
    assert.deepEqual(userIds(f.db), sorted(f.old, f.recent), 'strictly before: nothing purged');
    assert.equal(await purgeCommand(['--migrated-before', '2026-03-30'], commandCapture(f.env).io, { clock }), 0);
    assert.deepEqual(userIds(f.db), f.recent);
  });

  it('with --archive-table, copies each row (the profile columns plus ArchivedAt) before deleting it', async () => {
    const f = await store({ old: 3, recent: 1, unmarked: 1 });
    const originals = f.db
      .prepare(`SELECT * FROM Users WHERE Id IN (${f.old.map(() => '?').join(',')}) ORDER BY Id`)
      .all(...f.old);
    const run = commandCapture(f.env);
    const code = await purgeCommand(['--migrated-before', '7d', '--archive-table', 'UsersArchive'], run.io, { clock });
    assert.equal(code, 0, run.err.join('\n'));
    const summary = run.json().at(-1);
    assert.equal(summary?.archive_created, true);
    assert.equal(run.json()[0]?.archived, 3);
    const archived = f.db.prepare('SELECT * FROM UsersArchive ORDER BY Id').all();
    assert.deepEqual(
      archived.map(({ ArchivedAt, ...rest }) => ({ ...rest })),
      originals.map((row) => ({ ...row })),
      'every profile column copied unchanged',
    );
    for (const row of archived) assert.equal(row.ArchivedAt, NOW.toISOString());
    assert.deepEqual(userIds(f.db), sorted(f.recent, f.unmarked));
    // A later purge appends to the existing archive.
    f.db
      .prepare('UPDATE IdentityAdapterMigrations SET MigratedAt = ? WHERE UserId = ?')
      .run(new Date(NOW.getTime() - 30 * DAY).toISOString(), f.recent[0] ?? '');
    const second = commandCapture(f.env);
    assert.equal(
      await purgeCommand(['--migrated-before', '7d', '--archive-table', 'UsersArchive'], second.io, { clock }),
      0,
    );
    assert.equal(second.json().at(-1)?.archive_created, false);
    assert.equal(f.db.prepare('SELECT COUNT(*) AS n FROM UsersArchive').get()?.n, 4);
  });

  it('resumes after a crash between batches: committed batches stay done, the re-run does the rest once', async () => {
    const f = await store({ old: 7, recent: 1, unmarked: 2 });
    const admin = openSqliteMigrationAdmin(f.path, { profile: DEFAULT_PROFILE });
    const crash = new Error('simulated crash after the first batch');
    const plan = {
      cutoff: new Date(NOW.getTime() - DAY),
      archiveTable: 'UsersArchive',
      batchSize: 3,
      dryRun: false,
      now: NOW,
    };
    await assert.rejects(
      runPurge(admin, plan, () => {
        throw crash;
      }),
      crash,
    );
    await admin.close();
    const firstBatch = f.old.slice(0, 3);
    assert.deepEqual(userIds(f.db), sorted(f.old.slice(3), f.recent, f.unmarked));
    assert.deepEqual(markIds(f.db), sorted(f.old.slice(3), f.recent));
    assert.deepEqual(
      f.db
        .prepare('SELECT Id FROM UsersArchive ORDER BY Id')
        .all()
        .map((r) => r.Id),
      firstBatch,
    );

    const run = commandCapture(f.env);
    const code = await purgeCommand(
      ['--migrated-before', '1d', '--archive-table', 'UsersArchive', '--batch-size', '3'],
      run.io,
      { clock },
    );
    assert.equal(code, 0, run.err.join('\n'));
    assert.deepEqual(
      run
        .json()
        .slice(0, -1)
        .flatMap((b) => b.purged_user_ids as string[]),
      f.old.slice(3),
      'the re-run starts after the last committed batch',
    );
    assert.deepEqual(userIds(f.db), sorted(f.recent, f.unmarked));
    assert.deepEqual(
      f.db
        .prepare('SELECT Id FROM UsersArchive ORDER BY Id')
        .all()
        .map((r) => r.Id),
      f.old,
      'each purged user archived exactly once',
    );
  });

  it('rolls a batch back whole when it fails part-way, and the re-run completes it', async () => {
    const f = await store({ old: 6, recent: 0, unmarked: 1 });
    // The store refuses to delete the fifth old user: the failure lands inside the second batch.
    const victim = f.old[4] ?? '';
    f.db.exec(
      `CREATE TRIGGER refuse_delete BEFORE DELETE ON Users WHEN old.Id = '${victim}' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`,
    );
    const run = commandCapture(f.env);
    const code = await purgeCommand(
      ['--migrated-before', '1d', '--archive-table', 'UsersArchive', '--batch-size', '3'],
      run.io,
      { clock },
    );
    assert.equal(code, 1);
    assert.match(run.err.join('\n'), /^internal: /);
    assert.equal(run.out.length, 1, 'only the first batch was reported done');
    assert.deepEqual(userIds(f.db), sorted(f.old.slice(3), f.unmarked), 'the second batch is untouched');
    assert.deepEqual(markIds(f.db), f.old.slice(3));
    assert.equal(
      f.db.prepare('SELECT COUNT(*) AS n FROM UsersArchive').get()?.n,
      3,
      'no archive rows from the failed batch',
    );

    f.db.exec('DROP TRIGGER refuse_delete');
    assert.equal(
      await purgeCommand(['--migrated-before', '1d', '--archive-table', 'UsersArchive'], commandCapture(f.env).io, {
        clock,
      }),
      0,
    );
    assert.deepEqual(userIds(f.db), f.unmarked);
    assert.equal(f.db.prepare('SELECT COUNT(*) AS n FROM UsersArchive').get()?.n, 6);
  });

  it('removes marks of users the legacy application already deleted, and reports them', async () => {
    const f = await store({ old: 2, recent: 0, unmarked: 0 });
    f.db.prepare('DELETE FROM Users WHERE Id = ?').run(f.old[0] ?? '');
    const run = commandCapture(f.env);
    assert.equal(await purgeCommand(['--migrated-before', '1d'], run.io, { clock }), 0);
    const [batch, summary] = run.json();
    assert.deepEqual(batch?.orphan_marks, [f.old[0]]);
    assert.deepEqual(batch?.purged_user_ids, [f.old[1]]);
    assert.equal(summary?.orphan_marks, 1);
    assert.deepEqual(markIds(f.db), []);
  });

  it('skips a listed user whose mark was removed or renewed before its batch ran', async () => {
    const f = await store({ old: 3, recent: 0, unmarked: 0 });
    const admin = openSqliteMigrationAdmin(f.path, { profile: DEFAULT_PROFILE });
    try {
      const cutoff = new Date(NOW.getTime() - DAY);
      const [unmarkedMeanwhile, renewed, purged] = [f.old[0] ?? '', f.old[1] ?? '', f.old[2] ?? ''];
      assert.equal(await admin.unmark(unmarkedMeanwhile), true);
      f.db
        .prepare('UPDATE IdentityAdapterMigrations SET MigratedAt = ? WHERE UserId = ?')
        .run(NOW.toISOString(), renewed);
      const result = await admin.purgeBatch(f.old, cutoff, null);
      assert.deepEqual(result, { purged: [purged], orphanMarks: [], skipped: [unmarkedMeanwhile, renewed] });
      assert.deepEqual(userIds(f.db), sorted([unmarkedMeanwhile, renewed]));
    } finally {
      await admin.close();
    }
  });

  describe('refuses, before touching anything', () => {
    const cases: [string, string[], RegExp][] = [
      ['a cutoff inside the grace window', ['--migrated-before', '2m'], /at least MIGRATION_GRACE/],
      ['a cutoff in the future', ['--migrated-before', '2026-05-01'], /at least MIGRATION_GRACE/],
      ['a timestamp without a zone', ['--migrated-before', '2026-03-01T10:00:00'], /expected a duration/],
      ['a duration without a unit', ['--migrated-before', '30'], /expected a duration/],
      ['no cutoff', [], /--migrated-before is required/],
      ['a batch size of 0', ['--migrated-before', '1d', '--batch-size', '0'], /--batch-size/],
      [
        'an archive table that is not an identifier',
        ['--migrated-before', '1d', '--archive-table', 'x;drop'],
        /archive_table/,
      ],
      ['the store’s own table as archive', ['--migrated-before', '1d', '--archive-table', 'users'], /archive_table/],
      [
        'the side table as archive',
        ['--migrated-before', '1d', '--archive-table', 'IdentityAdapterMigrations'],
        /archive_table/,
      ],
      ['an unknown option', ['--migrated-before', '1d', '--force'], /unknown option --force/],
    ];
    for (const [label, args, message] of cases) {
      it(label, async () => {
        const f = await store({ old: 2, recent: 0, unmarked: 1 });
        const run = commandCapture(f.env);
        assert.equal(await purgeCommand(args, run.io, { clock }), 2);
        assert.match(run.err.join('\n'), message);
        assert.equal(userIds(f.db).length, 3);
        assert.equal(markIds(f.db).length, 2);
      });
    }
  });
});
