import assert from 'node:assert/strict';
import type { StoredUser } from '../../src/domain/user';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { initMssqlStore } from '../../src/store/mssql/init';
import { openMssqlRepository } from '../../src/store/mssql/open-mssql-repository';
import { RecordingLogger } from '../support/recording-logger';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';

/**
 * Every kind of write at once on a fresh pool, as a burst of logins and changes makes them. Membership
 * writes are multi-statement transactions: they once timed out here, because the TDS test server let
 * two connections woken together both take its transaction gate.
 */
for (const name of ['default', 'aspnet-identity', 'aspnet-membership']) {
  describe(`mssql adapter over the TDS test server, ${name}: concurrent writes of every kind`, function () {
    this.timeout(60_000);
    let server: TdsServer;
    let store: { kind: 'mssql'; connectionString: string };
    const profile = loadSchemaProfile(name);

    before(async () => {
      server = await startTdsServer();
      store = { kind: 'mssql', connectionString: server.storeUrl() };
      await initMssqlStore(store, { profile, createLegacyTables: true, logger: new RecordingLogger() });
    });
    after(async () => {
      await server.close();
    });

    it('each lands exactly once, none waits for another to time out, and the pool gets every connection back', async () => {
      const seed = await openMssqlRepository(store, { profile, logger: new RecordingLogger() });
      const users: StoredUser[] = [];
      for (let i = 0; i < 10; i++) {
        users.push(
          await seed.insert({ email: `u${i}@example.com`, password: { hash: `h${i}` }, emailVerified: false }),
        );
      }
      await seed.close();
      const id = (k: number): string => (users[k] as StoredUser).userId;

      const repository = await openMssqlRepository(store, { profile, logger: new RecordingLogger() });
      try {
        const outcomes = await Promise.allSettled([
          repository.updatePassword(id(0), { hash: 'new0' }),
          repository.setEmailVerified(id(1), true),
          repository.changeEmail(id(2), 'moved@example.com', true),
          repository.delete(id(3)),
          repository.insert({ email: 'new@example.com', password: { hash: 'n' }, emailVerified: false }),
          repository.markMigrated(id(4), new Date(), 'authenticate'),
          repository.updatePassword(id(5), { hash: 'new5' }, { hash: 'h5' }),
          repository.setEmailVerified(id(6), true),
          repository.delete(id(7), undefined, { unlessMigrated: true }),
          repository.changeEmail(id(8), 'moved8@example.com', false),
          repository.updatePassword(id(9), { hash: 'new9' }),
        ]);
        assert.deepEqual(
          outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : String((o.reason as Error).message))),
          Array(11).fill('ok'),
        );

        assert.equal((await repository.findById(id(0)))?.password.hash, 'new0');
        assert.equal((await repository.findById(id(1)))?.emailVerified, true);
        assert.equal((await repository.findByEmail('moved@example.com'))?.userId, id(2));
        assert.equal(await repository.findById(id(3)), null);
        assert.ok(await repository.findByEmail('new@example.com'));
        assert.equal((await repository.getMigrationMark(id(4)))?.via, 'authenticate');
        assert.equal((await repository.findById(id(5)))?.password.hash, 'new5');
        assert.equal((await repository.findById(id(6)))?.emailVerified, true);
        assert.equal(await repository.findById(id(7)), null);
        assert.equal((await repository.findByEmail('moved8@example.com'))?.userId, id(8));
        assert.equal((await repository.findById(id(9)))?.password.hash, 'new9');
        // Ten seeded, two deleted, one inserted: no write ran twice or landed on another row.
        assert.equal(await repository.countUsers(), 9);
        assert.equal(repository.poolUsage().inUse, 0, 'a connection was not returned');
      } finally {
        await repository.close();
      }
    });
  });
}
