import assert from 'node:assert/strict';
import type { StoreConfig } from '../../src/config';
import { IdentityError } from '../../src/domain/errors';
import type { MigrationMark } from '../../src/domain/user';
import { initMssqlStore } from '../../src/store/mssql/init';
import type { MssqlRepository } from '../../src/store/mssql/mssql-repository';
import { openMssqlRepository } from '../../src/store/mssql/open-mssql-repository';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import { RecordingLogger } from '../support/recording-logger';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';

const profile = DEFAULT_PROFILE;

/** The read-back of a mark: the text the adapter sends to learn which mark won. */
const MARK_READ = /AS \[via\] FROM \[IdentityAdapterMigrations\]/;
/** Any request on the marks table. */
const MARKS_TABLE = /\[IdentityAdapterMigrations\]/;

/** How many requests matching `pattern` the server has received since the `from`-th request. */
function count(server: TdsServer, pattern: RegExp, from: number): number {
  return server.received.slice(from).filter((sql) => pattern.test(sql)).length;
}

/** Waits (a few ms at a time) until `count(server, pattern, from)` reaches `n`. */
async function received(server: TdsServer, pattern: RegExp, from: number, n: number): Promise<void> {
  for (let i = 0; i < 1_000 && count(server, pattern, from) < n; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(count(server, pattern, from), n, `requests matching ${pattern}`);
}

/** The marks the server's database holds for a user (read beside the wire, from its SQLite file). */
function storedMarks(server: TdsServer, userId: string): unknown[] {
  return server.engine.database
    .prepare('SELECT "UserId", "Via" FROM "IdentityAdapterMigrations" WHERE "UserId" = ?')
    .all(userId)
    .map((row) => ({ ...row }));
}

/**
 * markMigrated on SQL Server: the outcome a caller sees must match what is stored. The mark's insert
 * and its read-back travel in one batch, so no connection loss can fall between a committed insert and
 * its report; a lost attempt is sent again (the batch is idempotent).
 */
describe('store robustness: the SQL Server migration mark is reported as stored', function () {
  this.timeout(30_000);
  let server: TdsServer;
  let repository: MssqlRepository;
  let userId: string;

  beforeEach(async () => {
    server = await startTdsServer();
    const store: Extract<StoreConfig, { kind: 'mssql' }> = { kind: 'mssql', connectionString: server.storeUrl() };
    await initMssqlStore(store, { profile, createLegacyTables: true, logger: new RecordingLogger() });
    repository = await openMssqlRepository(store, { profile, logger: new RecordingLogger() });
    userId = (await repository.insert({ email: 'mark@example.com', password: { hash: 'h' }, emailVerified: false }))
      .userId;
  });
  afterEach(async () => {
    await repository.close();
    await server.close();
  });

  /** Either the call failed and left no mark, or it succeeded and reported the stored mark. */
  function assertConsistent(outcome: MigrationMark | IdentityError): void {
    const marks = storedMarks(server, userId);
    if (outcome instanceof IdentityError) {
      assert.equal(outcome.code, 'unavailable');
      assert.deepEqual(marks, [], 'the call failed, so no mark may have been left behind unreported');
    } else {
      assert.deepEqual(marks, [{ UserId: userId, Via: 'authenticate' }]);
      assert.equal(outcome.userId, userId);
      assert.equal(outcome.via, 'authenticate');
    }
  }

  const mark = (): Promise<MigrationMark | IdentityError> =>
    repository.markMigrated(userId, new Date(), 'authenticate').catch((error: unknown) => {
      assert.ok(error instanceof IdentityError, String(error));
      return error;
    });

  it('the connection lost where the mark is read back: the outcome reported is the one stored', async () => {
    // Hold the read-back, drop every connection while it is held, then let the server answer again.
    server.delay(60_000, MARK_READ);
    const from = server.received.length;
    const call = mark();
    await received(server, MARK_READ, from, 1);
    server.dropConnections();
    server.delay(0);
    const outcome = await call;
    assertConsistent(outcome);
    // The adapter sends the batch again on a new connection: the mark is stored and reported.
    assert.ok(!(outcome instanceof IdentityError), 'the lost attempt is retried');
  });

  it('the connection lost on the attempt and on its retry: the call fails and no mark is stored', async () => {
    server.delay(60_000, MARK_READ);
    const from = server.received.length;
    const call = mark();
    await received(server, MARK_READ, from, 1);
    server.dropConnections();
    await received(server, MARK_READ, from, 2);
    server.dropConnections();
    server.delay(0);
    const outcome = await call;
    assertConsistent(outcome);
    assert.ok(outcome instanceof IdentityError);
    // Nothing half-done is left: the next call marks the user.
    assertConsistent(await mark());
  });

  it('a mark written earlier wins and is reported, in one request', async () => {
    const first = await repository.markMigrated(userId, new Date('2026-01-01T00:00:00.000Z'), 'get_user');
    const from = server.received.length;
    const second = await repository.markMigrated(userId, new Date('2026-02-01T00:00:00.000Z'), 'authenticate');
    assert.deepEqual(second, first);
    assert.equal(count(server, MARKS_TABLE, from), 1, 'insert-if-absent and read-back are one batch');
  });
});
