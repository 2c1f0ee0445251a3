import assert from 'node:assert/strict';
import sql from 'mssql';
import { Connection, Request as TediousRequest } from 'tedious';
import { newRequest } from '../../src/store/mssql/mssql-request';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';

/**
 * The TDS test server stands in for SQL Server's locks with one gate: while a connection holds a
 * transaction, other connections' statements and BEGINs wait (a lock wait, never a deadlock), and go
 * on once it ends. These tests drive it with the real mssql client and watch `stats.lockWaits` to
 * know when a request is waiting, so nothing depends on timing.
 */
describe('TDS test server: a transaction makes other connections wait, like a lock', () => {
  let server: TdsServer;
  let pool: sql.ConnectionPool;

  beforeEach(async () => {
    server = await startTdsServer();
    pool = new sql.ConnectionPool({
      server: server.host,
      port: server.port,
      user: 'sa',
      password: 'pw',
      database: 'legacy',
      options: { encrypt: false },
      pool: { max: 6 },
    });
    await pool.connect();
    await pool.request().batch('CREATE TABLE [dbo].[T] ([Id] NVARCHAR(16) NOT NULL CONSTRAINT [PK_T] PRIMARY KEY);');
  });

  afterEach(async () => {
    // The server first: a test that failed mid-transaction leaves a connection mssql would wait for.
    await server.close();
    await pool.close();
  });

  const insertOn = (parent: sql.ConnectionPool | sql.Transaction, id: string, requestTimeout?: number) => {
    const request = requestTimeout === undefined ? parent.request() : newRequest(parent, requestTimeout);
    return request.input('id', sql.NVarChar(16), id).query('INSERT INTO [dbo].[T] ([Id]) VALUES (@id)');
  };
  const ids = async () =>
    (await pool.request().query<{ Id: string }>('SELECT [Id] FROM [dbo].[T] ORDER BY [Id]')).recordset.map((r) => r.Id);
  /** Resolves once `n` requests wait for another connection's transaction. */
  const waiting = async (n: number) => {
    while (server.stats.lockWaits !== n) await new Promise((resolve) => setImmediate(resolve));
  };

  it('two BEGINs and a statement woken by one commit: one BEGIN takes over, the others wait for it in turn', async () => {
    const a = new sql.Transaction(pool);
    await a.begin();
    await insertOn(a, 'a');

    const b = new sql.Transaction(pool);
    const c = new sql.Transaction(pool);
    const bBegun = b.begin().then(() => b);
    await waiting(1);
    const cBegun = c.begin().then(() => c);
    await waiting(2);
    const d = insertOn(pool, 'd');
    await waiting(3);

    await a.commit();
    // Whichever BEGIN got the gate works alone; it rolls back, and that must undo only its own row.
    const first = await Promise.race([bBegun, cBegun]);
    const second = first === b ? c : b;
    await insertOn(first, 'first');
    await first.rollback();
    await (first === b ? cBegun : bBegun);
    await insertOn(second, 'second');
    await second.commit();
    await d;

    assert.deepEqual(await ids(), ['a', 'd', 'second']);
    assert.equal(server.stats.lockWaits, 0);
  });

  it('a waiting statement its client cancels (request timeout) fails and never runs; the transaction goes on', async () => {
    const a = new sql.Transaction(pool);
    await a.begin();
    await insertOn(a, 'a');

    await assert.rejects(insertOn(pool, 'cancelled', 50), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'ETIMEOUT');
      return true;
    });
    assert.equal(server.stats.lockWaits, 0, 'the cancelled request stopped waiting');

    await insertOn(a, 'a2');
    await a.commit();
    assert.deepEqual(await ids(), ['a', 'a2']);
  });

  it('a client that disconnects in a transaction rolls it back, and the waiting statement runs', async () => {
    const lost = await connect(server);
    await new Promise<void>((resolve, reject) => lost.beginTransaction((error) => (error ? reject(error) : resolve())));
    await new Promise<void>((resolve, reject) =>
      lost.execSql(
        new TediousRequest("INSERT INTO [dbo].[T] ([Id]) VALUES (N'lost')", (error) =>
          error ? reject(error) : resolve(),
        ),
      ),
    );
    const waiter = insertOn(pool, 'after');
    await waiting(1);
    lost.close(); // the socket closes with the transaction open, as when a client dies
    await waiter;
    assert.deepEqual(await ids(), ['after']);
  });

  it('session options and SELECTs without FROM do not wait: a new connection logs in during a transaction', async () => {
    const a = new sql.Transaction(pool);
    await a.begin();
    await insertOn(a, 'a');
    // tedious sends SET options right after login; the pool checks a connection with SELECT 1.
    const fresh = await connect(server);
    fresh.close();
    assert.deepEqual((await pool.request().query('SELECT 1 AS [one]')).recordset, [{ one: 1 }]);
    assert.equal(server.stats.lockWaits, 0);
    await a.commit();
  });
});

/** A bare tedious connection (no pool), logged in. */
function connect(server: TdsServer): Promise<Connection> {
  const connection = new Connection({
    server: server.host,
    authentication: { type: 'default', options: { userName: 'sa', password: 'pw' } },
    options: { port: server.port, database: 'legacy', encrypt: false },
  });
  return new Promise((resolve, reject) => {
    connection.connect((error) => (error ? reject(error) : resolve(connection)));
  });
}
