import assert from 'node:assert/strict';
import { describeRepositoryContract, rejectsWith } from '../contract/repository-contract';
import { MemoryRepository } from '../support/memory-repository';

describeRepositoryContract(
  'in-memory fake',
  async () => {
    const repository = new MemoryRepository();
    return { repository, close: () => repository.close() };
  },
  { lockout: { kind: 'timed', window: false } },
);

describe('MemoryRepository switches', () => {
  it('outage: every call raises unavailable, and lookups recover when it is cleared', async () => {
    const repository = new MemoryRepository();
    const user = await repository.insert({ email: 'a@example.com', password: { hash: 'h' }, emailVerified: false });
    repository.outage = true;
    await rejectsWith(repository.findByEmail('a@example.com'), 'unavailable');
    await rejectsWith(repository.ping(), 'unavailable');
    await rejectsWith(repository.markMigrated(user.userId, new Date(), 'authenticate'), 'unavailable');
    repository.outage = false;
    assert.equal((await repository.findByEmail('a@example.com'))?.userId, user.userId);
  });

  it('failWrites: reads answer, writes raise unavailable and change nothing', async () => {
    const repository = new MemoryRepository();
    const user = await repository.insert({ email: 'a@example.com', password: { hash: 'h' }, emailVerified: false });
    repository.failWrites = true;
    assert.ok(await repository.findById(user.userId));
    await rejectsWith(repository.updatePassword(user.userId, { hash: 'h2' }), 'unavailable');
    await rejectsWith(repository.markMigrated(user.userId, new Date(), 'authenticate'), 'unavailable');
    repository.failWrites = false;
    assert.equal((await repository.findById(user.userId))?.password.hash, 'h');
    assert.equal(await repository.getMigrationMark(user.userId), null);
  });

  it('setCanLogin and putLegacyUser shape what lookups return', async () => {
    const repository = new MemoryRepository();
    repository.putLegacyUser({
      userId: '42',
      email: 'legacy@example.com',
      emailVerified: true,
      name: 'Legacy User',
      password: { hash: 'AQAAAAEAACcQ', format: 'aspnet-identity-v3' },
      canLogin: true,
    });
    repository.setCanLogin('42', false);
    const found = await repository.findByEmail('LEGACY@example.com');
    assert.equal(found?.name, 'Legacy User');
    assert.equal(found?.canLogin, false);
    assert.equal(await repository.countUsers(), 1);
  });

  it('returns copies: changing a result does not change the store', async () => {
    const repository = new MemoryRepository();
    const user = await repository.insert({
      email: 'a@example.com',
      password: { hash: 'h' },
      emailVerified: false,
      userMetadata: { plan: 'gold' },
    });
    (user.userMetadata as { plan: string }).plan = 'tampered';
    assert.deepEqual((await repository.findById(user.userId))?.userMetadata, { plan: 'gold' });
  });
});
