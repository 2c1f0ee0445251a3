import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { readFieldViolations } from '../../src/grpc/status';
import { callError, type PromiseClient, promiseClient } from '../support/grpc-call';
import { HealthCheckRequest, HealthCheckResponse_ServingStatus, HealthClient } from '../support/health-client';
import { listServices } from '../support/reflection-client';
import { type Stack, startStack } from '../support/stack';

const PASSWORD = 'correct horse battery staple';

describe('IdentityStore over gRPC (SQLite store)', () => {
  let stack: Stack;
  let rpc: PromiseClient;

  beforeEach(async () => {
    stack = await startStack();
    rpc = promiseClient(stack.client);
  });
  afterEach(async () => {
    await stack.close();
  });

  async function createAlice() {
    return rpc.createUser({
      email: 'Alice@Example.com',
      password: PASSWORD,
      username: 'alice',
      userMetadata: { plan: 'gold' },
    });
  }

  describe('CreateUser', () => {
    it('returns the new user with a stable id and no password', async () => {
      const user = await createAlice();
      assert.match(user.userId, /^[0-9a-f-]{36}$/);
      assert.equal(user.email, 'Alice@Example.com');
      assert.equal(user.username, 'alice');
      assert.equal(user.emailVerified, false);
      assert.deepEqual(user.userMetadata, { plan: 'gold' });
      assert.ok(!JSON.stringify(user).includes(PASSWORD));
      const again = await rpc.getUser({ email: 'alice@example.com', login: '' });
      assert.equal(again.userId, user.userId);
    });

    it('refuses an email taken in another case with ALREADY_EXISTS', async () => {
      await createAlice();
      const err = await callError(rpc.createUser({ email: 'ALICE@example.COM', password: PASSWORD }));
      assert.equal(err.code, status.ALREADY_EXISTS);
    });

    it('refuses a taken username with ALREADY_EXISTS', async () => {
      await createAlice();
      const err = await callError(
        rpc.createUser({ email: 'other@example.com', password: PASSWORD, username: 'alice' }),
      );
      assert.equal(err.code, status.ALREADY_EXISTS);
    });
  });

  describe('Authenticate', () => {
    it('accepts the right password by email (any case) and by username', async () => {
      const created = await createAlice();
      const byEmail = await rpc.authenticate({ login: 'alice@EXAMPLE.com', password: PASSWORD });
      assert.equal(byEmail.user?.userId, created.userId);
      const byName = await rpc.authenticate({ login: 'alice', password: PASSWORD });
      assert.equal(byName.user?.userId, created.userId);
    });

    it('answers a wrong password and an unknown user identically with UNAUTHENTICATED', async () => {
      await createAlice();
      const wrong = await callError(rpc.authenticate({ login: 'alice@example.com', password: 'not it' }));
      const unknown = await callError(rpc.authenticate({ login: 'nobody@example.com', password: 'not it' }));
      assert.equal(wrong.code, status.UNAUTHENTICATED);
      assert.equal(unknown.code, status.UNAUTHENTICATED);
      assert.equal(wrong.details, unknown.details);
      assert.deepEqual(wrong.metadata.get('grpc-status-details-bin'), unknown.metadata.get('grpc-status-details-bin'));
    });

    it('keeps the password out of every log line', async () => {
      await createAlice();
      await rpc.authenticate({ login: 'alice', password: PASSWORD });
      await callError(rpc.authenticate({ login: 'alice', password: 'wrong-password-xyz' }));
      assert.ok(stack.logs.lines.length > 0);
      assert.ok(!stack.logs.text.includes(PASSWORD));
      assert.ok(!stack.logs.text.includes('wrong-password-xyz'));
    });
  });

  describe('GetUser', () => {
    it('finds by email or by login, and NOT_FOUND otherwise', async () => {
      const created = await createAlice();
      assert.equal((await rpc.getUser({ email: '', login: 'alice' })).userId, created.userId);
      const err = await callError(rpc.getUser({ email: 'nobody@example.com', login: '' }));
      assert.equal(err.code, status.NOT_FOUND);
    });

    it('refuses both email and login at once, and neither', async () => {
      await createAlice();
      assert.equal(
        (await callError(rpc.getUser({ email: 'alice@example.com', login: 'alice' }))).code,
        status.INVALID_ARGUMENT,
      );
      assert.equal((await callError(rpc.getUser({ email: '', login: '' }))).code, status.INVALID_ARGUMENT);
    });
  });

  describe('VerifyEmail', () => {
    it('marks the email verified', async () => {
      await createAlice();
      await rpc.verifyEmail({ email: 'alice@example.com' });
      assert.equal((await rpc.getUser({ email: 'alice@example.com', login: '' })).emailVerified, true);
    });

    it('answers NOT_FOUND for an unknown email', async () => {
      assert.equal((await callError(rpc.verifyEmail({ email: 'nobody@example.com' }))).code, status.NOT_FOUND);
    });
  });

  describe('ChangePassword', () => {
    it('rejects the old password afterwards and accepts the new one', async () => {
      await createAlice();
      await rpc.changePassword({ email: 'alice@example.com', newPassword: 'a brand new secret' });
      assert.equal(
        (await callError(rpc.authenticate({ login: 'alice', password: PASSWORD }))).code,
        status.UNAUTHENTICATED,
      );
      await rpc.authenticate({ login: 'alice', password: 'a brand new secret' });
    });

    it('answers NOT_FOUND for an unknown email and INVALID_ARGUMENT naming new_password for an empty one', async () => {
      await createAlice();
      assert.equal(
        (await callError(rpc.changePassword({ email: 'x@example.com', newPassword: 'whatever1' }))).code,
        status.NOT_FOUND,
      );
      const err = await callError(rpc.changePassword({ email: 'alice@example.com', newPassword: '' }));
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.deepEqual(
        readFieldViolations(err.metadata).map((v) => v.field),
        ['new_password'],
      );
      await rpc.authenticate({ login: 'alice', password: PASSWORD });
    });
  });

  describe('ChangeEmail', () => {
    it('moves the user to the new email', async () => {
      const created = await createAlice();
      await rpc.changeEmail({ email: 'alice@example.com', newEmail: 'alice.new@example.com', verified: true });
      const moved = await rpc.getUser({ email: 'alice.new@example.com', login: '' });
      assert.equal(moved.userId, created.userId);
      assert.equal(moved.emailVerified, true);
      assert.equal((await callError(rpc.getUser({ email: 'alice@example.com', login: '' }))).code, status.NOT_FOUND);
    });

    it('refuses an email taken by another user with ALREADY_EXISTS and changes nothing', async () => {
      await createAlice();
      await rpc.createUser({ email: 'bob@example.com', password: PASSWORD });
      const err = await callError(
        rpc.changeEmail({ email: 'alice@example.com', newEmail: 'BOB@example.com', verified: false }),
      );
      assert.equal(err.code, status.ALREADY_EXISTS);
      assert.equal((await rpc.getUser({ email: 'alice@example.com', login: '' })).username, 'alice');
    });

    it('answers NOT_FOUND for an unknown email', async () => {
      const err = await callError(
        rpc.changeEmail({ email: 'nobody@example.com', newEmail: 'n2@example.com', verified: false }),
      );
      assert.equal(err.code, status.NOT_FOUND);
    });
  });

  describe('DeleteUser', () => {
    it('deletes the user, then answers NOT_FOUND', async () => {
      const created = await createAlice();
      await rpc.deleteUser({ userId: created.userId });
      assert.equal((await callError(rpc.getUser({ email: 'alice@example.com', login: '' }))).code, status.NOT_FOUND);
      assert.equal((await callError(rpc.deleteUser({ userId: created.userId }))).code, status.NOT_FOUND);
    });
  });

  describe('bad input', () => {
    const cases: [string, () => Promise<unknown>, string][] = [
      [
        'an email over 254 characters',
        () => rpc.createUser({ email: `${'a'.repeat(64)}@${'b'.repeat(190)}.com`, password: PASSWORD }),
        'email',
      ],
      ['an email without a domain', () => rpc.createUser({ email: 'alice@', password: PASSWORD }), 'email'],
      ['a NUL in the email', () => rpc.createUser({ email: 'eve\u0000@example.com', password: PASSWORD }), 'email'],
      ['a newline in the login', () => rpc.authenticate({ login: 'alice\nadmin', password: PASSWORD }), 'login'],
      [
        'a password over 1024 bytes',
        () => rpc.createUser({ email: 'eve@example.com', password: 'é'.repeat(513) }),
        'password',
      ],
      ['an empty password', () => rpc.authenticate({ login: 'alice', password: '' }), 'password'],
      [
        'a username with a space',
        () => rpc.createUser({ email: 'eve@example.com', password: PASSWORD, username: 'eve smith' }),
        'username',
      ],
      [
        'a username over 128 characters',
        () => rpc.createUser({ email: 'eve@example.com', password: PASSWORD, username: 'e'.repeat(129) }),
        'username',
      ],
      [
        'user_metadata over 16 KiB',
        () =>
          rpc.createUser({
            email: 'eve@example.com',
            password: PASSWORD,
            userMetadata: { blob: 'x'.repeat(17 * 1024) },
          }),
        'user_metadata',
      ],
      ['a user id with control characters', () => rpc.deleteUser({ userId: 'abc\u0007' }), 'user_id'],
      [
        'SQL metacharacters in an email',
        () => rpc.createUser({ email: "x'; DROP TABLE Users;--", password: PASSWORD }),
        'email',
      ],
    ];
    for (const [what, send, field] of cases) {
      it(`refuses ${what} with INVALID_ARGUMENT naming ${field}, and changes nothing`, async () => {
        const created = await createAlice();
        const err = await callError(send());
        assert.equal(err.code, status.INVALID_ARGUMENT, err.details);
        assert.ok(
          readFieldViolations(err.metadata).some((v) => v.field === field),
          JSON.stringify(readFieldViolations(err.metadata)),
        );
        assert.ok(!err.details.includes(PASSWORD));
        const after = await rpc.getUser({ email: 'alice@example.com', login: '' });
        assert.deepEqual(after, created);
        assert.equal((await callError(rpc.getUser({ email: 'eve@example.com', login: '' }))).code, status.NOT_FOUND);
      });
    }

    it('answers INVALID_ARGUMENT, not INTERNAL, for a request with invalid UTF-8', async () => {
      const raw = new Client(stack.grpcAddress, credentials.createInsecure());
      // AuthenticateRequest{ login (1): bytes 0xC3 0x28 (invalid UTF-8), password (2): "x" }
      const bytes = Buffer.from([0x0a, 0x02, 0xc3, 0x28, 0x12, 0x01, 0x78]);
      const code = await new Promise<number>((resolve) => {
        raw.makeUnaryRequest(
          '/identity.v1.IdentityStore/Authenticate',
          (b: Buffer) => b,
          (b: Buffer) => b,
          bytes,
          new Metadata(),
          {},
          (error) => resolve(error?.code ?? status.OK),
        );
      });
      raw.close();
      assert.equal(code, status.INVALID_ARGUMENT);
    });
  });

  describe('health and reflection', () => {
    it('reports SERVING for "" and identity.v1.IdentityStore', async () => {
      const health = new HealthClient(stack.grpcAddress, credentials.createInsecure());
      for (const service of ['', 'identity.v1.IdentityStore']) {
        const res = await new Promise<number>((resolve, reject) =>
          health.check(HealthCheckRequest.create({ service }), (e, r) => (e ? reject(e) : resolve(r.status))),
        );
        assert.equal(res, HealthCheckResponse_ServingStatus.SERVING);
      }
      health.close();
    });

    it('lists the services through server reflection', async () => {
      const services = await listServices(stack.grpcAddress);
      assert.ok(services.includes('identity.v1.IdentityStore'), services.join(','));
      assert.ok(services.includes('grpc.health.v1.Health'), services.join(','));
    });
  });

  describe('store outage', () => {
    it('answers UNAVAILABLE, never UNAUTHENTICATED, when the store is gone', async () => {
      await createAlice();
      await stack.running.repository.close();
      const err = await callError(rpc.authenticate({ login: 'alice', password: PASSWORD }));
      assert.equal(err.code, status.UNAVAILABLE);
      assert.equal((await callError(rpc.getUser({ email: 'alice@example.com', login: '' }))).code, status.UNAVAILABLE);
    });
  });
});

describe('IdentityStore persistence', () => {
  it('keeps users and their ids across a restart on the same database file', async () => {
    const first = await startStack();
    const created = await promiseClient(first.client).createUser({ email: 'keep@example.com', password: PASSWORD });
    await first.close({ keepDir: true });
    const second = await startStack({ dir: first.dir });
    try {
      const res = await promiseClient(second.client).authenticate({ login: 'keep@example.com', password: PASSWORD });
      assert.equal(res.user?.userId, created.userId);
    } finally {
      await second.close();
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});

describe('KDF overload', () => {
  it('sheds load with RESOURCE_EXHAUSTED instead of queueing without bound, never UNAUTHENTICATED', async () => {
    const stack = await startStack({ env: { KDF_CONCURRENCY: '1', KDF_QUEUE_LIMIT: '1', SCRYPT_LOG_N: '14' } });
    try {
      const rpc = promiseClient(stack.client);
      await rpc.createUser({ email: 'flood@example.com', password: PASSWORD });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => rpc.authenticate({ login: 'flood@example.com', password: PASSWORD })),
      );
      const codes = results.map((r) => (r.status === 'fulfilled' ? status.OK : (r.reason as { code: number }).code));
      assert.ok(codes.includes(status.OK), codes.join(','));
      assert.ok(codes.includes(status.RESOURCE_EXHAUSTED), codes.join(','));
      assert.ok(
        codes.every((c) => c === status.OK || c === status.RESOURCE_EXHAUSTED),
        codes.join(','),
      );
    } finally {
      await stack.close();
    }
  });
});
