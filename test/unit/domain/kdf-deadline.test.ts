import assert from 'node:assert/strict';
import type { CallContext } from '../../../src/domain/call-context';
import { IdentityService } from '../../../src/domain/identity-service';
import { createLoginThrottle } from '../../../src/domain/login-throttle';
import { rejectsWith } from '../../contract/repository-contract';
import { FakeHasher } from '../../support/fake-hasher';
import { ManualClock } from '../../support/manual-clock';
import { MemoryRepository } from '../../support/memory-repository';
import { RecordingLogger } from '../../support/recording-logger';

const CTX: CallContext = { deadline: Date.parse('2030-01-01T00:00:00Z') };

function setup() {
  const repository = new MemoryRepository();
  const hasher = new FakeHasher();
  const clock = new ManualClock();
  const service = new IdentityService({
    repository,
    hasher,
    clock,
    logger: new RecordingLogger(),
    migration: { mode: 'legacy', graceMs: 60_000 },
    rehashOnLogin: false,
    // One failed login per identifier per hour: a single charge shows.
    loginThrottle: createLoginThrottle({ count: 1, windowMs: 3_600_000 }, clock),
  });
  return { repository, hasher, service };
}

describe('the caller’s deadline reaches the KDF queue', () => {
  it('authenticate hands its context to verify, and to the dummy verification of an unknown user', async () => {
    const { hasher, service } = setup();
    await service.createUser({ email: 'a@example.com', password: 'pw-right' });
    hasher.contexts.length = 0;
    await service.authenticate({ login: 'a@example.com', password: 'pw-right' }, CTX);
    await rejectsWith(service.authenticate({ login: 'ghost@example.com', password: 'x' }, CTX), 'invalid_credentials');
    assert.deepEqual(hasher.contexts, [CTX, CTX]);
    assert.deepEqual(hasher.calls, { hash: 1, verify: 1, dummy: 1 });
  });

  it('createUser and changePassword hand their context to hash', async () => {
    const { hasher, service } = setup();
    await service.createUser({ email: 'a@example.com', password: 'pw-1' }, CTX);
    await service.changePassword({ email: 'a@example.com', newPassword: 'pw-2' }, CTX);
    assert.deepEqual(hasher.contexts, [CTX, CTX]);
  });

  it('answers deadline_exceeded, not invalid_credentials, when the deadline passes in the queue — and does not charge the login throttle', async () => {
    const { hasher, service } = setup();
    await service.createUser({ email: 'a@example.com', password: 'pw-right' });
    hasher.expired = true;
    // Twice, with a wrong password and for an unknown user: the budget of one failure is never spent.
    await rejectsWith(service.authenticate({ login: 'a@example.com', password: 'wrong' }, CTX), 'deadline_exceeded');
    await rejectsWith(service.authenticate({ login: 'a@example.com', password: 'wrong' }, CTX), 'deadline_exceeded');
    await rejectsWith(service.authenticate({ login: 'ghost@example.com', password: 'x' }, CTX), 'deadline_exceeded');
    hasher.expired = false;
    await rejectsWith(service.authenticate({ login: 'a@example.com', password: 'wrong' }), 'invalid_credentials');
    // The throttle is live: the second wrong password is refused before any work.
    await rejectsWith(service.authenticate({ login: 'a@example.com', password: 'wrong' }), 'resource_exhausted');
  });
});
