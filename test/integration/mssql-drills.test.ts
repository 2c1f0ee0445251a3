import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { initStore } from '../../src/commands/db-init';
import { loadConfig } from '../../src/config';
import { callError, type PromiseClient, promiseClient } from '../support/grpc-call';
import { type Stack, startStack, TEST_BRIDGE_TOKEN } from '../support/stack';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';

/**
 * Outage drills for the mssql store, end to end: the real service (gRPC + bridge) on the mssql
 * adapter, talking TDS to the test server, which is stopped, slowed down or refuses logins.
 */

const DB_PASSWORD = 'Drill-Db-S3cret';
const USER_PASSWORD = 'correct horse battery staple';

async function mssqlStack(server: TdsServer, env: Record<string, string> = {}): Promise<Stack> {
  const STORE_URL = server.storeUrl({ password: DB_PASSWORD });
  // stack.ts initialises SQLite stores only; the mssql store gets `db init --create-legacy-schema` here.
  const config = loadConfig({ STORE_URL, HTTP_ADDR: 'off' });
  await initStore(config.store, { profile: 'default', createLegacySchema: true });
  return startStack({ env: { STORE_URL, MSSQL_CONNECT_TIMEOUT: '1s', ...env }, bridge: true });
}

function bridgePost(stack: Stack, path: string, body: object): Promise<Response> {
  return fetch(`${stack.bridgeUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const count = (server: TdsServer, sql: string) =>
  Number((server.engine.database.prepare(sql).get() as { n: number }).n);

describe('mssql drills (service over gRPC and the bridge, TDS test server)', function () {
  this.timeout(30_000);
  let server: TdsServer;
  let stack: Stack;
  let rpc: PromiseClient;

  afterEach(async () => {
    await stack?.close();
    await server?.close();
  });

  it('server stopped mid-run: UNAVAILABLE / 503, never a wrong password; nothing written or marked; back up: recovers without a restart', async () => {
    server = await startTdsServer();
    stack = await mssqlStack(server, { MIGRATION_MODE: 'import' });
    rpc = promiseClient(stack.client);
    await rpc.createUser({ email: 'carol@example.com', password: USER_PASSWORD });

    // A call in flight when the server goes away.
    server.delay(400, /\[Users\]/);
    const inFlight = callError(rpc.authenticate({ login: 'carol@example.com', password: USER_PASSWORD }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.stop();
    server.delay(0);
    assert.equal((await inFlight).code, status.UNAVAILABLE);

    // Calls while it is down.
    assert.equal(
      (await callError(rpc.authenticate({ login: 'carol@example.com', password: USER_PASSWORD }))).code,
      status.UNAVAILABLE,
    );
    assert.equal(
      (await callError(rpc.authenticate({ login: 'carol@example.com', password: 'wrong' }))).code,
      status.UNAVAILABLE,
    );
    assert.equal((await callError(rpc.getUser({ email: 'carol@example.com', login: '' }))).code, status.UNAVAILABLE);
    assert.equal(
      (await callError(rpc.createUser({ email: 'dave@example.com', password: USER_PASSWORD }))).code,
      status.UNAVAILABLE,
    );
    const login = await bridgePost(stack, '/v1/login', {
      username_or_email: 'carol@example.com',
      password: USER_PASSWORD,
    });
    assert.equal(login.status, 503);
    assert.equal(((await login.json()) as { error: string }).error, 'unavailable');
    // Readiness follows the store (health probes it every 2 s; probed here at once).
    assert.equal(await stack.running.grpc.health.probe(), false);
    assert.equal((await fetch(`${stack.bridgeUrl}/readyz`)).status, 503);

    await server.start();
    // Nothing was written or marked while it was down (checked in the database itself).
    assert.equal(count(server, 'SELECT COUNT(*) AS n FROM "IdentityAdapterMigrations"'), 0);
    assert.equal(count(server, `SELECT COUNT(*) AS n FROM "Users" WHERE "Email" = 'dave@example.com'`), 0);

    // The same service, the same pool: it heals by itself.
    assert.equal(await stack.running.grpc.health.probe(), true);
    assert.equal((await fetch(`${stack.bridgeUrl}/readyz`)).status, 200);
    const user = await rpc.authenticate({ login: 'carol@example.com', password: USER_PASSWORD });
    assert.equal(user.user?.email, 'carol@example.com');
    assert.equal(count(server, 'SELECT COUNT(*) AS n FROM "IdentityAdapterMigrations"'), 1);
    assert.ok(!stack.logs.text.includes(DB_PASSWORD), 'the database password never reaches a log line');
  });

  it('a query slower than the deadline: DEADLINE_EXCEEDED / 504, and the pooled connection is not leaked', async () => {
    server = await startTdsServer();
    stack = await mssqlStack(server, { MSSQL_POOL_MAX: '1', BRIDGE_TIMEOUT: '1s' });
    rpc = promiseClient(stack.client);
    await rpc.createUser({ email: 'erin@example.com', password: USER_PASSWORD });
    const logins = server.stats.logins;

    server.delay(3_000, /\[Users\]/);
    const slow = await callError(rpc.getUser({ email: 'erin@example.com', login: '' }, { deadlineMs: 300 }));
    assert.equal(slow.code, status.DEADLINE_EXCEEDED);
    const viaBridge = await bridgePost(stack, '/v1/get-user', { email: 'erin@example.com' });
    assert.equal(viaBridge.status, 504);
    server.delay(0);

    // One connection in the pool, and it still serves: the cancelled request gave it back.
    for (let i = 0; i < 3; i++) {
      assert.equal((await rpc.getUser({ email: 'erin@example.com', login: '' })).email, 'erin@example.com');
    }
    assert.ok(server.stats.attentions >= 1, 'the slow request was cancelled with ATTENTION');
    assert.equal(server.stats.logins, logins, 'no connection had to be replaced');
  });

  it('a refused login at start-up: `serve` exits 1 with a message naming the server, never the password', async () => {
    server = await startTdsServer();
    server.refuseLogins(true);
    const child = spawn(join('node_modules', '.bin', 'tsx'), ['src/cli.ts', 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        STORE_URL: server.storeUrl({ user: 'app', password: DB_PASSWORD }),
        GRPC_ADDR: '127.0.0.1:0',
        HTTP_ADDR: 'off',
        METRICS_ADDR: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1, output);
    assert.match(
      output,
      /SQL Server refused the login to 127\.0\.0\.1:\d+\/legacy as app: check the user and password in STORE_URL/,
    );
    assert.ok(!output.includes(DB_PASSWORD), 'the password is never printed');
    stack = undefined as unknown as Stack;
  });
});
