import assert from 'node:assert/strict';
import type { MigrationMode } from '../../../src/domain/deps';
import { IdentityService } from '../../../src/domain/identity-service';
import { rejectsWith } from '../../contract/repository-contract';
import { FakeHasher } from '../../support/fake-hasher';
import { ManualClock } from '../../support/manual-clock';
import { MemoryRepository } from '../../support/memory-repository';
import { RecordingLogger } from '../../support/recording-logger';

const GRACE = 5 * 60_000;

function setup(options: { mode?: MigrationMode; rehash?: boolean } = {}) {
  const repository = new MemoryRepository();
  const hasher = new FakeHasher();
  const clock = new ManualClock();
  const logger = new RecordingLogger();
  const service = new IdentityService({
    repository,
    hasher,
    clock,
    logger,
    migration: { mode: options.mode ?? 'legacy', graceMs: GRACE },
    rehashOnLogin: options.rehash ?? false,
  });
  return { repository, hasher, clock, logger, service };
}

describe('IdentityService', () => {
  describe('authenticate', () => {
    it('returns the public user for the right password, without the hash', async () => {
      const { service } = setup();
      const created = await service.createUser({ email: 'a@example.com', password: 'pw-right', username: 'a' });
      const user = await service.authenticate({ login: 'A@EXAMPLE.COM', password: 'pw-right' });
      assert.equal(user.userId, created.userId);
      assert.ok(!('password' in user));
      assert.ok(!('canLogin' in user));
    });

    it('pays one dummy verification for an unknown user and answers invalid_credentials', async () => {
      const { service, hasher } = setup();
      const error = await rejectsWith(
        service.authenticate({ login: 'ghost@example.com', password: 'x' }),
        'invalid_credentials',
      );
      assert.equal(hasher.calls.dummy, 1);
      assert.equal(hasher.calls.verify, 0);
      await service.createUser({ email: 'a@example.com', password: 'pw-right' });
      const wrong = await rejectsWith(
        service.authenticate({ login: 'a@example.com', password: 'nope' }),
        'invalid_credentials',
      );
      assert.equal(wrong.message, error.message);
    });

    it('refuses a user the schema says may not log in, with the same answer as a wrong password', async () => {
      const { service, repository } = setup();
      const created = await service.createUser({ email: 'locked@example.com', password: 'pw-right' });
      repository.setCanLogin(created.userId, false);
      await rejectsWith(
        service.authenticate({ login: 'locked@example.com', password: 'pw-right' }),
        'invalid_credentials',
      );
    });

    it('surfaces a store outage as unavailable, never invalid_credentials', async () => {
      const { service, repository } = setup();
      await service.createUser({ email: 'a@example.com', password: 'pw-right' });
      repository.outage = true;
      await rejectsWith(service.authenticate({ login: 'a@example.com', password: 'pw-right' }), 'unavailable');
      await rejectsWith(service.authenticate({ login: 'ghost@example.com', password: 'x' }), 'unavailable');
    });

    it('surfaces an overloaded KDF as resource_exhausted, never invalid_credentials', async () => {
      const { service, hasher } = setup();
      await service.createUser({ email: 'a@example.com', password: 'pw-right' });
      hasher.overloaded = true;
      await rejectsWith(service.authenticate({ login: 'a@example.com', password: 'pw-right' }), 'resource_exhausted');
    });
  });

  describe('rehash on login', () => {
    it('upgrades a weak hash with a compare-and-set after answering, when enabled', async () => {
      const { service, repository } = setup({ rehash: true });
      const created = await service.createUser({ email: 'a@example.com', password: 'pw' });
      await repository.updatePassword(created.userId, { hash: 'weak:pw' });
      await service.authenticate({ login: 'a@example.com', password: 'pw' });
      await service.settle();
      assert.equal((await repository.findById(created.userId))?.password.hash, 'fake:pw');
      await service.authenticate({ login: 'a@example.com', password: 'pw' });
    });

    it('leaves the hash alone when disabled', async () => {
      const { service, repository } = setup({ rehash: false });
      const created = await service.createUser({ email: 'a@example.com', password: 'pw' });
      await repository.updatePassword(created.userId, { hash: 'weak:pw' });
      await service.authenticate({ login: 'a@example.com', password: 'pw' });
      await service.settle();
      assert.equal((await repository.findById(created.userId))?.password.hash, 'weak:pw');
    });

    it('does not overwrite a hash changed meanwhile (compare-and-set loses)', async () => {
      const { service, repository } = setup({ rehash: true });
      const created = await service.createUser({ email: 'a@example.com', password: 'pw' });
      await repository.updatePassword(created.userId, { hash: 'weak:pw' });
      const login = service.authenticate({ login: 'a@example.com', password: 'pw' });
      await login;
      await repository.updatePassword(created.userId, { hash: 'fake:changed-by-admin' });
      await service.settle();
      const hash = (await repository.findById(created.userId))?.password.hash;
      assert.ok(hash === 'fake:changed-by-admin' || hash === 'fake:pw');
    });

    it('logs a failed upgrade and still lets the login succeed', async () => {
      const { service, repository, logger } = setup({ rehash: true });
      const created = await service.createUser({ email: 'a@example.com', password: 'pw' });
      await repository.updatePassword(created.userId, { hash: 'weak:pw' });
      repository.failWrites = true;
      await service.authenticate({ login: 'a@example.com', password: 'pw' });
      await service.settle();
      assert.ok(
        logger.lines.some((l) => l.level === 'warn' && (l.obj as { event?: string }).event === 'rehash_failed'),
      );
      assert.ok(!JSON.stringify(logger.lines).includes('"pw"'));
    });
  });

  describe('import mode (automatic migration)', () => {
    it('marks on a successful login and on a found user, and lets the user back in within the grace window', async () => {
      const { service, repository, clock } = setup({ mode: 'import' });
      const created = await service.createUser({ email: 'm@example.com', password: 'pw' });
      await service.authenticate({ login: 'm@example.com', password: 'pw' });
      const mark = await repository.getMigrationMark(created.userId);
      assert.equal(mark?.via, 'authenticate');
      clock.advance(GRACE - 1);
      await service.authenticate({ login: 'm@example.com', password: 'pw' });
      await service.getUser({ email: 'm@example.com', login: '' });
      assert.deepEqual(await repository.getMigrationMark(created.userId), mark);
    });

    it('treats a user marked longer ago than the grace window as absent', async () => {
      const { service, clock } = setup({ mode: 'import' });
      await service.createUser({ email: 'm@example.com', password: 'pw' });
      await service.getUser({ email: 'm@example.com', login: '' });
      clock.advance(GRACE + 1);
      await rejectsWith(service.authenticate({ login: 'm@example.com', password: 'pw' }), 'invalid_credentials');
      await rejectsWith(service.getUser({ email: 'm@example.com', login: '' }), 'not_found');
    });

    it('fails with unavailable, and answers nothing, when the mark cannot be written', async () => {
      const { service, repository } = setup({ mode: 'import' });
      const created = await service.createUser({ email: 'm@example.com', password: 'pw' });
      repository.failWrites = true;
      await rejectsWith(service.authenticate({ login: 'm@example.com', password: 'pw' }), 'unavailable');
      await rejectsWith(service.getUser({ email: 'm@example.com', login: '' }), 'unavailable');
      repository.failWrites = false;
      assert.equal(await repository.getMigrationMark(created.userId), null);
    });

    it('refuses changes to a migrated user with failed_precondition', async () => {
      const { service } = setup({ mode: 'import' });
      const created = await service.createUser({ email: 'm@example.com', password: 'pw' });
      await service.authenticate({ login: 'm@example.com', password: 'pw' });
      await rejectsWith(service.changePassword({ email: 'm@example.com', newPassword: 'pw2' }), 'failed_precondition');
      await rejectsWith(service.verifyEmail({ email: 'm@example.com' }), 'failed_precondition');
      await rejectsWith(
        service.changeEmail({ email: 'm@example.com', newEmail: 'n@example.com', verified: true }),
        'failed_precondition',
      );
      await rejectsWith(service.deleteUser({ userId: created.userId }), 'failed_precondition');
    });

    it('never marks anyone in legacy mode', async () => {
      const { service, repository } = setup({ mode: 'legacy' });
      const created = await service.createUser({ email: 'l@example.com', password: 'pw' });
      await service.authenticate({ login: 'l@example.com', password: 'pw' });
      await service.getUser({ email: 'l@example.com', login: '' });
      assert.equal(await repository.getMigrationMark(created.userId), null);
    });
  });

  describe("legacy addresses that today's rules would refuse", () => {
    for (const email of ['ops@intranet', "o'brien@[10.0.0.1]"]) {
      it(`lets ${email} log in, be found, verify, change password and change email`, async () => {
        const { service, repository } = setup();
        repository.putLegacyUser({
          userId: `legacy-${email}`,
          email,
          emailVerified: false,
          password: { hash: 'fake:pw' },
          canLogin: true,
        });
        await service.authenticate({ login: email, password: 'pw' });
        assert.equal((await service.getUser({ email, login: '' })).email, email);
        await service.verifyEmail({ email });
        await service.changePassword({ email, newPassword: 'pw2' });
        await service.authenticate({ login: email, password: 'pw2' });
        await service.changeEmail({ email, newEmail: 'ops@example.com', verified: true });
        assert.equal((await service.getUser({ email: 'ops@example.com', login: '' })).userId, `legacy-${email}`);
      });
    }

    it('still refuses such an address as a new email', async () => {
      const { service } = setup();
      await rejectsWith(service.createUser({ email: 'ops@intranet', password: 'pw' }), 'invalid_argument');
    });
  });

  describe('createUser', () => {
    it('refuses a duplicate email before doing any KDF work', async () => {
      const { service, hasher } = setup();
      await service.createUser({ email: 'a@example.com', password: 'pw' });
      const before = hasher.calls.hash;
      await rejectsWith(service.createUser({ email: 'A@example.com', password: 'pw' }), 'already_exists');
      assert.equal(hasher.calls.hash, before);
    });

    it('reports every invalid field at once', async () => {
      const { service } = setup();
      const error = await rejectsWith(
        service.createUser({
          email: 'bad',
          password: '',
          username: 'has space',
          appMetadata: { x: 'y'.repeat(20_000) },
        }),
        'invalid_argument',
      );
      assert.deepEqual(
        error.violations.map((v) => v.field),
        ['email', 'password', 'username', 'app_metadata'],
      );
    });
  });
});
