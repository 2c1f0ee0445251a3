import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { IdentityError } from '../../src/domain/errors';
import { translateSqliteError } from '../../src/store/sqlite/translate-error';
import { StoreDriverError } from '../../src/store/store-driver-error';

/** Runs `fail` and returns what node:sqlite threw. */
function driverError(fail: () => unknown): unknown {
  try {
    fail();
  } catch (error) {
    return error;
  }
  assert.fail('expected the driver to throw');
}

describe('translateSqliteError (real node:sqlite errors)', () => {
  let dir: string;
  let db: DatabaseSync;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lia-sqlite-err-'));
    db = new DatabaseSync(join(dir, 'x.db'), { timeout: 10 });
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, email TEXT NOT NULL COLLATE NOCASE UNIQUE)');
    db.prepare(`INSERT INTO t VALUES ('1', 'a@example.com')`).run();
  });

  afterEach(() => {
    if (db.isOpen) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const translated = (error: unknown, database?: { isOpen: boolean }) => {
    const result = translateSqliteError(error, database);
    assert.ok(result instanceof IdentityError);
    const errcode = (error as { errcode?: unknown }).errcode;
    if (typeof errcode === 'number') {
      // The cause keeps the result code, never the driver's message (it can name columns or quote values).
      assert.ok(result.cause instanceof StoreDriverError);
      assert.equal(result.cause.number, errcode);
      const { message, errstr } = error as { message: string; errstr?: unknown };
      if (message !== errstr) assert.ok(!result.cause.message.includes(message), result.cause.message);
    } else {
      assert.equal(result.cause, error, 'anything else is kept as the cause');
    }
    return result.code;
  };

  it('a UNIQUE violation is already_exists', () => {
    const error = driverError(() => db.prepare(`INSERT INTO t VALUES ('2', 'A@EXAMPLE.COM')`).run());
    assert.equal(translated(error, db), 'already_exists');
  });

  it('a PRIMARY KEY violation is already_exists', () => {
    const error = driverError(() => db.prepare(`INSERT INTO t VALUES ('1', 'b@example.com')`).run());
    assert.equal(translated(error, db), 'already_exists');
  });

  it('another constraint (NOT NULL) is internal', () => {
    const error = driverError(() => db.prepare(`INSERT INTO t VALUES ('3', NULL)`).run());
    assert.equal(translated(error, db), 'internal');
  });

  it('a syntax error or a missing table is internal', () => {
    assert.equal(
      translated(
        driverError(() => db.prepare('SELEC 1')),
        db,
      ),
      'internal',
    );
    assert.equal(
      translated(
        driverError(() => db.prepare('SELECT * FROM missing')),
        db,
      ),
      'internal',
    );
  });

  it('a database locked by another connection is unavailable', () => {
    const other = new DatabaseSync(join(dir, 'x.db'), { timeout: 10 });
    try {
      other.exec('BEGIN EXCLUSIVE');
      const error = driverError(() => db.prepare(`INSERT INTO t VALUES ('4', 'c@example.com')`).run());
      assert.equal(translated(error, db), 'unavailable');
    } finally {
      other.close();
    }
  });

  it('a closed database is unavailable, also through statements prepared before it closed', () => {
    const statement = db.prepare('SELECT * FROM t');
    db.close();
    assert.equal(
      translated(
        driverError(() => statement.all()),
        db,
      ),
      'unavailable',
    );
    assert.equal(
      translated(
        driverError(() => db.prepare('SELECT 1')),
        db,
      ),
      'unavailable',
    );
  });

  it('a file that cannot be opened is unavailable', () => {
    const error = driverError(() => new DatabaseSync(join(dir, 'no', 'such', 'dir', 'x.db')));
    assert.equal(translated(error), 'unavailable');
  });

  it('an IdentityError passes through unchanged; anything else is internal', () => {
    const original = new IdentityError('not_found', 'user not found');
    assert.equal(translateSqliteError(original, db), original);
    assert.equal(translated(new TypeError('bug'), db), 'internal');
    assert.equal(translated('a string', db), 'internal');
  });
});
