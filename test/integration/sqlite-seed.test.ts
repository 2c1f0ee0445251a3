import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KdfLimiter } from '../../src/passwords/kdf-limiter';
import { createPasswordHasher } from '../../src/passwords/password-hasher';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import { DEMO_USERS, seedDemoUsers } from '../../src/store/seed';
import { initSqliteStore } from '../../src/store/sqlite/init';
import { openSqliteRepository } from '../../src/store/sqlite/open-sqlite-repository';
import type { SqliteRepository } from '../../src/store/sqlite/sqlite-repository';
import { SILENT_LOGGER } from '../support/silent-logger';

describe('seedDemoUsers on SQLite', () => {
  let dir: string;
  let repository: SqliteRepository;
  const hasher = createPasswordHasher({
    cost: { logN: 10, r: 8, p: 1 },
    kdf: new KdfLimiter({ concurrency: 1, queueLimit: 8 }),
    logger: SILENT_LOGGER,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lia-seed-'));
    const path = join(dir, 'legacy.db');
    initSqliteStore(path, { profile: DEFAULT_PROFILE });
    repository = openSqliteRepository(path, { profile: DEFAULT_PROFILE, logger: SILENT_LOGGER });
  });

  afterEach(async () => {
    await repository.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fills an empty store with the published demo users, whose passwords verify', async () => {
    const result = await seedDemoUsers(repository, hasher);
    assert.equal(result.seeded, true);
    assert.equal(await repository.countUsers(), DEMO_USERS.length);
    for (const demo of DEMO_USERS) {
      const user = await repository.findByEmail(demo.email);
      assert.ok(user, demo.email);
      assert.equal(user.username, demo.username);
      assert.equal(user.emailVerified, demo.emailVerified);
      assert.equal((await hasher.verify(demo.password, user.password)).match, true, demo.email);
      assert.equal((await hasher.verify(`${demo.password}x`, user.password)).match, false);
      if (demo.username) assert.equal((await repository.findByUsername(demo.username))?.userId, user.userId);
    }
  });

  it('includes a user with a username, one without, and an unverified one', () => {
    assert.ok(DEMO_USERS.some((u) => u.email === 'alice@example.com' && u.username === 'alice'));
    assert.ok(DEMO_USERS.some((u) => u.username === undefined));
    assert.ok(DEMO_USERS.some((u) => !u.emailVerified));
  });

  it('writes nothing into a store that already has users, even a second time', async () => {
    await seedDemoUsers(repository, hasher);
    const again = await seedDemoUsers(repository, hasher);
    assert.equal(again.seeded, false);
    assert.equal(await repository.countUsers(), DEMO_USERS.length);
  });

  it('never plants demo accounts next to real ones', async () => {
    await repository.insert({ email: 'real@example.com', password: { hash: 'h' }, emailVerified: true });
    assert.equal((await seedDemoUsers(repository, hasher)).seeded, false);
    assert.equal(await repository.findByEmail('alice@example.com'), null);
  });
});
