import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { credentials, type ServiceError, status } from '@grpc/grpc-js';
import { initStore } from '../../src/commands/db-init';
import { IdentityError } from '../../src/domain/errors';
import type { IdentityRepository } from '../../src/domain/identity-repository';
import type { StoredUser } from '../../src/domain/user';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import { initSqliteStore } from '../../src/store/sqlite/init';
import { openSqliteRepository } from '../../src/store/sqlite/open-sqlite-repository';
import type { SqliteRepository } from '../../src/store/sqlite/sqlite-repository';
import { SqliteStatementRunner } from '../../src/store/sqlite/sqlite-statement-runner';
import { snapshotDatabase } from '../support/db-snapshot';
import { promiseClient } from '../support/grpc-call';
import { HealthCheckRequest, HealthCheckResponse_ServingStatus, HealthClient } from '../support/health-client';
import { RecordingLogger } from '../support/recording-logger';
import { type Stack, startStack } from '../support/stack';
import { tempDirs } from '../support/temp-dirs';

const profile = DEFAULT_PROFILE;
const PASSWORD = 'lock drill password';

/** Holds SQLite's write lock from a second connection, as a stuck CLI write or a backup tool would. */
function lockDatabase(path: string): { release(): void } {
  const locker = new DatabaseSync(path);
  locker.exec('BEGIN EXCLUSIVE');
  return {
    release() {
      if (locker.isTransaction) locker.exec('ROLLBACK');
      locker.close();
    },
  };
}

/** Resolves on the next turns of the event loop until `done()` holds (or fails after `turns`). */
async function until(done: () => boolean, turns = 2_000): Promise<void> {
  for (let i = 0; i < turns && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(done(), 'condition not reached');
}

/** The outcome of a call: its IdentityError code, or 'ok'. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof IdentityError, `expected an IdentityError, got ${String(error)}`);
    return error.code;
  }
}

describe('store robustness: a SQLite write lock held by another connection', function () {
  this.timeout(30_000);
  const tempDir = tempDirs('lia-lock-');

  describe('SqliteRepository', () => {
    let path: string;
    let repository: SqliteRepository;
    let users: StoredUser[];

    beforeEach(async () => {
      path = join(tempDir(), 'legacy.db');
      initSqliteStore(path, { profile });
      // A short lock wait keeps the test quick; the default (SQLITE_LOCK_WAIT_MAX_MS) behaves the same.
      repository = openSqliteRepository(path, { profile, logger: new RecordingLogger(), busyTimeoutMs: 600 });
      users = [];
      for (let i = 0; i < 6; i++) {
        users.push(
          await repository.insert({ email: `u${i}@example.com`, password: { hash: `h${i}` }, emailVerified: false }),
        );
      }
    });
    afterEach(() => repository.close());

    /** Eight concurrent writes of every kind, one of them with a deadline shorter than the lock wait. */
    function eightWrites(): Promise<unknown>[] {
      const [a, b, c, d, e, f] = users as [StoredUser, StoredUser, StoredUser, StoredUser, StoredUser, StoredUser];
      return [
        repository.markMigrated(a.userId, new Date(), 'authenticate'),
        repository.markMigrated(b.userId, new Date(), 'get_user'),
        repository.updatePassword(c.userId, { hash: 'new' }, { hash: 'h2' }),
        repository.setEmailVerified(d.userId, true),
        repository.changeEmail(e.userId, 'moved@example.com', true),
        repository.insert({ email: 'new@example.com', password: { hash: 'n' }, emailVerified: false }),
        repository.delete(f.userId),
        repository.markMigrated(c.userId, new Date(), 'authenticate', { deadline: Date.now() + 150 }),
      ];
    }

    it('keeps the event loop serving while eight writes wait; they end unavailable or deadline_exceeded, changing nothing', async () => {
      const before = snapshotDatabase(path);
      const lock = lockDatabase(path);
      let ticks = 0;
      const ticker = setInterval(() => {
        ticks += 1;
      }, 5);
      try {
        // Writes waiting out the whole lock wait (all but the last, whose deadline is shorter).
        let longWaitsSettled = 0;
        const writes = eightWrites().map((call, i) =>
          outcome(call).finally(() => {
            if (i < 7) longWaitsSettled += 1;
          }),
        );
        // While the writes wait, the process answers other work: timers fire and a read is served.
        await until(() => ticks >= 3);
        const read = await repository.findByEmail('u0@example.com');
        assert.equal(read?.userId, users[0]?.userId, 'reads keep working (WAL)');
        // A loop blocked for the lock wait could do neither before every waiting write had ended.
        assert.ok(longWaitsSettled < 7, 'the timers fired and the read was answered while writes still waited');

        const outcomes = await Promise.all(writes);
        assert.deepEqual(outcomes, [
          'unavailable',
          'unavailable',
          'unavailable',
          'unavailable',
          'unavailable',
          'unavailable',
          'unavailable',
          'deadline_exceeded',
        ]);
        assert.equal(snapshotDatabase(path), before, 'nothing was written');
      } finally {
        clearInterval(ticker);
        lock.release();
      }
      // Released: the same repository (no restart) does every write.
      const outcomes = await Promise.all(eightWrites().map(outcome));
      assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
      assert.equal((await repository.getMigrationMark(users[0]?.userId ?? ''))?.via, 'authenticate');
    });

    it('writes waiting for the lock go through once it is released, within their wait', async () => {
      const lock = lockDatabase(path);
      // Each write meets the lock on its first attempt, as it is called; then the lock goes away.
      const writes = eightWrites()
        .slice(0, 7)
        .map((call) => outcome(call));
      await new Promise((resolve) => setTimeout(resolve, 20));
      lock.release();
      assert.deepEqual(await Promise.all(writes), ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
      assert.equal(await repository.findById(users[5]?.userId ?? ''), null, 'the delete went through');
    });

    it('a deadline that has passed is deadline_exceeded before any query, lock or not', async () => {
      const lock = lockDatabase(path);
      try {
        assert.equal(
          await outcome(repository.findByEmail('u0@example.com', { deadline: Date.now() - 1 })),
          'deadline_exceeded',
        );
      } finally {
        lock.release();
      }
    });
  });

  describe('SqliteStatementRunner', () => {
    const busy = () => Object.assign(new Error('database is locked'), { code: 'ERR_SQLITE_ERROR', errcode: 5 });

    it('tries a call again after a lock, but never one that already committed a write', async () => {
      const path = join(tempDir(), 'runner.db');
      const db = new DatabaseSync(path);
      db.exec('CREATE TABLE t (n INTEGER)');
      const runner = new SqliteStatementRunner(db, { lockWaitMs: 300 });
      try {
        let readAttempts = 0;
        const read = await runner.call('read', undefined, () => {
          readAttempts += 1;
          if (readAttempts < 3) throw busy();
          return runner.get({ sql: 'SELECT COUNT(*) AS n FROM t', params: {} })?.n;
        });
        assert.equal(read, 0);
        assert.equal(readAttempts, 3, 'met the lock twice, then succeeded');

        let writeAttempts = 0;
        const failure = await runner
          .call('write', undefined, () => {
            writeAttempts += 1;
            runner.run({ sql: 'INSERT INTO t (n) VALUES (1)', params: {} });
            throw busy(); // a lock met after the insert had committed
          })
          .then(
            () => assert.fail('expected a failure'),
            (error: unknown) => error,
          );
        assert.ok(failure instanceof IdentityError);
        assert.equal(failure.code, 'unavailable');
        assert.equal(writeAttempts, 1, 'not repeated: the insert had committed');
        assert.equal(db.prepare('SELECT COUNT(*) AS n FROM t').get()?.n, 1);
      } finally {
        db.close();
      }
    });
  });

  describe('through gRPC (import mode: a right password needs the migration mark written)', () => {
    let stack: Stack;
    let repository: SqliteRepository;
    let entered = 0;

    before(async () => {
      const dir = tempDir();
      const dbPath = join(dir, 'legacy.db');
      await initStore({ kind: 'sqlite', path: dbPath }, { profile: 'default', createLegacySchema: true });
      repository = openSqliteRepository(dbPath, { profile, logger: new RecordingLogger() });
      // The real repository, counting the calls that reached markMigrated (where the lock is met).
      const counting = new Proxy(repository, {
        get(target, property) {
          const value = Reflect.get(target, property, target) as unknown;
          if (typeof value !== 'function') return value;
          if (property === 'markMigrated') {
            return (...args: Parameters<IdentityRepository['markMigrated']>) => {
              entered += 1;
              return target.markMigrated(...args);
            };
          }
          return value.bind(target);
        },
      });
      stack = await startStack({ dir, repository: counting, env: { MIGRATION_MODE: 'import', MIGRATION_GRACE: '1h' } });
      const rpc = promiseClient(stack.client);
      for (let i = 0; i < 8; i++) await rpc.createUser({ email: `g${i}@example.com`, password: PASSWORD });
    });
    after(async () => {
      await stack.close();
      await repository.close();
    });

    it('answers health checks while eight logins wait for the lock; the logins get UNAVAILABLE, then succeed once it is released', async () => {
      const rpc = promiseClient(stack.client);
      const health = new HealthClient(stack.grpcAddress, credentials.createInsecure());
      const lock = lockDatabase(join(stack.dir, 'legacy.db'));
      try {
        let settled = 0;
        const logins = Array.from({ length: 8 }, (_, i) =>
          rpc
            .authenticate({ login: `g${i}@example.com`, password: PASSWORD }, { deadlineMs: 6_000 })
            .then(
              () => 'ok',
              (error: ServiceError) => status[error.code],
            )
            .finally(() => {
              settled += 1;
            }),
        );
        // All eight are at the store's write now; with a blocking wait most would have answered already.
        await until(() => entered >= 8);
        const serving = await new Promise<number>((resolve, reject) =>
          health.check(HealthCheckRequest.create({ service: '' }), (e, r) => (e ? reject(e) : resolve(r.status))),
        );
        assert.equal(serving, HealthCheckResponse_ServingStatus.SERVING);
        assert.equal(settled, 0, 'the health check was answered while all eight logins waited');
        assert.deepEqual(await Promise.all(logins), Array(8).fill('UNAVAILABLE'), 'never a wrong password');
      } finally {
        lock.release();
        health.close();
      }
      const again = await Promise.all(
        Array.from({ length: 8 }, (_, i) => rpc.authenticate({ login: `g${i}@example.com`, password: PASSWORD })),
      );
      assert.equal(again.length, 8, 'every login succeeds after the release, without a restart');
    });
  });
});
