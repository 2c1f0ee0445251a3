import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { type ServiceError, status } from '@grpc/grpc-js';
import { migrationUnmarkCommand } from '../../src/commands/migration-unmark';
import { purgeCommand } from '../../src/commands/purge';
import { commandCapture } from '../support/command-capture';
import { callError, type PromiseClient, promiseClient } from '../support/grpc-call';
import { ManualClock } from '../support/manual-clock';
import { MemoryRepository } from '../support/memory-repository';
import { loadPasswordVectors } from '../support/password-vectors';
import { type Stack, startStack, TEST_BRIDGE_TOKEN } from '../support/stack';

const PASSWORD = 'correct horse battery staple';
const GRACE_MS = 5 * 60_000;

interface Mark {
  readonly UserId: string;
  readonly MigratedAt: string;
  readonly Via: string;
}

function marks(stack: Stack): Mark[] {
  const db = new DatabaseSync(stack.dbPath, { readOnly: true });
  try {
    return db
      .prepare('SELECT UserId, MigratedAt, Via FROM IdentityAdapterMigrations ORDER BY UserId')
      .all()
      .map((row) => ({ UserId: String(row.UserId), MigratedAt: String(row.MigratedAt), Via: String(row.Via) }));
  } finally {
    db.close();
  }
}

async function bridge(stack: Stack, route: string, body: object): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${stack.bridgeUrl}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** What a caller can observe of a gRPC failure: code, message and the google.rpc details. */
function observable(error: ServiceError) {
  return { code: error.code, details: error.details, rich: error.metadata.get('grpc-status-details-bin') };
}

function commandIO(stack: Stack) {
  return commandCapture({ STORE_URL: `sqlite:${stack.dbPath}`, MIGRATION_GRACE: '5m' });
}

describe('automatic migration end to end (import mode, gRPC and bridge)', () => {
  let stack: Stack;
  let rpc: PromiseClient;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(new Date('2026-06-01T09:00:00.000Z'));
    stack = await startStack({ clock, bridge: true, env: { MIGRATION_MODE: 'import', MIGRATION_GRACE: '5m' } });
    rpc = promiseClient(stack.client);
  });
  afterEach(async () => {
    await stack.close();
  });

  it('logs in once (marked), again within the grace window, and afterwards is refused exactly like a wrong password', async () => {
    const alice = await rpc.createUser({ email: 'alice@example.com', password: PASSWORD, username: 'alice' });
    const firstAt = clock.now().toISOString();
    assert.equal(
      (await rpc.authenticate({ login: 'alice@example.com', password: PASSWORD })).user?.userId,
      alice.userId,
    );
    assert.deepEqual(marks(stack), [{ UserId: alice.userId, MigratedAt: firstAt, Via: 'authenticate' }]);

    // Within the grace window (Auth0 retrying, or its user creation failing once) the user still gets in.
    clock.advance(GRACE_MS - 1);
    assert.equal((await rpc.authenticate({ login: 'alice', password: PASSWORD })).user?.userId, alice.userId);
    const login = await bridge(stack, '/v1/login', { username_or_email: 'alice@example.com', password: PASSWORD });
    assert.equal(login.status, 200);
    assert.equal((await rpc.getUser({ email: 'alice@example.com', login: '' })).userId, alice.userId);
    assert.deepEqual(
      marks(stack),
      [{ UserId: alice.userId, MigratedAt: firstAt, Via: 'authenticate' }],
      'the first mark is kept',
    );

    // After it, Auth0 owns the user: the right password is refused like a wrong one, the user is not found.
    clock.advance(2);
    const migrated = await callError(rpc.authenticate({ login: 'alice@example.com', password: PASSWORD }));
    const wrong = await callError(rpc.authenticate({ login: 'alice@example.com', password: 'not it' }));
    const unknown = await callError(rpc.authenticate({ login: 'nobody@example.com', password: PASSWORD }));
    assert.equal(migrated.code, status.UNAUTHENTICATED);
    assert.deepEqual(observable(migrated), observable(wrong));
    assert.deepEqual(observable(migrated), observable(unknown));

    const gone = await callError(rpc.getUser({ email: 'alice@example.com', login: '' }));
    const never = await callError(rpc.getUser({ email: 'nobody@example.com', login: '' }));
    assert.equal(gone.code, status.NOT_FOUND);
    assert.deepEqual(observable(gone), observable(never));

    const bridgeLogin = await bridge(stack, '/v1/login', {
      username_or_email: 'alice@example.com',
      password: PASSWORD,
    });
    const bridgeWrong = await bridge(stack, '/v1/login', {
      username_or_email: 'alice@example.com',
      password: 'not it',
    });
    assert.deepEqual(bridgeLogin, { status: 401, body: bridgeWrong.body });
    assert.equal((bridgeWrong.body as { error: string }).error, 'invalid_credentials');
    const bridgeGet = await bridge(stack, '/v1/get-user', { email: 'alice@example.com' });
    const bridgeNever = await bridge(stack, '/v1/get-user', { email: 'nobody@example.com' });
    assert.deepEqual(bridgeGet, { status: 404, body: bridgeNever.body });

    // Changes through the other RPCs are Auth0's now.
    const change = await callError(rpc.changePassword({ email: 'alice@example.com', newPassword: 'another one' }));
    assert.equal(change.code, status.FAILED_PRECONDITION);
  });

  it('marks a user found by GetUser; after the grace window even the right password is refused', async () => {
    await rpc.createUser({ email: 'bob@example.com', password: PASSWORD });
    await rpc.getUser({ email: 'bob@example.com', login: '' });
    assert.deepEqual(
      marks(stack).map((m) => m.Via),
      ['get_user'],
    );
    clock.advance(GRACE_MS + 1);
    const refused = await callError(rpc.authenticate({ login: 'bob@example.com', password: PASSWORD }));
    assert.equal(refused.code, status.UNAUTHENTICATED);
  });

  it('migration unmark lets a refused user migrate again; purge then removes them, and they stay absent', async () => {
    const carol = await rpc.createUser({ email: 'carol@example.com', password: PASSWORD });
    await rpc.authenticate({ login: 'carol@example.com', password: PASSWORD });
    clock.advance(GRACE_MS + 1);
    assert.equal(
      (await callError(rpc.authenticate({ login: 'carol@example.com', password: PASSWORD }))).code,
      status.UNAUTHENTICATED,
    );

    const unmark = commandIO(stack);
    assert.equal(await migrationUnmarkCommand(['--user-id', carol.userId], unmark.io, { clock }), 0);
    assert.equal(
      (await rpc.authenticate({ login: 'carol@example.com', password: PASSWORD })).user?.userId,
      carol.userId,
    );
    assert.deepEqual(marks(stack), [
      { UserId: carol.userId, MigratedAt: clock.now().toISOString(), Via: 'authenticate' },
    ]);

    clock.advance(24 * 60 * 60 * 1000);
    const purge = commandIO(stack);
    assert.equal(await purgeCommand(['--migrated-before', '1h'], purge.io, { clock }), 0, purge.err.join('\n'));
    assert.equal(JSON.parse(purge.out.at(-1) ?? '{}').purged, 1);
    assert.deepEqual(marks(stack), []);
    assert.equal((await callError(rpc.getUser({ email: 'carol@example.com', login: '' }))).code, status.NOT_FOUND);
    assert.equal(
      (await callError(rpc.authenticate({ login: 'carol@example.com', password: PASSWORD }))).code,
      status.UNAUTHENTICATED,
    );
  });

  it('concurrent logins of one user all succeed and leave exactly one mark, whose time later logins never move', async () => {
    const dave = await rpc.createUser({ email: 'dave@example.com', password: PASSWORD });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => rpc.authenticate({ login: 'dave@example.com', password: PASSWORD })),
    );
    for (const result of results) assert.equal(result.user?.userId, dave.userId);
    const first = marks(stack);
    assert.deepEqual(first, [{ UserId: dave.userId, MigratedAt: clock.now().toISOString(), Via: 'authenticate' }]);

    clock.advance(60_000);
    await Promise.all([
      rpc.authenticate({ login: 'dave@example.com', password: PASSWORD }),
      rpc.getUser({ email: 'dave@example.com', login: '' }),
      bridge(stack, '/v1/login', { username_or_email: 'dave@example.com', password: PASSWORD }),
    ]);
    assert.deepEqual(marks(stack), first);
  });
});

describe('a mark that cannot be written never lets a login through (import mode)', () => {
  const bcrypt = loadPasswordVectors().login_examples.find((e) => e.format === 'bcrypt');
  let stack: Stack;
  let rpc: PromiseClient;
  let repository: MemoryRepository;

  beforeEach(async () => {
    repository = new MemoryRepository();
    stack = await startStack({ repository, bridge: true, env: { MIGRATION_MODE: 'import' } });
    rpc = promiseClient(stack.client);
  });
  afterEach(async () => {
    await stack.close();
  });

  it('answers UNAVAILABLE / 503 (never a success, never a wrong password) and writes nothing, then recovers', async () => {
    assert.ok(bcrypt);
    const user = await repository.insert({ email: 'erin@example.com', password: bcrypt.stored, emailVerified: true });
    repository.failWrites = true;

    const login = await callError(rpc.authenticate({ login: 'erin@example.com', password: bcrypt.password }));
    assert.equal(login.code, status.UNAVAILABLE);
    const lookup = await callError(rpc.getUser({ email: 'erin@example.com', login: '' }));
    assert.equal(lookup.code, status.UNAVAILABLE);
    const bridgeLogin = await bridge(stack, '/v1/login', {
      username_or_email: 'erin@example.com',
      password: bcrypt.password,
    });
    assert.equal(bridgeLogin.status, 503);
    assert.equal((bridgeLogin.body as { error: string }).error, 'unavailable');
    assert.equal((await bridge(stack, '/v1/get-user', { email: 'erin@example.com' })).status, 503);
    assert.equal(await repository.getMigrationMark(user.userId), null);

    // A wrong password is still a wrong password (the mark is written only for a successful login).
    const wrong = await callError(rpc.authenticate({ login: 'erin@example.com', password: 'nope' }));
    assert.equal(wrong.code, status.UNAUTHENTICATED);

    repository.failWrites = false;
    assert.equal(
      (await rpc.authenticate({ login: 'erin@example.com', password: bcrypt.password })).user?.userId,
      user.userId,
    );
    assert.equal((await repository.getMigrationMark(user.userId))?.via, 'authenticate');
  });
});
