import assert from 'node:assert/strict';
import type { CallContext } from '../../../src/domain/call-context';
import type { MigrationMode } from '../../../src/domain/deps';
import { IdentityError } from '../../../src/domain/errors';
import { IdentityService } from '../../../src/domain/identity-service';
import type { LockoutPolicy } from '../../../src/domain/lockout-policy';
import { createLoginThrottle } from '../../../src/domain/login-throttle';
import { rejectsWith } from '../../contract/repository-contract';
import { FakeHasher } from '../../support/fake-hasher';
import { ManualClock } from '../../support/manual-clock';
import { MemoryRepository } from '../../support/memory-repository';
import { RecordingLogger } from '../../support/recording-logger';

const POLICY: LockoutPolicy = { maxFailedAttempts: 5, lockoutMs: 5 * 60_000, attemptWindowMs: 10 * 60_000 };
const PASSWORD = 'pw-right';

function setup(options: { lockout?: LockoutPolicy | null; mode?: MigrationMode; throttle?: boolean } = {}) {
  const clock = new ManualClock();
  const repository = new MemoryRepository({ clock });
  const hasher = new FakeHasher();
  const lockout = options.lockout === undefined ? POLICY : options.lockout;
  const service = new IdentityService({
    repository,
    hasher,
    clock,
    logger: new RecordingLogger(),
    migration: { mode: options.mode ?? 'legacy', graceMs: 60_000 },
    rehashOnLogin: false,
    ...(lockout ? { legacyLockout: lockout } : {}),
    ...(options.throttle ? { loginThrottle: createLoginThrottle({ count: 2, windowMs: 60 * 60_000 }, clock) } : {}),
  });
  return { clock, repository, hasher, service };
}

const login = (service: IdentityService, password: string, who = 'ann@example.com', ctx?: CallContext) =>
  service.authenticate({ login: who, password }, ctx);

describe('Authenticate with LEGACY_LOCKOUT (the legacy schema’s failed-attempt bookkeeping)', () => {
  it('off (the default): records nothing, whatever the answer', async () => {
    const { service, repository } = setup({ lockout: null });
    await service.createUser({ email: 'ann@example.com', password: PASSWORD });
    for (let i = 0; i < 8; i++) await rejectsWith(login(service, 'wrong'), 'invalid_credentials');
    await rejectsWith(login(service, 'x', 'ghost@example.com'), 'invalid_credentials');
    await login(service, PASSWORD);
    assert.deepEqual(repository.signInCalls, []);
  });

  it('records one failure for a wrong password, one success for a right one, by user id', async () => {
    const { service, repository } = setup();
    const ann = await service.createUser({ email: 'ann@example.com', password: PASSWORD });
    await rejectsWith(login(service, 'wrong'), 'invalid_credentials');
    assert.deepEqual(repository.signInState(ann.userId), { accessFailedCount: 1, lockoutEnd: null });
    await login(service, PASSWORD);
    assert.deepEqual(repository.signInCalls, [
      { userId: ann.userId, outcome: 'failure' },
      { userId: ann.userId, outcome: 'success' },
    ]);
    assert.deepEqual(repository.signInState(ann.userId), { accessFailedCount: 0, lockoutEnd: null });
  });

  it('an unknown login makes the same call with no user, which records nothing', async () => {
    const { service, repository } = setup();
    await rejectsWith(login(service, 'x', 'ghost@example.com'), 'invalid_credentials');
    assert.deepEqual(repository.signInCalls, [{ userId: null, outcome: 'failure' }]);
  });

  it('the limit-th wrong password locks: the next right password is refused exactly like a wrong one', async () => {
    const { service, repository, clock } = setup();
    const ann = await service.createUser({ email: 'ann@example.com', password: PASSWORD });
    const unknown = await rejectsWith(login(service, 'x', 'ghost@example.com'), 'invalid_credentials');
    for (let i = 0; i < POLICY.maxFailedAttempts; i++) {
      await rejectsWith(login(service, `wrong-${i}`), 'invalid_credentials');
    }
    assert.deepEqual(repository.signInState(ann.userId), {
      accessFailedCount: 0,
      lockoutEnd: new Date(clock.now().getTime() + POLICY.lockoutMs),
    });
    const refused = await rejectsWith(login(service, PASSWORD), 'invalid_credentials');
    assert.equal(refused.message, unknown.message);
    // While locked, the right password is recorded as the failure it was answered as, and changes nothing.
    assert.deepEqual(repository.signInCalls.at(-1), { userId: ann.userId, outcome: 'failure' });
    assert.equal(repository.signInState(ann.userId).accessFailedCount, 0);

    clock.advance(POLICY.lockoutMs + 1);
    assert.equal((await login(service, PASSWORD)).userId, ann.userId);
  });

  it('a user the schema refuses (not approved, locked by the legacy site) is recorded as a failure, right password or not', async () => {
    const { service, repository } = setup();
    const ann = await service.createUser({ email: 'ann@example.com', password: PASSWORD });
    repository.setCanLogin(ann.userId, false);
    await rejectsWith(login(service, PASSWORD), 'invalid_credentials');
    await rejectsWith(login(service, 'wrong'), 'invalid_credentials');
    assert.deepEqual(repository.signInCalls, [
      { userId: ann.userId, outcome: 'failure' },
      { userId: ann.userId, outcome: 'failure' },
    ]);
    assert.equal(repository.signInState(ann.userId).accessFailedCount, 0, 'the store leaves such a row alone');
  });

  it('records nothing for a throttled login, an overloaded KDF or a deadline passed in the KDF queue', async () => {
    const { service, repository, hasher } = setup({ throttle: true });
    await service.createUser({ email: 'ann@example.com', password: PASSWORD });
    hasher.overloaded = true;
    await rejectsWith(login(service, 'wrong'), 'resource_exhausted');
    await rejectsWith(login(service, 'x', 'ghost@example.com'), 'resource_exhausted');
    hasher.overloaded = false;
    hasher.expired = true;
    await rejectsWith(login(service, 'wrong'), 'deadline_exceeded');
    hasher.expired = false;
    assert.deepEqual(repository.signInCalls, []);

    await rejectsWith(login(service, 'wrong'), 'invalid_credentials');
    await rejectsWith(login(service, 'wrong'), 'invalid_credentials');
    const before = repository.signInCalls.length;
    const throttled = await rejectsWith(login(service, PASSWORD), 'resource_exhausted');
    assert.ok(throttled.retryAfterMs !== undefined);
    assert.equal(repository.signInCalls.length, before, 'the throttle answers before any bookkeeping');
  });

  describe('when the record cannot be written (outage rule)', () => {
    for (const [label, password, who] of [
      ['a wrong password', 'wrong', 'ann@example.com'],
      ['a right password', PASSWORD, 'ann@example.com'],
      ['an unknown login', 'x', 'ghost@example.com'],
    ] as const) {
      it(`answers ${label} with unavailable, never invalid_credentials nor a sign-in, and does not charge the throttle`, async () => {
        const { service, repository } = setup({ throttle: true });
        await service.createUser({ email: 'ann@example.com', password: PASSWORD });
        repository.failWrites = true;
        for (let i = 0; i < 3; i++) {
          const error = await rejectsWith(login(service, password, who), 'unavailable');
          assert.ok(error.cause instanceof IdentityError && error.cause.code === 'unavailable');
        }
        repository.failWrites = false;
        // Three outages charged nothing to a budget of two failures.
        await rejectsWith(login(service, 'wrong'), 'invalid_credentials');
        await rejectsWith(login(service, 'wrong'), 'invalid_credentials');
        assert.equal(repository.signInCalls.filter((c) => c.userId !== null).length, 2);
      });
    }

    it('passes deadline_exceeded on as it is', async () => {
      const { service, repository } = setup();
      await service.createUser({ email: 'ann@example.com', password: PASSWORD });
      repository.recordSignIn = async () => {
        throw new IdentityError('deadline_exceeded', 'the store did not answer before the deadline');
      };
      await rejectsWith(login(service, 'wrong'), 'deadline_exceeded');
      await rejectsWith(login(service, PASSWORD), 'deadline_exceeded');
    });
  });

  describe('import mode', () => {
    it('records the sign-in before the migration mark; a user migrated past the grace window looks unknown', async () => {
      const { service, repository, clock } = setup({ mode: 'import' });
      const ann = await service.createUser({ email: 'ann@example.com', password: PASSWORD });
      await login(service, PASSWORD);
      assert.deepEqual(repository.signInCalls, [{ userId: ann.userId, outcome: 'success' }]);
      assert.ok(await repository.getMigrationMark(ann.userId));
      clock.advance(61_000);
      await rejectsWith(login(service, PASSWORD), 'invalid_credentials');
      assert.deepEqual(repository.signInCalls.at(-1), { userId: null, outcome: 'failure' });
    });

    it('writes no mark when the sign-in could not be recorded', async () => {
      const { service, repository } = setup({ mode: 'import' });
      const ann = await service.createUser({ email: 'ann@example.com', password: PASSWORD });
      const record = repository.recordSignIn.bind(repository);
      repository.recordSignIn = async (...args) => {
        await record(...args);
        throw new IdentityError('unavailable', 'the user store is unavailable');
      };
      await rejectsWith(login(service, PASSWORD), 'unavailable');
      assert.equal(await repository.getMigrationMark(ann.userId), null);
    });
  });
});
