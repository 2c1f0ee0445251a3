import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import type { Clock } from '../../src/domain/clock';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { initMssqlStore } from '../../src/store/mssql/init';
import { openMssqlRepository } from '../../src/store/mssql/open-mssql-repository';
import type { SchemaProfile } from '../../src/store/schema-profile';
import {
  describeLegacyLockoutOverGrpc,
  type LockoutStore,
  startLockoutService,
} from '../contract/legacy-lockout-grpc-contract';
import { callError } from '../support/grpc-call';
import { insertRow } from '../support/legacy-rows';
import { ManualClock } from '../support/manual-clock';
import { SILENT_LOGGER } from '../support/silent-logger';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';

/** A fresh TDS test server with the profile's tables (db init --create-legacy-schema), the mssql adapter on it. */
async function openOverTds(profile: SchemaProfile, clock: Clock): Promise<LockoutStore & { server: TdsServer }> {
  const server = await startTdsServer();
  try {
    const store = { kind: 'mssql', connectionString: server.storeUrl() } as const;
    await initMssqlStore(store, { profile, createLegacyTables: true, logger: SILENT_LOGGER });
    const repository = await openMssqlRepository(store, { profile, logger: SILENT_LOGGER, clock });
    return {
      server,
      repository,
      withDb: (work) => work(server.engine.database),
      guid: (value) => value.toLowerCase(),
      // A transient SQL Server error on every write: the adapter's one retry fails too.
      breakWrites: () => server.injectError({ number: 40613, match: /^\s*UPDATE /i, times: 1_000 }),
      async close() {
        await repository.close();
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/**
 * The same scenarios on the mssql adapter (the real mssql/tedious client, the adapter's T-SQL) over
 * the TDS test server, the rows written behind its back as the .NET application's would be. It proves
 * the wire path and the statements, not SQL Server's own semantics (README, TDS section).
 */
describeLegacyLockoutOverGrpc({ name: 'mssql over the TDS test server', open: openOverTds });

describe('LEGACY_LOCKOUT over TDS: the same store work for every refusal', () => {
  it('an unknown login, a wrong password and a locked-out user’s right password each end with the same UPDATE', async () => {
    const clock = new ManualClock(new Date('2030-06-01T12:00:00.000Z'));
    const store = await openOverTds(loadSchemaProfile('aspnet-identity'), clock);
    const service = await startLockoutService(store.repository, clock, {
      maxFailedAttempts: 2,
      lockoutMs: 300_000,
      attemptWindowMs: 600_000,
    });
    try {
      store.withDb((db) =>
        insertRow(db, 'AspNetUsers', {
          Id: 'ann-id',
          UserName: 'ann',
          NormalizedUserName: 'ANN',
          Email: 'ann@example.com',
          NormalizedEmail: 'ANN@EXAMPLE.COM',
          EmailConfirmed: 1,
          PasswordHash: 'AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==',
          PhoneNumberConfirmed: 0,
          TwoFactorEnabled: 0,
          LockoutEnabled: 1,
          AccessFailedCount: 0,
        }),
      );
      /** The statements one Authenticate sent, and its status. */
      const sent = async (login: string, password: string) => {
        const from = store.server.received.length;
        const error = await callError(service.rpc.authenticate({ login, password }));
        assert.equal(error.code, status.UNAUTHENTICATED);
        return store.server.received.slice(from);
      };
      await sent('nobody', 'warm-up'); // the pool's first connection sends its session set-up too
      const unknown = await sent('nobody', 'guess');
      const wrong = await sent('ann', 'guess');
      await sent('ann', 'guess'); // the second locks
      const lockedRight = await sent('ann', 'my password');
      assert.match(unknown.at(-1) ?? '', /^UPDATE \[AspNetUsers\] SET \[AccessFailedCount\]/);
      assert.deepEqual([wrong.length, lockedRight.length], [unknown.length, unknown.length]);
      assert.deepEqual([wrong.at(-1), lockedRight.at(-1)], [unknown.at(-1), unknown.at(-1)]);
    } finally {
      await service.close();
      await store.close();
    }
  });
});
