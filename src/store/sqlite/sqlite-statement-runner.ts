import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { SqlValue } from '../sql-dialect';
import type { Row } from '../user-row';
import type { BoundStatement } from '../users-table-statements';

/**
 * Runs BoundStatements on one open node:sqlite database, for the repository and the migration admin:
 * each SQL text is prepared once and kept, parameters are converted as the SQLite DDL stores them.
 * Driver errors propagate untranslated; the caller translates them (translate-error.ts).
 */
export class SqliteStatementRunner {
  readonly #db: DatabaseSync;
  readonly #prepared = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** The statement for `sql`, prepared on first use. */
  prepare(sql: string): StatementSync {
    let statement = this.#prepared.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#prepared.set(sql, statement);
    }
    return statement;
  }

  get(statement: BoundStatement): Row | undefined {
    return this.prepare(statement.sql).get(toSqliteParams(statement)) as Row | undefined;
  }

  all(statement: BoundStatement): Row[] {
    return this.prepare(statement.sql).all(toSqliteParams(statement)) as Row[];
  }

  /** Runs one statement; the number of rows it changed. */
  run(statement: BoundStatement): number {
    return Number(this.prepare(statement.sql).run(toSqliteParams(statement)).changes);
  }

  /**
   * Runs `work` in one `BEGIN IMMEDIATE` transaction (other connections see all of it or nothing):
   * committed when it returns, rolled back when it throws.
   */
  transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.isOpen && this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Forgets the prepared statements (before the database is closed). */
  clear(): void {
    this.#prepared.clear();
  }
}

/** Booleans become 0/1 and instants ISO-8601 text, as the SQLite DDL stores them. */
function toSqliteValue(value: SqlValue): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  return value;
}

function toSqliteParams(statement: BoundStatement): Record<string, SQLInputValue> {
  const params: Record<string, SQLInputValue> = {};
  for (const [name, param] of Object.entries(statement.params)) params[name] = toSqliteValue(param.value);
  return params;
}
