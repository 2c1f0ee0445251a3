import type { SqlDialect } from '../sql-dialect';
import { isValidIdentifier, tableNameParts } from '../sql-identifier';

/**
 * The binary collation that makes `=` compare exact UTF-16 code units whatever the column's own
 * collation (available since SQL Server 2008), for the password-hash compare-and-set.
 */
export const MSSQL_BINARY_COLLATION = 'Latin1_General_100_BIN2';

function bracket(part: string): string {
  // Validated identifiers never contain `]`; refusing here keeps that true if a caller forgets.
  if (!isValidIdentifier(part)) throw new Error(`refusing to quote invalid identifier "${part}"`);
  return `[${part}]`;
}

/**
 * T-SQL: bracket-quoted identifiers (each part of `dbo.Users`), `@name` parameters (sent through
 * sp_executesql), case-insensitive equality through the column's own *_CI_* collation (so indexes on
 * the column still serve the lookup), exact equality through a binary collation.
 */
export const mssqlDialect: SqlDialect = {
  name: 'mssql',
  quoteIdentifier: (name) => tableNameParts(name).map(bracket).join('.'),
  param: (name) => `@${name}`,
  equalsIgnoreCase: (column, param) => `${column} = ${param}`,
  equalsExactly: (column, param) => `${column} = ${param} COLLATE ${MSSQL_BINARY_COLLATION}`,
  instantBefore: (left, right) => `${left} < ${right}`,
  uniquenessCheckHint: 'WITH (UPDLOCK, HOLDLOCK)',
};
