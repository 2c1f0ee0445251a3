import type { SqlDialect } from '../sql-dialect';
import { isValidIdentifier, tableNameParts } from '../sql-identifier';

function quote(part: string): string {
  // Validated identifiers never contain a quote; refusing here keeps that true if a caller forgets.
  if (!isValidIdentifier(part)) throw new Error(`refusing to quote invalid identifier "${part}"`);
  return `"${part}"`;
}

/**
 * SQLite: standard double-quoted identifiers, `@name` parameters, `COLLATE NOCASE` for
 * case-insensitive comparison (it folds ASCII letters only: `É` and `é` differ), `COLLATE BINARY`
 * for exact comparison.
 */
export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  quoteIdentifier: (name) => tableNameParts(name).map(quote).join('.'),
  param: (name) => `@${name}`,
  equalsIgnoreCase: (column, param) => `${column} = ${param} COLLATE NOCASE`,
  equalsExactly: (column, param) => `${column} = ${param} COLLATE BINARY`,
  instantBefore: (left, right) => `julianday(${left}) < julianday(${right})`,
};
