import assert from 'node:assert/strict';
import sql from 'mssql';
import { newRequest } from '../../src/store/mssql/mssql-request';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';
import { rewriteBatch } from '../support/tds/tsql-rewrite';

/** A pool of the real mssql client on the test server, with encryption off (the server has no TLS). */
function poolFor(server: TdsServer, overrides: Partial<sql.config> = {}): sql.ConnectionPool {
  return new sql.ConnectionPool({
    server: server.host,
    port: server.port,
    user: 'sa',
    password: 'pw',
    database: 'legacy',
    options: { encrypt: false },
    pool: { max: 2 },
    ...overrides,
  });
}

const DDL = `IF OBJECT_ID(N'[dbo].[T]', N'U') IS NULL
BEGIN
  CREATE TABLE [dbo].[T] (
    [Id] NVARCHAR(128) NOT NULL CONSTRAINT [PK_T] PRIMARY KEY,
    [Email] NVARCHAR(256) COLLATE Latin1_General_100_CI_AS NOT NULL CONSTRAINT [UQ_T_Email] UNIQUE,
    [Nick] NVARCHAR(64) NULL,
    [Notes] NVARCHAR(MAX) NULL,
    [Flag] BIT NOT NULL CONSTRAINT [DF_T_Flag] DEFAULT (0),
    [At] DATETIME2(3) NOT NULL CONSTRAINT [DF_T_At] DEFAULT (SYSUTCDATETIME())
  );
  CREATE UNIQUE INDEX [UX_T_Nick] ON [dbo].[T] ([Nick]) WHERE [Nick] IS NOT NULL;
END;`;

describe('TDS test server (real mssql/tedious client over TDS 7.4)', () => {
  let server: TdsServer;
  let pool: sql.ConnectionPool;

  beforeEach(async () => {
    server = await startTdsServer();
    pool = poolFor(server);
    await pool.connect();
    await pool.request().batch(DDL);
  });

  afterEach(async () => {
    await pool.close();
    await server.close();
  });

  const insert = (id: string, email: string, nick: string | null = null) =>
    pool
      .request()
      .input('id', sql.NVarChar(128), id)
      .input('email', sql.NVarChar(256), email)
      .input('nick', sql.NVarChar(64), nick)
      .query('INSERT INTO [dbo].[T] ([Id], [Email], [Nick]) VALUES (@id, @email, @nick)');

  it('logs in, answers the pool validation query and a plain SELECT', async () => {
    const result = await pool.request().query('SELECT 1 AS [one]');
    assert.deepEqual(result.recordset, [{ one: 1 }]);
    assert.ok(server.stats.logins >= 1);
  });

  it('round-trips typed parameters (NVARCHAR(n), NVARCHAR(MAX) > 4000 chars, BIT, DATETIME2) and row counts', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    const notes = `Zoë 東京 🔐 ${'x'.repeat(5000)}`;
    const inserted = await pool
      .request()
      .input('id', sql.NVarChar(128), 'u1')
      .input('email', sql.NVarChar(256), 'Mixed@Example.com')
      .input('notes', sql.NVarChar(sql.MAX), notes)
      .input('flag', sql.Bit, true)
      .input('at', sql.DateTime2(3), at)
      .query(
        'INSERT INTO [dbo].[T] ([Id], [Email], [Notes], [Flag], [At]) OUTPUT INSERTED.[Id] AS [id] VALUES (@id, @email, @notes, @flag, @at)',
      );
    assert.deepEqual(inserted.rowsAffected, [1]);
    assert.deepEqual(inserted.recordset, [{ id: 'u1' }]);

    const found = await pool
      .request()
      .input('email', sql.NVarChar(256), 'MIXED@EXAMPLE.COM')
      .query(
        'SELECT TOP (1) [Id] AS [id], [Notes] AS [notes], [Flag] AS [flag], [At] AS [at] FROM [dbo].[T] WHERE [Email] = @email',
      );
    assert.deepEqual(found.recordset, [{ id: 'u1', notes, flag: true, at }]);

    const updated = await pool.request().query('UPDATE [dbo].[T] SET [Flag] = 0');
    assert.deepEqual(updated.rowsAffected, [1]);
  });

  it('reports duplicates with SQL Server error numbers: 2627 for a constraint, 2601 for a unique index', async () => {
    await insert('u1', 'a@example.com', 'nick');
    await assert.rejects(
      insert('u2', 'A@EXAMPLE.COM'),
      (e: unknown) => e instanceof sql.RequestError && e.number === 2627,
    );
    await assert.rejects(
      insert('u1', 'b@example.com'),
      (e: unknown) => e instanceof sql.RequestError && e.number === 2627,
    );
    await assert.rejects(
      insert('u3', 'c@example.com', 'nick'),
      (e: unknown) => e instanceof sql.RequestError && e.number === 2601,
    );
  });

  it('runs transactions: rollback discards, commit keeps (ENVCHANGE begin / commit / rollback)', async () => {
    await insert('u1', 'a@example.com');
    const rolledBack = pool.transaction();
    await rolledBack.begin();
    await new sql.Request(rolledBack).query('DELETE FROM [dbo].[T]');
    await rolledBack.rollback();
    assert.equal((await pool.request().query('SELECT COUNT(*) AS [n] FROM [dbo].[T]')).recordset[0].n, 1);

    const committed = pool.transaction();
    await committed.begin();
    await new sql.Request(committed).query('DELETE FROM [dbo].[T]');
    await committed.commit();
    assert.equal((await pool.request().query('SELECT COUNT(*) AS [n] FROM [dbo].[T]')).recordset[0].n, 0);
  });

  it('answers an ATTENTION when the client times out, and the connection serves the next request', async () => {
    await pool.close();
    pool = poolFor(server, { pool: { max: 1 } });
    await pool.connect();
    server.delay(5_000, /slow/);
    await assert.rejects(
      newRequest(pool, 100).query('SELECT 1 AS [slow]'),
      (e: unknown) => e instanceof sql.RequestError && e.code === 'ETIMEOUT',
    );
    assert.equal(server.stats.attentions, 1);
    const logins = server.stats.logins;
    assert.deepEqual((await pool.request().query('SELECT 2 AS [ok]')).recordset, [{ ok: 2 }]);
    assert.equal(server.stats.logins, logins, 'the same connection was reused');
  });

  it('refuses logins with error 18456 when told to', async () => {
    server.refuseLogins(true);
    const other = poolFor(server);
    await assert.rejects(other.connect(), (e: unknown) => e instanceof sql.ConnectionError && e.code === 'ELOGIN');
    server.refuseLogins(false);
    await other.connect();
    await other.close();
  });

  it('checks credentials when configured with them', async () => {
    const guarded = await startTdsServer({ credentials: { user: 'app', password: 'right' } });
    try {
      const wrong = poolFor(guarded, { user: 'app', password: 'wrong' });
      await assert.rejects(wrong.connect(), (e: unknown) => e instanceof sql.ConnectionError && e.code === 'ELOGIN');
      const right = poolFor(guarded, { user: 'app', password: 'right' });
      await right.connect();
      await right.close();
    } finally {
      await guarded.close();
    }
  });

  it('refuses a client that insists on encryption (the server has no TLS)', async () => {
    const encrypted = poolFor(server, { options: { encrypt: true } });
    await assert.rejects(encrypted.connect(), (e: unknown) => e instanceof sql.ConnectionError);
  });

  it('answers injected errors (e.g. 1205 deadlock victim) once, then runs normally', async () => {
    server.injectError({ number: 1205, severity: 13, message: 'deadlock victim', match: /COUNT/ });
    await assert.rejects(
      pool.request().query('SELECT COUNT(*) AS [n] FROM [dbo].[T]'),
      (e: unknown) => e instanceof sql.RequestError && e.number === 1205,
    );
    assert.equal((await pool.request().query('SELECT COUNT(*) AS [n] FROM [dbo].[T]')).recordset[0].n, 0);
  });

  it('fails T-SQL it does not rewrite loudly, with a syntax error number', async () => {
    await assert.rejects(
      pool.request().query('SELECT * FROM [dbo].[T] FOR XML AUTO'),
      (e: unknown) => e instanceof sql.RequestError && e.number === 102,
    );
  });

  it('keeps its data across stop() / start() on the same port; connections in between fail', async () => {
    await insert('u1', 'a@example.com');
    await server.stop();
    await assert.rejects(pool.request().query('SELECT 1 AS [x]'));
    await server.start();
    const again = poolFor(server);
    await again.connect();
    assert.equal((await again.request().query('SELECT COUNT(*) AS [n] FROM [T]')).recordset[0].n, 1);
    await again.close();
  });
});

describe('T-SQL rewrite of the TDS test server', () => {
  // Whitespace left where a clause was removed is collapsed (the literals here have no double spaces).
  const sqlOf = (tsql: string) =>
    rewriteBatch(tsql).map((s) => (s.kind === 'sql' ? s.sql.replace(/\s+/g, ' ') : s.kind));

  it('quotes brackets, drops dbo, turns TOP into LIMIT and OUTPUT into RETURNING', () => {
    assert.deepEqual(sqlOf('SELECT TOP (1) [a] AS [b] FROM [dbo].[T] WHERE [a] = @p'), [
      'SELECT "a" AS "b" FROM "T" WHERE "a" = @p LIMIT 1',
    ]);
    assert.deepEqual(sqlOf('INSERT INTO [T] ([a]) OUTPUT INSERTED.[a] AS [x] VALUES (@a)'), [
      'INSERT INTO "T" ("a") VALUES (@a) RETURNING "a" AS "x"',
    ]);
  });

  it('maps collations, hints, N-strings and MAX lengths', () => {
    assert.deepEqual(
      sqlOf(
        "SELECT 1 FROM [T] WITH (UPDLOCK, HOLDLOCK) WHERE [h] = @h COLLATE Latin1_General_100_BIN2 AND [n] = N'it''s'",
      ),
      [`SELECT 1 FROM "T" WHERE "h" = @h COLLATE BINARY AND "n" = 'it''s'`],
    );
    assert.deepEqual(sqlOf('CREATE TABLE [T] ([m] NVARCHAR(MAX) COLLATE Latin1_General_100_CI_AS NULL)'), [
      'CREATE TABLE "T" ("m" NVARCHAR(-1) COLLATE NOCASE NULL)',
    ]);
  });

  it('ignores session options and refuses other schemas', () => {
    assert.deepEqual(sqlOf('set textsize 2147483647 set quoted_identifier on'), ['noop']);
    assert.throws(() => rewriteBatch("IF OBJECT_ID(N'[sales].[T]', N'U') IS NULL BEGIN SELECT 1; END"), /only dbo/);
  });
});
