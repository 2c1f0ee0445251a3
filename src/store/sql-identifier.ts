import { mappedColumns, type SchemaProfile } from './schema-profile';

/**
 * A table or column name a profile may use: a letter or underscore, then letters, digits and
 * underscores, at most 128 characters (SQL Server's sysname). Anything else is refused when the
 * profile is loaded, so quoting can never be broken out of, whatever a JSON profile contains.
 */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export function isValidIdentifier(name: string): boolean {
  return IDENTIFIER_PATTERN.test(name);
}

/** `Users` or `dbo.Users`: one or two identifiers. */
export function tableNameParts(table: string): readonly string[] {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every(isValidIdentifier)) {
    throw new Error(`invalid table name "${table}": expected name or schema.name of letters, digits and underscores`);
  }
  return parts;
}

/**
 * Throws an Error naming the profile and the offending identifier when a name is not a plain
 * identifier or a column is mapped twice. Run once when a profile is loaded.
 */
export function assertValidProfile(profile: SchemaProfile): void {
  const fail = (reason: string): never => {
    throw new Error(`schema profile ${profile.name}: ${reason}`);
  };
  try {
    tableNameParts(profile.table);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const seen = new Set<string>();
  for (const column of mappedColumns(profile)) {
    if (!isValidIdentifier(column.name)) {
      fail(`invalid column name "${column.name}": expected letters, digits and underscores`);
    }
    const key = column.name.toLowerCase();
    if (seen.has(key)) fail(`column "${column.name}" is mapped twice`);
    seen.add(key);
    if (column.type.kind === 'text' && column.type.maxLength !== 'max') {
      const n = column.type.maxLength;
      if (!Number.isInteger(n) || n < 1 || n > 4000) fail(`column "${column.name}": text length must be 1–4000 or max`);
    }
  }
}
