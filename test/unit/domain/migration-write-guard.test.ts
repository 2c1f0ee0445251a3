import assert from 'node:assert/strict';
import type { MigrationMode } from '../../../src/domain/deps';
import { IdentityService } from '../../../src/domain/identity-service';
import { rejectsWith } from '../../contract/repository-contract';
import { CheckThenWriteSeam } from '../../support/check-then-write-seam';
import { FakeHasher } from '../../support/fake-hasher';
import { ManualClock } from '../../support/manual-clock';
import { MemoryRepository } from '../../support/memory-repository';
import { RecordingLogger } from '../../support/recording-logger';

function setup(mode: MigrationMode, options: { rehash?: boolean } = {}) {
  const seam = new CheckThenWriteSeam(new MemoryRepository());
  const repository = seam.store;
  const clock = new ManualClock();
  const service = new IdentityService({
    repository: seam.repository,
    hasher: new FakeHasher(),
    clock,
    logger: new RecordingLogger(),
    migration: { mode, graceMs: 5 * 60_000 },
    rehashOnLogin: options.rehash ?? false,
  });
  return { seam, repository, clock, service };
}

describe('Changes and the migration mark: the check and the write are one', () => {
  it('import mode: a login marking the user after the check refuses the change and changes nothing', async () => {
    const { seam, repository, clock, service } = setup('import');
    const user = await service.createUser({ email: 'r@example.com', password: 'pw' });
    const before = await repository.findById(user.userId);
    seam.beforeNextCheckAnswers(async () => {
      await service.authenticate({ login: 'r@example.com', password: 'pw' });
    });
    await rejectsWith(
      service.changePassword({ email: 'r@example.com', newPassword: 'another pw' }),
      'failed_precondition',
    );
    assert.equal(seam.ran, 1, 'the login ran between the check and the write');
    assert.deepEqual(await repository.findById(user.userId), before);
    assert.deepEqual(await repository.getMigrationMark(user.userId), {
      userId: user.userId,
      migratedAt: clock.now(),
      via: 'authenticate',
    });
  });

  it('legacy mode: marks are not consulted, so a marked user can still be changed', async () => {
    const { repository, service } = setup('legacy');
    const user = await service.createUser({ email: 'l@example.com', password: 'pw' });
    await repository.markMigrated(user.userId, new Date('2026-01-01T00:00:00Z'), 'export');
    await service.changePassword({ email: 'l@example.com', newPassword: 'another pw' });
    await service.verifyEmail({ email: 'l@example.com' });
    await service.changeEmail({ email: 'l@example.com', newEmail: 'm@example.com', verified: false });
    const changed = await repository.findById(user.userId);
    assert.equal(changed?.password.hash, 'fake:another pw');
    assert.equal(changed?.email, 'm@example.com');
    await service.deleteUser({ userId: user.userId });
    assert.equal(await repository.findById(user.userId), null);
  });

  it('import mode: the rehash after a login is not held back by the mark that login wrote', async () => {
    const { repository, service } = setup('import', { rehash: true });
    const user = await service.createUser({ email: 'w@example.com', password: 'pw' });
    await repository.updatePassword(user.userId, { hash: 'weak:pw' });
    await service.authenticate({ login: 'w@example.com', password: 'pw' });
    await service.settle();
    assert.equal((await repository.getMigrationMark(user.userId))?.via, 'authenticate');
    assert.equal((await repository.findById(user.userId))?.password.hash, 'fake:pw');
  });
});
