import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { status } from '@grpc/grpc-js';
import { ConfigError, loadConfig } from '../../src/config';
import { callError, promiseClient } from '../support/grpc-call';
import { insertRow } from '../support/legacy-rows';
import { startStack } from '../support/stack';

/**
 * LEGACY_LOCKOUT as `serve` wires it (config.ts, main.ts). Goes to test/integration/ once the lines
 * of /tmp/ctx/lockout-config.patch and lockout-main.patch are in.
 */
describe('LEGACY_LOCKOUT wiring (loadConfig, startService)', () => {
  it('loadConfig: off by default; on with the site’s limits; a bad value is a ConfigError naming its key', () => {
    assert.equal(loadConfig({ HTTP_ADDR: 'off' }).legacyLockout, null);
    assert.deepEqual(
      loadConfig({
        HTTP_ADDR: 'off',
        LEGACY_LOCKOUT: 'on',
        LEGACY_LOCKOUT_MAX_ATTEMPTS: '3',
      }).legacyLockout,
      { maxFailedAttempts: 3, lockoutMs: 300_000, attemptWindowMs: 600_000 },
    );
    assert.throws(
      () => loadConfig({ HTTP_ADDR: 'off', LEGACY_LOCKOUT_DURATION: 'soon' }),
      (error: unknown) => error instanceof ConfigError && error.key === 'LEGACY_LOCKOUT_DURATION',
    );
  });

  it('start-up refuses LEGACY_LOCKOUT=on with a profile that keeps no count (default)', async () => {
    await assert.rejects(
      startStack({ env: { LEGACY_LOCKOUT: 'on' } }),
      /LEGACY_LOCKOUT: schema profile default keeps no failed-attempt count/,
    );
  });

  it('aspnet-identity: the limit of wrong passwords locks the user; the right one is then refused', async () => {
    const stack = await startStack({
      env: {
        LEGACY_LOCKOUT: 'on',
        LEGACY_LOCKOUT_MAX_ATTEMPTS: '3',
        SCHEMA_PROFILE: 'aspnet-identity',
      },
    });
    const db = new DatabaseSync(stack.dbPath);
    try {
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
      });
      const rpc = promiseClient(stack.client);
      for (let i = 0; i < 3; i++) await callError(rpc.authenticate({ login: 'ann', password: `guess ${i}` }));
      const refused = await callError(rpc.authenticate({ login: 'ann', password: 'my password' }));
      assert.equal(refused.code, status.UNAUTHENTICATED);
      const row = db.prepare('SELECT AccessFailedCount, LockoutEnd FROM AspNetUsers').get();
      assert.equal(row?.AccessFailedCount, 0);
      assert.ok(row?.LockoutEnd !== null);
    } finally {
      db.close();
      await stack.close();
    }
  });
});
