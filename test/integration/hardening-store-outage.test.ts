import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { status } from '@grpc/grpc-js';
import { snapshotDatabase } from '../support/db-snapshot';
import { callError, type PromiseClient, promiseClient } from '../support/grpc-call';
import { type Stack, startStack, TEST_BRIDGE_TOKEN } from '../support/stack';

const PASSWORD = 'outage test password';

/**
 * SQLite outage drill. The embedded store keeps one connection open in WAL mode, so the outage an
 * operator meets is another process holding the write lock (a stuck CLI, a backup tool holding a
 * transaction): writes wait the busy timeout and fail; reads keep working (WAL readers never wait).
 * The SQL Server drills (connection loss, pool recovery) are the mssql adapter's.
 */
describe('store outage (SQLite): 503/UNAVAILABLE within the deadline, never a wrong password, recovery without restart', () => {
  let stack: Stack;
  let rpc: PromiseClient;
  let locker: DatabaseSync | undefined;

  before(async function () {
    this.timeout(30_000);
    // Import mode: a successful login writes the migration mark first, so a login needs the store's write path.
    stack = await startStack({ bridge: true, env: { MIGRATION_MODE: 'import', MIGRATION_GRACE: '1h' } });
    rpc = promiseClient(stack.client);
    await rpc.createUser({ email: 'outage@example.com', password: PASSWORD, username: 'outage' });
    // Never looked up nor logged in, so never marked migrated: changes to it stay allowed in import mode.
    await rpc.createUser({ email: 'writer@example.com', password: PASSWORD });
  });
  after(async () => {
    if (locker?.isOpen) locker.close();
    await stack.close();
  });

  function lockStore(): void {
    locker = new DatabaseSync(stack.dbPath);
    locker.exec('BEGIN EXCLUSIVE');
  }

  function releaseStore(): void {
    locker?.exec('ROLLBACK');
    locker?.close();
  }

  async function post(
    path: string,
    body: unknown,
  ): Promise<{ status: number; error: unknown; retryAfter: string | null }> {
    const response = await fetch(`${stack.bridgeUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    return { status: response.status, error: json.error, retryAfter: response.headers.get('retry-after') };
  }

  it('answers writes with 503 unavailable / UNAVAILABLE while another process holds the lock, changing nothing', async function () {
    this.timeout(60_000);
    const before = snapshotDatabase(stack.dbPath);
    lockStore();
    try {
      // A right password in import mode needs the mark written: an outage, not a wrong password.
      assert.deepEqual(await post('/v1/login', { username_or_email: 'outage@example.com', password: PASSWORD }), {
        status: 503,
        error: 'unavailable',
        retryAfter: null,
      });
      assert.equal((await post('/v1/create', { email: 'new@example.com', password: PASSWORD })).status, 503);
      assert.equal(
        (await post('/v1/change-password', { email: 'writer@example.com', new_password: 'another password' })).status,
        503,
      );
      // A found user is marked in import mode before the answer: an outage, never "not found".
      assert.equal((await post('/v1/get-user', { email: 'outage@example.com' })).status, 503);
      const grpc = await callError(
        rpc.changeEmail(
          { email: 'writer@example.com', newEmail: 'moved@example.com', verified: true },
          { deadlineMs: 7_000 },
        ),
      );
      assert.equal(grpc.code, status.UNAVAILABLE, 'within the deadline: UNAVAILABLE, not DEADLINE_EXCEEDED');
      // A wrong password needs no write: still the ordinary answer (reads keep working in WAL mode).
      assert.equal(
        (await post('/v1/login', { username_or_email: 'outage@example.com', password: 'wrong password' })).status,
        401,
      );
      assert.equal(snapshotDatabase(stack.dbPath), before, 'nothing changed during the outage');
    } finally {
      releaseStore();
    }
  });

  it('recovers as soon as the lock is released, without a restart', async () => {
    const login = await post('/v1/login', { username_or_email: 'outage@example.com', password: PASSWORD });
    assert.equal(login.status, 200);
    assert.equal((await post('/v1/create', { email: 'new@example.com', password: PASSWORD })).status, 201);
    await rpc.changePassword({ email: 'writer@example.com', newPassword: 'another password' });
    await rpc.authenticate({ login: 'writer@example.com', password: 'another password' });
    const ready = await fetch(`${stack.bridgeUrl}/readyz`);
    assert.equal(ready.status, 200);
  });

  it('logs the outage as a fault, without the password', () => {
    const faults = stack.logs.entries().filter((e) => e.outcome === 'unavailable');
    assert.ok(faults.length > 0);
    assert.ok(!stack.logs.text.includes(PASSWORD));
  });
});
