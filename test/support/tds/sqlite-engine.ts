import { randomUUID } from 'node:crypto';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { TYPES } from 'tedious';
import type { ResultColumn } from './tds-tokens';
import { type RewrittenStatement, rewriteBatch, UnsupportedTsql } from './tsql-rewrite';

/** What one statement produced: a result set (with its row count) or a count of affected rows. */
export interface StatementResult {
  readonly verb: string;
  readonly columns: readonly ResultColumn[] | null;
  readonly rows: readonly (readonly unknown[])[];
  /** Rows returned or affected; null for statements that report no count (DDL, SET). */
  readonly rowCount: number | null;
}

/** A failure reported to the client as an ERROR token with SQL Server's number, state and class. */
export class SqlServerError extends Error {
  override readonly name = 'SqlServerError';
  constructor(
    readonly number: number,
    readonly severity: number,
    message: string,
    readonly state = 1,
  ) {
    super(message);
  }
}

/**
 * Runs rewritten T-SQL on one node:sqlite database and types the results as SQL Server would send
 * them. SQLite errors become the SQL Server error numbers a client branches on (2627 / 2601 for
 * duplicate keys, 515 NOT NULL, 208 unknown table, 207 unknown column, 102 syntax).
 */
export class SqliteEngine {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
    // NEWID() of the rewritten T-SQL (DEFAULT NEWID() in the Membership DDL): lower-case GUID text.
    db.function('NEWID', { deterministic: false }, () => randomUUID());
  }

  get database(): DatabaseSync {
    return this.#db;
  }

  /** Executes a batch; results of the statements that ran before an error are in `error.partial`. */
  execute(sql: string, params: Readonly<Record<string, unknown>>): StatementResult[] {
    let statements: RewrittenStatement[];
    try {
      statements = rewriteBatch(sql);
    } catch (error) {
      if (error instanceof UnsupportedTsql) throw new SqlServerError(102, 15, `Incorrect syntax: ${error.message}.`);
      throw error;
    }
    const results: StatementResult[] = [];
    try {
      this.#run(statements, params, results);
    } catch (error) {
      throw Object.assign(this.#translate(error), { partial: results });
    }
    return results;
  }

  /**
   * Whether a batch reads or writes data, and so waits while another connection holds a transaction.
   * Session options (`SET …`, which tedious sends on every new connection) and SELECTs without FROM
   * (the pool's `SELECT 1`, a ping) touch no table and take no lock on SQL Server, so they do not
   * wait here either: a transaction left open must not stop new connections from logging in.
   * T-SQL the rewrite refuses counts as touching data (its error is reported in turn).
   */
  touchesData(sql: string): boolean {
    let statements: RewrittenStatement[];
    try {
      statements = rewriteBatch(sql);
    } catch {
      return true;
    }
    return statements.some(
      (s) => s.kind === 'if-table-missing' || (s.kind === 'sql' && !(s.verb === 'SELECT' && !/\bFROM\b/i.test(s.sql))),
    );
  }

  begin(): void {
    this.#db.exec('BEGIN IMMEDIATE');
  }

  commit(): void {
    if (this.#db.isOpen && this.#db.isTransaction) this.#db.exec('COMMIT');
  }

  rollback(): void {
    // A connection closing after the server has closed the database has nothing left to undo.
    if (this.#db.isOpen && this.#db.isTransaction) this.#db.exec('ROLLBACK');
  }

  #run(statements: readonly RewrittenStatement[], params: Readonly<Record<string, unknown>>, out: StatementResult[]) {
    for (const statement of statements) {
      switch (statement.kind) {
        case 'noop':
          break;
        case 'if-table-missing': {
          const found = this.#db
            .prepare(`SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE`)
            .get(statement.table);
          if (!found) this.#run(statement.body, params, out);
          break;
        }
        case 'sql':
          out.push(this.#runOne(statement.sql, statement.verb, params));
          break;
        default: {
          const unreachable: never = statement;
          throw new Error(`unknown statement ${String(unreachable)}`);
        }
      }
    }
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #runOne(sql: string, verb: string, params: Readonly<Record<string, unknown>>): StatementResult {
    if (/^(CREATE|DROP|ALTER)$/.test(verb)) {
      this.#statements.clear(); // the schema changes under prepared statements
      this.#db.exec(sql);
      return { verb, columns: null, rows: [], rowCount: null };
    }
    const statement = this.#prepare(sql);
    const bound = bindParams(sql, params);
    const described = statement.columns();
    if (described.length === 0) {
      const changes = Number(statement.run(bound).changes);
      return { verb, columns: null, rows: [], rowCount: changes };
    }
    statement.setReadBigInts(false);
    const records = statement.all(bound) as Record<string, unknown>[];
    const names = described.map((c) => c.name);
    const rows = records.map((record) => names.map((name) => record[name] ?? null));
    const columns = described.map((c, i) =>
      columnFor(
        c.name,
        c.type,
        rows.map((r) => r[i]),
      ),
    );
    return { verb, columns, rows: rows.map((r) => r.map((v, i) => toWireValue(columns[i], v))), rowCount: rows.length };
  }

  #translate(error: unknown): SqlServerError {
    if (error instanceof SqlServerError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const errcode = (error as { errcode?: unknown }).errcode;
    if (errcode === 2067 || errcode === 1555) return this.#duplicateKey(message);
    if (errcode === 1299) {
      const column = /NOT NULL constraint failed: (\S+)/.exec(message)?.[1] ?? '?';
      return new SqlServerError(
        515,
        16,
        `Cannot insert the value NULL into column '${column}'; column does not allow nulls. INSERT fails.`,
        2,
      );
    }
    if (errcode === 275) return new SqlServerError(547, 16, `The statement conflicted with a CHECK constraint.`);
    const noTable = /no such table: (\S+)/.exec(message);
    if (noTable) return new SqlServerError(208, 16, `Invalid object name '${noTable[1]}'.`);
    const noColumn = /no such column: (\S+)/.exec(message);
    if (noColumn) return new SqlServerError(207, 16, `Invalid column name '${noColumn[1]}'.`);
    if (/syntax error|incomplete input/.test(message)) {
      return new SqlServerError(102, 15, `Incorrect syntax (SQLite: ${message}).`);
    }
    return new SqlServerError(50000, 16, `TDS test server: ${message}`);
  }

  /**
   * SQL Server reports a duplicate in a PRIMARY KEY or UNIQUE constraint as 2627 and one in a
   * unique index (CREATE UNIQUE INDEX) as 2601. SQLite says which columns clashed; an explicit
   * unique index on exactly those columns means 2601. The duplicate value is left out of the
   * message (SQL Server includes it) so that emails do not travel into logs from tests.
   */
  #duplicateKey(message: string): SqlServerError {
    const match = /constraint failed: (.+)$/.exec(message);
    const pairs = (match?.[1] ?? '').split(',').map((s) => s.trim().split('.'));
    const table = pairs[0]?.[0] ?? '?';
    const columns = pairs.map((p) => p[1] ?? '').sort();
    const indexes = this.#db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`)
      .all(table) as { name: string }[];
    for (const { name } of indexes) {
      const info = this.#db.prepare(`PRAGMA index_info(${JSON.stringify(name)})`).all() as { name: string }[];
      const indexColumns = info.map((c) => c.name).sort();
      const unique = this.#db.prepare(`PRAGMA index_list(${JSON.stringify(table)})`).all() as {
        name: string;
        unique: number;
      }[];
      const isUnique = unique.some((u) => u.name === name && u.unique === 1);
      if (isUnique && indexColumns.join(',') === columns.join(',')) {
        return new SqlServerError(
          2601,
          14,
          `Cannot insert duplicate key row in object 'dbo.${table}' with unique index '${name}'.`,
        );
      }
    }
    return new SqlServerError(
      2627,
      14,
      `Violation of UNIQUE KEY constraint on (${columns.join(', ')}). Cannot insert duplicate key in object 'dbo.${table}'.`,
    );
  }
}

/** Only the parameters the statement names are bound (node:sqlite refuses unknown names). */
function bindParams(sql: string, params: Readonly<Record<string, unknown>>): Record<string, SQLInputValue> {
  const bound: Record<string, SQLInputValue> = {};
  for (const [, name] of sql.matchAll(/@([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (name === undefined || name in bound) continue;
    if (!(name in params)) throw new SqlServerError(137, 15, `Must declare the scalar variable "@${name}".`);
    bound[name] = toSqliteValue(params[name]);
  }
  return bound;
}

/** How SQL Server values are kept in SQLite: bits as 0/1, instants as ISO-8601 UTC text. */
function toSqliteValue(value: unknown): SQLInputValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value;
  throw new SqlServerError(8114, 16, `Error converting a parameter of type ${typeof value}.`);
}

const NVARCHAR_MAX = 65535;

/**
 * The SQL Server type a result column is sent as: the declared type of the column it comes from
 * (the DDL's own type names survive the rewrite), or for expressions the type of its values.
 */
function columnFor(name: string, declared: string | null, values: readonly unknown[]): ResultColumn {
  const type = (declared ?? '').toUpperCase().replace(/\s+/g, '');
  const size = /\((-?\d+)(?:,\d+)?\)/.exec(type)?.[1];
  const base = type.replace(/\(.*$/, '');
  switch (base) {
    case 'NVARCHAR':
    case 'VARCHAR':
    case 'NCHAR':
    case 'CHAR': {
      const n = size === undefined ? 1 : Number(size);
      return { name, type: TYPES.NVarChar, length: n < 0 || n > 4000 ? NVARCHAR_MAX : n };
    }
    case 'NTEXT':
    case 'TEXT':
      return { name, type: TYPES.NVarChar, length: NVARCHAR_MAX };
    case 'BIT':
      return { name, type: TYPES.Bit };
    case 'INT':
    case 'INTEGER':
      return { name, type: TYPES.Int };
    case 'SMALLINT':
      return { name, type: TYPES.SmallInt };
    case 'TINYINT':
      return { name, type: TYPES.TinyInt };
    case 'BIGINT':
      return { name, type: TYPES.BigInt };
    case 'DATETIME2':
      return { name, type: TYPES.DateTime2, scale: size === undefined ? 7 : Number(size) };
    case 'DATETIME':
      return { name, type: TYPES.DateTime };
    case 'DATETIMEOFFSET':
      return { name, type: TYPES.DateTimeOffset, scale: size === undefined ? 7 : Number(size) };
    case 'UNIQUEIDENTIFIER':
      return { name, type: TYPES.UniqueIdentifier };
    case 'VARBINARY':
      return {
        name,
        type: TYPES.VarBinary,
        length: size === undefined || Number(size) < 0 ? NVARCHAR_MAX : Number(size),
      };
    case '':
      return columnFromValues(name, values);
    default:
      throw new SqlServerError(50000, 16, `TDS test server: cannot send column type ${declared}`);
  }
}

function columnFromValues(name: string, values: readonly unknown[]): ResultColumn {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    const fitsInt = present.every((v) => Math.abs(v as number) <= 2_147_483_647);
    return { name, type: fitsInt ? TYPES.Int : TYPES.BigInt };
  }
  if (present.length > 0 && present.every((v) => typeof v === 'number' || typeof v === 'bigint')) {
    return present.some((v) => typeof v === 'bigint') ? { name, type: TYPES.BigInt } : { name, type: TYPES.Float };
  }
  if (present.some((v) => Buffer.isBuffer(v) || v instanceof Uint8Array)) {
    return { name, type: TYPES.VarBinary, length: NVARCHAR_MAX };
  }
  const longest = Math.max(0, ...present.map((v) => String(v).length));
  return { name, type: TYPES.NVarChar, length: longest > 4000 ? NVARCHAR_MAX : 4000 };
}

/** Converts a stored SQLite value to what tedious's writer for the column type expects. */
function toWireValue(column: ResultColumn | undefined, value: unknown): unknown {
  if (value === null || value === undefined || !column) return null;
  switch (column.type.name) {
    case 'Bit':
      return value === 1 || value === 1n || value === true || value === '1';
    case 'DateTime2':
    case 'DateTimeOffset':
    case 'DateTime': {
      const date = value instanceof Date ? value : new Date(String(value));
      if (Number.isNaN(date.getTime()))
        throw new SqlServerError(241, 16, 'Conversion failed when converting date and/or time from character string.');
      return date;
    }
    case 'NVarChar':
      return typeof value === 'string' ? value : String(value);
    case 'Int':
    case 'SmallInt':
    case 'TinyInt':
    case 'Float':
      return Number(value);
    case 'BigInt':
      return typeof value === 'bigint' ? value.toString() : String(value);
    default:
      return value;
  }
}
