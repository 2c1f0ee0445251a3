import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportCommand } from '../../src/commands/export';
import { migrationStatusCommand } from '../../src/commands/migration-status';
import { migrationUnmarkCommand } from '../../src/commands/migration-unmark';
import { purgeCommand } from '../../src/commands/purge';
import type { Clock } from '../../src/domain/clock';
import type { Auth0ImportUser } from '../../src/export/auth0-import-user';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { initMssqlStore } from '../../src/store/mssql/init';
import { openMssqlRepository } from '../../src/store/mssql/open-mssql-repository';
import { commandCapture } from '../support/command-capture';
import { SILENT_LOGGER } from '../support/silent-logger';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';
import { auth0Verify } from '../unit/export/auth0-hash-verifier';

const NOW = new Date('2026-04-01T12:00:00.000Z');
const clock: Clock = { now: () => NOW };
const DAY = 24 * 60 * 60 * 1000;
const BCRYPT = {
  hash: '$2a$04$8ttRLydwbnyVuYYoUJdF4u2wVIQQwNi1nHYubgM8wwt8CcpAgJChq',
  password: 'correct horse battery staple',
};

/**
 * The operator commands against the mssql adapter, driven by the real `mssql`/tedious client over the
 * TDS test server (which executes on SQLite: this proves the wire path and the T-SQL the rewrite
 * knows, not SQL Server's own semantics).
 */
describe('migration commands on the mssql store (TDS test server)', () => {
  let server: TdsServer;
  let env: Record<string, string>;
  let dir: string;
  const ids: { old: string[]; recent: string[]; pending: string[] } = { old: [], recent: [], pending: [] };

  beforeEach(async () => {
    server = await startTdsServer();
    dir = mkdtempSync(join(tmpdir(), 'lia-mssql-migration-'));
    const store = { connectionString: server.storeUrl() };
    const profile = loadSchemaProfile('default');
    await initMssqlStore(store, { profile, createLegacyTables: true, logger: SILENT_LOGGER });
    const repository = await openMssqlRepository(store, { profile, logger: SILENT_LOGGER });
    try {
      const add = async (name: string) =>
        (
          await repository.insert({
            email: `${name}@example.com`,
            password: { hash: BCRYPT.hash },
            emailVerified: true,
          })
        ).userId;
      ids.old = [await add('old1'), await add('old2'), await add('old3')].sort();
      ids.recent = [await add('recent1')];
      ids.pending = [await add('pending1'), await add('pending2')].sort();
      for (const id of ids.old) await repository.markMigrated(id, new Date(NOW.getTime() - 10 * DAY), 'authenticate');
      for (const id of ids.recent) await repository.markMigrated(id, new Date(NOW.getTime() - 60_000), 'get_user');
    } finally {
      await repository.close();
    }
    env = { STORE_URL: server.storeUrl(), MIGRATION_GRACE: '5m' };
  });

  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const usersLeft = () =>
    (server.engine.database.prepare('SELECT "Id" AS id FROM "Users" ORDER BY "Id"').all() as { id: string }[]).map(
      (r) => r.id,
    );

  it('status, export --mark, purge --dry-run, purge with an archive in batches, unmark', async () => {
    const status = async () => {
      const run = commandCapture(env);
      assert.equal(await migrationStatusCommand([], run.io, { clock }), 0, run.err.join('\n'));
      return run.json()[0];
    };
    assert.deepEqual(await status(), { total: 6, migrated: 4, pending: 2, marked_last_24h: 1 });

    const out = join(dir, 'export');
    const exported = commandCapture(env);
    assert.equal(
      await exportCommand(['--format', 'auth0-bulk', '--out', out, '--mark'], exported.io, { clock }),
      0,
      exported.err.join('\n'),
    );
    const records = JSON.parse(readFileSync(join(out, 'users-00001.json'), 'utf8')) as Auth0ImportUser[];
    assert.deepEqual(
      records.map((r) => r.user_id),
      ids.pending,
    );
    for (const record of records) assert.equal(await auth0Verify(record.custom_password_hash, BCRYPT.password), true);
    assert.deepEqual(await status(), { total: 6, migrated: 6, pending: 0, marked_last_24h: 3 });

    const dry = commandCapture(env);
    assert.equal(
      await purgeCommand(['--migrated-before', '1d', '--dry-run', '--archive-table', 'PurgedUsers'], dry.io, { clock }),
      0,
    );
    assert.equal(dry.json().at(-1)?.purged, 3);
    assert.equal(usersLeft().length, 6, 'a dry run changes nothing');

    const purge = commandCapture(env);
    const code = await purgeCommand(
      ['--migrated-before', '1d', '--archive-table', 'PurgedUsers', '--batch-size', '2'],
      purge.io,
      { clock },
    );
    assert.equal(code, 0, purge.err.join('\n'));
    assert.deepEqual(
      purge
        .json()
        .slice(0, -1)
        .map((b) => b.purged_user_ids),
      [ids.old.slice(0, 2), ids.old.slice(2)],
    );
    assert.deepEqual(usersLeft(), [...ids.recent, ...ids.pending].sort());
    const archived = server.engine.database.prepare('SELECT "Id" AS id FROM "PurgedUsers" ORDER BY "Id"').all() as {
      id: string;
    }[];
    assert.deepEqual(
      archived.map((r) => r.id),
      ids.old,
    );
    assert.deepEqual(await status(), { total: 3, migrated: 3, pending: 0, marked_last_24h: 3 });

    const unmark = commandCapture(env);
    assert.equal(await migrationUnmarkCommand(['--user-id', ids.pending[0] ?? ''], unmark.io, { clock }), 0);
    assert.deepEqual(unmark.json(), [{ user_id: ids.pending[0], unmarked: true, user_exists: true }]);
    assert.deepEqual(await status(), { total: 3, migrated: 2, pending: 1, marked_last_24h: 2 });
  });
});
