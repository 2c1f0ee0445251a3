import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { initSqliteStore } from '../../src/store/sqlite/init';
import { openSqliteRepository } from '../../src/store/sqlite/open-sqlite-repository';
import { describeLegacyLockoutOverGrpc } from '../contract/legacy-lockout-grpc-contract';
import { SILENT_LOGGER } from '../support/silent-logger';

/**
 * LEGACY_LOCKOUT on the embedded store: a fresh SQLite file per test, shared with the test (WAL). The
 * outage is another connection holding the write lock (reads go on; the bookkeeping write waits its
 * lock wait out and fails).
 */
describeLegacyLockoutOverGrpc({
  name: 'SQLite',
  async open(profile, clock) {
    const dir = mkdtempSync(join(tmpdir(), 'lia-lockout-'));
    const path = join(dir, 'legacy.db');
    initSqliteStore(path, { profile, createLegacyTables: true });
    const repository = openSqliteRepository(path, { profile, logger: SILENT_LOGGER, clock, busyTimeoutMs: 200 });
    let locker: DatabaseSync | undefined;
    return {
      repository,
      withDb(work) {
        const db = new DatabaseSync(path);
        try {
          return work(db);
        } finally {
          db.close();
        }
      },
      guid: (value) => value,
      breakWrites() {
        locker = new DatabaseSync(path);
        locker.exec('BEGIN EXCLUSIVE');
      },
      async close() {
        if (locker?.isOpen) {
          locker.exec('ROLLBACK');
          locker.close();
        }
        await repository.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
