import assert from 'node:assert/strict';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { initMssqlStore } from '../../src/store/mssql/init';
import { type MssqlMigrationAdmin, openMssqlMigrationAdmin } from '../../src/store/mssql/mssql-migration-admin';
import type { MssqlRepository } from '../../src/store/mssql/mssql-repository';
import { openMssqlRepository } from '../../src/store/mssql/open-mssql-repository';
import type { SchemaProfile } from '../../src/store/schema-profile';
import { SILENT_LOGGER } from '../support/silent-logger';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';

function adminOverTds(label: string, profile: SchemaProfile) {
  describe(`MssqlMigrationAdmin over the TDS test server (${label})`, () => {
    let server: TdsServer;
    let admin: MssqlMigrationAdmin;
    let repository: MssqlRepository;
    const ids: string[] = [];
    const old = new Date('2026-01-01T00:00:00.000Z');
    const now = new Date('2026-03-01T00:00:00.000Z');

    beforeEach(async () => {
      server = await startTdsServer();
      const store = { connectionString: server.storeUrl() };
      await initMssqlStore(store, { profile, createLegacyTables: true, logger: SILENT_LOGGER });
      repository = await openMssqlRepository(store, { profile, logger: SILENT_LOGGER });
      admin = await openMssqlMigrationAdmin(store, { profile, logger: SILENT_LOGGER });
      ids.length = 0;
      for (const name of ['a', 'b', 'c']) {
        const user = await repository.insert({
          email: `${name}@example.com`,
          password: { hash: 'h' },
          emailVerified: true,
        });
        ids.push(user.userId);
      }
    });

    afterEach(async () => {
      await admin.close();
      await repository.close();
      await server.close();
    });

    it('counts users and marks, pages pending ids, marks exports once', async () => {
      assert.deepEqual(await admin.status(now), { total: 3, migrated: 0, pending: 3, markedLast24h: 0 });
      const first = await admin.listPendingIds(null, 2);
      assert.equal(first.items.length, 2);
      const second = await admin.listPendingIds(first.next, 2);
      assert.deepEqual([...first.items, ...second.items].sort(), [...ids].sort());
      assert.equal(second.next, null);

      assert.equal(await admin.markExported(first.items, now), 2);
      assert.equal(await admin.markExported(first.items, now), 0, 'a mark is never added twice');
      assert.deepEqual(await admin.status(now), { total: 3, migrated: 2, pending: 1, markedLast24h: 2 });
      assert.deepEqual((await admin.listPendingIds(null, 10)).items, second.items);
    });

    it('purges marked users older than the cutoff into an archive, skipping newer marks, in one batch', async () => {
      const [a, b, c] = ids as [string, string, string];
      await repository.markMigrated(a, old, 'authenticate');
      await repository.markMigrated(b, now, 'get_user');
      assert.equal(await admin.ensureArchiveTable('PurgedUsers'), true);
      assert.equal(await admin.ensureArchiveTable('PurgedUsers'), false);
      assert.equal(await admin.archiveTableExists('PurgedUsers'), true);

      const cutoff = new Date('2026-02-01T00:00:00.000Z');
      const marked = await admin.listMarkedBefore(cutoff, null, 10);
      assert.deepEqual(
        marked.items.map((m) => m.userId),
        [a],
      );
      const result = await admin.purgeBatch([a, b, c], cutoff, { table: 'PurgedUsers', archivedAt: now });
      assert.deepEqual(result, { purged: [a], orphanMarks: [], skipped: [b, c] });
      assert.equal(await admin.userExists(a), false);
      assert.equal(await admin.userExists(b), true);
      assert.equal(await repository.findById(a), null);
      const archived = server.engine.database.prepare('SELECT COUNT(*) AS n FROM "PurgedUsers"').get() as { n: number };
      assert.equal(archived.n, 1);
      assert.equal(await admin.unmark(b), true);
      assert.equal(await admin.unmark(b), false);
    });
  });
}

adminOverTds('default profile', loadSchemaProfile('default'));
adminOverTds(
  'aspnet-membership profile',
  loadSchemaProfile('aspnet-membership', { applicationName: '/Shop', membershipHashAlgorithm: 'SHA1' }),
);
