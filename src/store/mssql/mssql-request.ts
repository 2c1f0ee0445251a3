import sql from 'mssql';
import type { ColumnType } from '../schema-profile';
import type { SqlValue } from '../sql-dialect';
import type { Row } from '../user-row';
import type { BoundStatement } from '../users-table-statements';

/**
 * mssql ≥ 12.7 takes per-request overrides (`new Request(parent, { requestTimeout })`), which is how
 * the caller's remaining deadline reaches tedious; @types/mssql does not declare them yet.
 */
type RequestConstructor = new (
  parent: sql.ConnectionPool | sql.Transaction,
  overrides: { requestTimeout: number },
) => sql.Request;

/** A request on a pool or transaction whose timeout is `timeoutMs` (at least 1 ms; 0 would mean none). */
export function newRequest(parent: sql.ConnectionPool | sql.Transaction, timeoutMs: number): sql.Request {
  const Request = sql.Request as unknown as RequestConstructor;
  return new Request(parent, { requestTimeout: Math.max(1, Math.floor(timeoutMs)) });
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The parameter type of a column: NVARCHAR of the column's own length (so SQL Server compares
 * without converting the column and can seek its index), BIT, DATETIME2(3), INT, UNIQUEIDENTIFIER.
 */
export function sqlTypeOf(type: ColumnType): sql.ISqlType {
  const kind = type.kind;
  switch (kind) {
    case 'text':
      return sql.NVarChar(type.maxLength === 'max' ? sql.MAX : type.maxLength);
    case 'bool':
      return sql.Bit();
    case 'timestamp':
      return sql.DateTime2(3);
    case 'int':
      return sql.Int();
    case 'guid':
      return sql.UniqueIdentifier();
    default: {
      const unreachable: never = kind;
      throw new Error(`unsupported column type ${String(unreachable)}`);
    }
  }
}

/** A value as the column's parameter type takes it; a non-GUID for a GUID column matches nothing (NULL). */
export function sqlValueOf(type: ColumnType, value: SqlValue): unknown {
  if (value === null) return null;
  switch (type.kind) {
    case 'text':
      return typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : String(value);
    case 'guid':
      return typeof value === 'string' && GUID.test(value) ? value.toLowerCase() : null;
    case 'int':
      return typeof value === 'number' ? value : Number(value);
    default:
      return value;
  }
}

/** Binds a statement's parameters with their column types onto a request. */
export function bindStatement(request: sql.Request, statement: BoundStatement): sql.Request {
  for (const [name, param] of Object.entries(statement.params)) {
    request.input(name, sqlTypeOf(param.type), sqlValueOf(param.type, param.value));
  }
  return request;
}

/** Runs one BoundStatement on a pool or within a transaction. */
export type Query = (statement: BoundStatement) => Promise<sql.IResult<Row>>;

/** A Query on a pool or transaction, each request bounded by `timeoutMs` (see newRequest). */
export function queryOn(parent: sql.ConnectionPool | sql.Transaction, timeoutMs: number): Query {
  return (statement) => bindStatement(newRequest(parent, timeoutMs), statement).query<Row>(statement.sql);
}

/** Runs `work` in one transaction on `pool`: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(
  pool: sql.ConnectionPool,
  timeoutMs: number,
  work: (query: Query) => Promise<T>,
): Promise<T> {
  const transaction = new sql.Transaction(pool);
  await transaction.begin();
  try {
    const result = await work(queryOn(transaction, timeoutMs));
    await transaction.commit();
    return result;
  } catch (error) {
    // Already rolled back when the server aborted it (a deadlock victim); nothing to undo then.
    await transaction.rollback().catch(() => undefined);
    throw error;
  }
}

/** The rows the last statement of a request changed. */
export function lastCount(result: sql.IResult<unknown>): number {
  return result.rowsAffected.at(-1) ?? 0;
}
