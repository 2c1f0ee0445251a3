import assert from 'node:assert/strict';
import { initStore } from '../../src/commands/db-init';
import type { StoreConfig } from '../../src/config';
import { describeProfilesOverGrpc, type ProfileStack } from '../contract/profiles-grpc-contract';
import { promiseClient } from '../support/grpc-call';
import { startStack } from '../support/stack';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';

/** The service on the mssql adapter over a fresh TDS test server, tables from db init --create-legacy-schema. */
async function startOverTds(env: Record<string, string>): Promise<ProfileStack & { server: TdsServer }> {
  const server = await startTdsServer();
  try {
    const store: StoreConfig = { kind: 'mssql', connectionString: server.storeUrl() };
    await initStore(store, { profile: env.SCHEMA_PROFILE ?? 'default', createLegacySchema: true });
    const stack = await startStack({ env: { ...env, STORE_URL: server.storeUrl() }, bridge: true });
    return {
      server,
      stack,
      withDb: (work) => work(server.engine.database),
      guid: (value) => value.toLowerCase(),
      async close() {
        await stack.close();
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/**
 * The same profile scenarios as on SQLite, on the mssql adapter (the real `mssql`/`tedious` client)
 * over the TDS test server: tables from `db init --create-legacy-schema` (the profiles' SQL Server
 * DDL), legacy rows written into the server's backing SQLite database as a .NET application's rows
 * would be, every call of the service going over TDS. It proves the wire path and the adapter's
 * T-SQL for each profile, not SQL Server's own semantics (see the README's TDS section).
 */
describeProfilesOverGrpc({ name: 'mssql over the TDS test server', start: startOverTds });

describe('profile scenarios over TDS: the service really talks to the TDS test server', () => {
  it('sends its statements on the profile’s tables over TDS (not to a SQLite file of its own)', async () => {
    const handle = await startOverTds({ SCHEMA_PROFILE: 'aspnet-membership', APPLICATION_NAME: '/Shop' });
    try {
      assert.equal(handle.stack.config.store.kind, 'mssql');
      const before = handle.server.received.length;
      await promiseClient(handle.stack.client)
        .getUser({ email: 'nobody@example.com', login: '' })
        .catch(() => undefined);
      const sent = handle.server.received.slice(before);
      assert.ok(
        sent.some((sql) => /aspnet_Membership/.test(sql)),
        `statements sent: ${sent.join(' | ').slice(0, 300)}`,
      );
    } finally {
      await handle.close();
    }
  });
});
