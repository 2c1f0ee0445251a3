import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { DatabaseSync } from 'node:sqlite';
import Debug from 'tedious/lib/debug';
import MessageIO from 'tedious/lib/message-io';
import PreloginPayload from 'tedious/lib/prelogin-payload';
import {
  type SqlServerError as EngineError,
  SqliteEngine,
  SqlServerError,
  type StatementResult,
} from './sqlite-engine';
import {
  PACKET,
  parseLogin7,
  parseRpc,
  parseSqlBatch,
  parseTransactionManager,
  type RpcParam,
  TM,
} from './tds-requests';
import {
  CURCMD,
  colMetadata,
  DONE,
  done,
  ENVCHANGE,
  envChangeBytes,
  envChangeText,
  loginAck,
  messageToken,
  returnStatus,
  row,
  SERVER_COLLATION,
  type ServerMessage,
  TOKEN,
} from './tds-tokens';

/**
 * A TDS 7.4 server for tests and local work on the mssql path, speaking to the unmodified
 * `mssql`/`tedious` client and executing on node:sqlite through a small T-SQL rewrite
 * (tsql-rewrite.ts). It proves the wire path — login, typed RPC parameters, result sets, row
 * counts, SQL Server error numbers, transactions, attention, pool reconnects — and nothing about
 * SQL Server's own semantics (locking, collations beyond ASCII case, query plans, T-SQL it does not
 * rewrite).
 *
 * What it does, per connection: PRELOGIN (encryption "not supported": clients must use
 * encrypt=false), LOGIN7 → ENVCHANGE database / collation / packet size + LOGINACK (or error 18456
 * when logins are refused), then SQL batches, RPC `sp_executesql`, transaction-manager requests
 * (ENVCHANGE 8/9/10) and ATTENTION (DONE with the attention bit). Transactions are serialised
 * across connections: while one connection holds a transaction, other connections' statements that
 * touch data wait for it, as they would for its locks (TransactionGate).
 */

export interface TdsServerOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  readonly host?: string;
  /** SQLite file holding the data; in memory when absent. */
  readonly databaseFile?: string;
  /** When set, only these credentials log in; any login is accepted otherwise. */
  readonly credentials?: { readonly user: string; readonly password: string };
  /** Database name reported at login when the client names none. */
  readonly databaseName?: string;
}

/** An injected failure: the next matching request is answered with this SQL Server error. */
export interface InjectedError {
  readonly number: number;
  readonly message?: string;
  readonly severity?: number;
  /** Only requests whose SQL text matches (default: any request that runs SQL). */
  readonly match?: RegExp;
  /** How many matching requests fail (default 1). */
  readonly times?: number;
}

/** Counters tests can assert on. */
export interface TdsServerStats {
  logins: number;
  refusedLogins: number;
  requests: number;
  attentions: number;
  openConnections: number;
  /** Requests waiting now for another connection's transaction to end (a lock wait). */
  lockWaits: number;
}

export interface TdsServer {
  readonly port: number;
  readonly host: string;
  readonly engine: SqliteEngine;
  readonly stats: Readonly<TdsServerStats>;
  /** Every SQL text received (RPC statement or batch), for tests that look at what was sent. */
  readonly received: readonly string[];
  /** A STORE_URL for this server (user sa, encrypt=false). */
  storeUrl(options?: { user?: string; password?: string; database?: string; query?: string }): string;
  /** Refuse (true) or accept (false) every new login with error 18456. */
  refuseLogins(refuse: boolean): void;
  /** Hold replies to matching requests this long before executing them (0 stops delaying). */
  delay(ms: number, match?: RegExp): void;
  /** Answer the next matching request(s) with a SQL Server error instead of executing them. */
  injectError(error: InjectedError): void;
  /** Destroys every open connection (the listener stays up): a network blip. */
  dropConnections(): void;
  /** Stops listening and destroys every connection; the data stays (like a SQL Server stopping). */
  stop(): Promise<void>;
  /** Listens again on the same port after stop(). */
  start(): Promise<void>;
  /** Stops and closes the database. */
  close(): Promise<void>;
}

const SERVER_NAME = 'tds-test-server';
const MAX_PACKET_SIZE = 32767;

export async function startTdsServer(options: TdsServerOptions = {}): Promise<TdsServer> {
  const db = new DatabaseSync(options.databaseFile ?? ':memory:');
  if (options.databaseFile) db.exec('PRAGMA journal_mode = WAL');
  const engine = new SqliteEngine(db);
  const sockets = new Set<Socket>();
  const stats: TdsServerStats = {
    logins: 0,
    refusedLogins: 0,
    requests: 0,
    attentions: 0,
    openConnections: 0,
    lockWaits: 0,
  };
  const gate = new TransactionGate(stats);
  const received: string[] = [];
  const behaviour = {
    refuse: false,
    delayMs: 0,
    delayMatch: undefined as RegExp | undefined,
    injected: [] as { error: InjectedError; remaining: number }[],
  };
  const host = options.host ?? '127.0.0.1';
  let port = options.port ?? 0;
  let server: Server | null = null;

  const context: SessionContext = {
    engine,
    gate,
    stats,
    received,
    behaviour,
    credentials: options.credentials,
    databaseName: options.databaseName ?? 'legacy',
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((socket) => {
        sockets.add(socket);
        stats.openConnections += 1;
        socket.once('close', () => {
          sockets.delete(socket);
          stats.openConnections -= 1;
        });
        new Session(socket, context).run();
      });
      s.once('error', reject);
      s.listen(port, host, () => {
        const address = s.address();
        if (address && typeof address === 'object') port = address.port;
        server = s;
        resolve();
      });
    });

  const stop = async () => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    host,
    engine,
    stats,
    received,
    storeUrl({ user = 'sa', password = 'test-password', database = context.databaseName, query = '' } = {}) {
      const extra = query ? `&${query}` : '';
      return `mssql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${database}?encrypt=false${extra}`;
    },
    refuseLogins(refuse) {
      behaviour.refuse = refuse;
    },
    delay(ms, match) {
      behaviour.delayMs = ms;
      behaviour.delayMatch = match;
    },
    injectError(error) {
      behaviour.injected.push({ error, remaining: error.times ?? 1 });
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    stop,
    start: listen,
    async close() {
      await stop();
      if (db.isOpen) db.close();
    },
  };
}

interface SessionContext {
  readonly engine: SqliteEngine;
  readonly gate: TransactionGate;
  readonly stats: TdsServerStats;
  readonly received: string[];
  readonly behaviour: {
    refuse: boolean;
    delayMs: number;
    delayMatch: RegExp | undefined;
    injected: { error: InjectedError; remaining: number }[];
  };
  readonly credentials: { readonly user: string; readonly password: string } | undefined;
  readonly databaseName: string;
}

/**
 * Serialises transactions across connections, standing in for SQL Server's locks: a connection in a
 * transaction owns the gate until it commits, rolls back or disconnects; statements and BEGINs of
 * other connections wait for it (a lock wait: they proceed once it ends, or give up when their
 * client cancels them, and a cancelled one never runs). The check that the gate is free and the work
 * that needs it run in one synchronous step, so two connections woken by the same release cannot both
 * pass (two BEGINs on the one SQLite connection, the second taking the gate from the first and leaving
 * its statements waiting forever; or a statement running inside another connection's transaction).
 * Waiters are woken in arrival order, and the first to want the gate takes it.
 */
class TransactionGate {
  readonly #stats: TdsServerStats;
  #owner: object | null = null;
  #waiters: (() => void)[] = [];

  constructor(stats: TdsServerStats) {
    this.#stats = stats;
  }

  /** Waits until the gate is free or `owner`'s, then runs `work` at once; with `hold`, takes the gate first. */
  async run<T>(owner: object, signal: AbortSignal, work: () => T, hold = false): Promise<T> {
    for (;;) {
      if (signal.aborted) throw new AbortedRequest();
      if (this.#owner === null || this.#owner === owner) {
        if (hold) this.#owner = owner;
        return work();
      }
      this.#stats.lockWaits += 1;
      try {
        await this.#wait(signal);
      } finally {
        this.#stats.lockWaits -= 1;
      }
    }
  }

  /** Resolves at the next release, or when `signal` aborts; leaves no listener or waiter behind. */
  #wait(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        signal.removeEventListener('abort', wake);
        const index = this.#waiters.indexOf(wake);
        if (index >= 0) this.#waiters.splice(index, 1);
        resolve();
      };
      this.#waiters.push(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  release(owner: object): void {
    if (this.#owner !== owner) return;
    this.#owner = null;
    for (const wake of [...this.#waiters]) wake();
  }

  heldBy(owner: object): boolean {
    return this.#owner === owner;
  }
}

class AbortedRequest extends Error {}

/** One client connection: handshake, then requests one at a time, with ATTENTION heard meanwhile. */
class Session {
  readonly #socket: Socket;
  readonly #ctx: SessionContext;
  readonly #io: MessageIO;
  #queue: Promise<void> = Promise.resolve();
  #current: AbortController | null = null;
  #transaction: Buffer | null = null;
  #closed = false;

  constructor(socket: Socket, ctx: SessionContext) {
    this.#socket = socket;
    this.#ctx = ctx;
    this.#io = new MessageIO(socket, 4096, new Debug());
    socket.on('error', () => {
      // A client vanishing is normal here (pools close, tests drop connections).
    });
    socket.once('close', () => {
      this.#closed = true;
      this.#current?.abort();
      this.#endTransaction('rollback');
    });
  }

  async run(): Promise<void> {
    try {
      if (!(await this.#handshake())) return;
      for (;;) {
        const message = await this.#io.readMessage();
        const type = message.type;
        const payload = await collect(message);
        if (type === PACKET.ATTENTION) {
          this.#ctx.stats.attentions += 1;
          this.#current?.abort();
          this.#enqueue(async () => this.#send([done(TOKEN.DONE, DONE.ATTN, 0, 0)]));
          continue;
        }
        this.#enqueue(() => this.#handle(type, payload));
      }
    } catch {
      this.#socket.destroy();
    }
  }

  #enqueue(work: () => Promise<void>): void {
    this.#queue = this.#queue.then(work).catch(() => {
      this.#socket.destroy();
    });
  }

  #send(tokens: readonly Buffer[]): void {
    if (this.#closed) return;
    this.#io.sendMessage(PACKET.TABULAR_RESULT, Buffer.concat(tokens));
  }

  async #handshake(): Promise<boolean> {
    const prelogin = await this.#io.readMessage();
    await collect(prelogin);
    if (prelogin.type !== PACKET.PRELOGIN) throw new Error('expected PRELOGIN');
    const reply = new PreloginPayload({ encrypt: false, version: { major: 16, minor: 0, build: 1000, subbuild: 0 } });
    this.#io.sendMessage(PACKET.TABULAR_RESULT, reply.data);

    const loginMessage = await this.#io.readMessage();
    const loginData = await collect(loginMessage);
    if (loginMessage.type !== PACKET.LOGIN7) throw new Error('expected LOGIN7 (is the client asking for TLS?)');
    const login = parseLogin7(loginData);
    const expected = this.#ctx.credentials;
    const badCredentials =
      expected !== undefined && (login.userName !== expected.user || login.password !== expected.password);
    if (this.#ctx.behaviour.refuse || badCredentials) {
      this.#ctx.stats.refusedLogins += 1;
      this.#send([
        messageToken(SERVER_NAME, {
          number: 18456,
          state: 1,
          class: 14,
          message: `Login failed for user '${login.userName}'.`,
        }),
        done(TOKEN.DONE, DONE.ERROR, 0, 0),
      ]);
      // SQL Server closes the connection after a failed login; the client usually does first.
      setTimeout(() => this.#socket.end(), 1_000).unref();
      return false;
    }
    this.#ctx.stats.logins += 1;
    const packetSize = Math.min(MAX_PACKET_SIZE, Math.max(512, login.packetSize || 4096));
    const database = login.database || this.#ctx.databaseName;
    this.#send([
      envChangeText(ENVCHANGE.DATABASE, database, 'master'),
      messageToken(SERVER_NAME, {
        number: 5701,
        state: 2,
        class: 0,
        message: `Changed database context to '${database}'.`,
      }),
      envChangeBytes(ENVCHANGE.SQL_COLLATION, SERVER_COLLATION.toBuffer(), Buffer.alloc(0)),
      loginAck('Microsoft SQL Server'),
      envChangeText(ENVCHANGE.PACKET_SIZE, String(packetSize), '4096'),
      done(TOKEN.DONE, DONE.FINAL, 0, 0),
    ]);
    this.#io.packetSize(packetSize);
    return true;
  }

  async #handle(type: number, payload: Buffer): Promise<void> {
    this.#ctx.stats.requests += 1;
    const controller = new AbortController();
    this.#current = controller;
    try {
      switch (type) {
        case PACKET.SQL_BATCH: {
          const batch = parseSqlBatch(payload);
          await this.#execute(batch.sql, {}, false, controller.signal);
          return;
        }
        case PACKET.RPC_REQUEST: {
          const rpc = parseRpc(payload);
          if (rpc.procedure !== 10 && String(rpc.procedure).toLowerCase() !== 'sp_executesql') {
            this.#send([this.#error(2812, 16, `Could not find stored procedure '${rpc.procedure}'.`), doneProc(true)]);
            return;
          }
          const [statement, , ...values] = rpc.params;
          await this.#execute(String(statement?.value ?? ''), paramMap(values), true, controller.signal);
          return;
        }
        case PACKET.TRANSACTION_MANAGER:
          await this.#transactionManager(payload, controller.signal);
          return;
        default:
          this.#send([this.#error(50000, 16, `TDS test server: unsupported packet type ${type}`), doneFinal(true)]);
      }
    } catch (error) {
      if (!(error instanceof AbortedRequest)) throw error;
      // Cancelled by ATTENTION before it ran: the request's own reply is an empty DONE, and the
      // attention acknowledgement follows as the next message (one reply per client message).
      this.#send([doneFinal(false)]);
    } finally {
      if (this.#current === controller) this.#current = null;
    }
  }

  async #delay(sql: string, signal: AbortSignal): Promise<void> {
    const { delayMs, delayMatch } = this.#ctx.behaviour;
    if (delayMs <= 0 || (delayMatch && !delayMatch.test(sql))) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
    if (signal.aborted) throw new AbortedRequest();
  }

  #takeInjected(sql: string): InjectedError | null {
    const entry = this.#ctx.behaviour.injected.find((e) => !e.error.match || e.error.match.test(sql));
    if (!entry) return null;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#ctx.behaviour.injected.splice(this.#ctx.behaviour.injected.indexOf(entry), 1);
    return entry.error;
  }

  async #execute(sql: string, params: Record<string, unknown>, rpc: boolean, signal: AbortSignal): Promise<void> {
    this.#ctx.received.push(sql);
    await this.#delay(sql, signal);
    const injected = this.#takeInjected(sql);
    if (injected) {
      const tokens = [this.#error(injected.number, injected.severity ?? 16, injected.message ?? 'injected error')];
      // A deadlock victim's transaction is rolled back by the server, which says so.
      if (injected.number === 1205 && this.#transaction) {
        tokens.push(envChangeBytes(ENVCHANGE.ROLLBACK_TXN, Buffer.alloc(0), this.#transaction));
        this.#endTransaction('rollback');
      }
      tokens.push(rpc ? doneProc(true) : doneFinal(true));
      this.#send(tokens);
      return;
    }
    const { gate, engine } = this.#ctx;
    type Failure = EngineError & { partial?: StatementResult[] };
    const work = (): { results: StatementResult[]; failure: Failure | null } => {
      try {
        return { results: engine.execute(sql, params), failure: null };
      } catch (error) {
        if (!(error instanceof SqlServerError)) throw error;
        const failed = error as Failure;
        return { results: failed.partial ?? [], failure: failed };
      }
    };
    const { results, failure } = engine.touchesData(sql) ? await gate.run(this, signal, work) : work();
    const tokens: Buffer[] = [];
    const doneToken = rpc ? TOKEN.DONEINPROC : TOKEN.DONE;
    results.forEach((result, i) => {
      if (result.columns) {
        tokens.push(colMetadata(result.columns));
        for (const values of result.rows) tokens.push(row(result.columns, values));
      }
      const last = !rpc && failure === null && i === results.length - 1;
      const count = result.rowCount === null ? 0 : DONE.COUNT;
      tokens.push(done(doneToken, (last ? DONE.FINAL : DONE.MORE) | count, curCmd(result.verb), result.rowCount ?? 0));
    });
    if (failure) {
      tokens.push(this.#error(failure.number, failure.severity, failure.message, failure.state));
      tokens.push(rpc ? doneProc(true) : doneFinal(true));
    } else if (rpc) {
      tokens.push(returnStatus(0), doneProc(false));
    } else if (results.length === 0) {
      tokens.push(doneFinal(false));
    }
    this.#send(tokens);
  }

  async #transactionManager(payload: Buffer, signal: AbortSignal): Promise<void> {
    const request = parseTransactionManager(payload);
    const { gate, engine } = this.#ctx;
    switch (request.requestType) {
      case TM.BEGIN: {
        if (this.#transaction) {
          this.#send([
            this.#error(50000, 16, 'TDS test server: nested transactions are not supported'),
            doneFinal(true),
          ]);
          return;
        }
        await gate.run(this, signal, () => engine.begin(), true);
        this.#transaction = randomBytes(8);
        this.#send([envChangeBytes(ENVCHANGE.BEGIN_TXN, this.#transaction, Buffer.alloc(0)), doneFinal(false)]);
        return;
      }
      case TM.COMMIT:
      case TM.ROLLBACK: {
        const descriptor = this.#transaction;
        if (!descriptor) {
          this.#send([
            this.#error(3902, 16, 'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.'),
            doneFinal(true),
          ]);
          return;
        }
        const commit = request.requestType === TM.COMMIT;
        this.#endTransaction(commit ? 'commit' : 'rollback');
        const type = commit ? ENVCHANGE.COMMIT_TXN : ENVCHANGE.ROLLBACK_TXN;
        this.#send([envChangeBytes(type, Buffer.alloc(0), descriptor), doneFinal(false)]);
        return;
      }
      default:
        this.#send([
          this.#error(50000, 16, `TDS test server: transaction request ${request.requestType} is not supported`),
          doneFinal(true),
        ]);
    }
  }

  #endTransaction(how: 'commit' | 'rollback'): void {
    if (!this.#transaction) return;
    this.#transaction = null;
    try {
      if (how === 'commit') this.#ctx.engine.commit();
      else this.#ctx.engine.rollback();
    } finally {
      this.#ctx.gate.release(this);
    }
  }

  #error(number: number, severity: number, message: string, state = 1): Buffer {
    const m: ServerMessage = { number, state, class: severity, message };
    return messageToken(SERVER_NAME, m);
  }
}

function doneProc(error: boolean): Buffer {
  return done(TOKEN.DONEPROC, error ? DONE.ERROR : DONE.FINAL, 0, 0);
}

function doneFinal(error: boolean): Buffer {
  return done(TOKEN.DONE, error ? DONE.ERROR : DONE.FINAL, 0, 0);
}

function curCmd(verb: string): number {
  switch (verb) {
    case 'SELECT':
      return CURCMD.SELECT;
    case 'INSERT':
      return CURCMD.INSERT;
    case 'UPDATE':
      return CURCMD.UPDATE;
    case 'DELETE':
      return CURCMD.DELETE;
    default:
      return CURCMD.OTHER;
  }
}

function paramMap(values: readonly RpcParam[]): Record<string, unknown> {
  return Object.fromEntries(values.map((p) => [p.name, p.value]));
}

async function collect(message: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk);
  return Buffer.concat(chunks);
}
