import type { DialectName } from './schema-profile';

/**
 * The few places where SQLite and T-SQL spell the same statement differently. Statements are built
 * from a schema profile through one of these, so a profile works on every store. Identifiers reach
 * these functions only after validation (sql-identifier.ts); values only ever travel as parameters.
 */
export interface SqlDialect {
  readonly name: DialectName;
  /** Quotes a validated identifier, or each part of `schema.table`. */
  quoteIdentifier(name: string): string;
  /** The placeholder of a named parameter (`@email`). */
  param(name: string): string;
  /** `column = parameter`, ignoring letter case. */
  equalsIgnoreCase(column: string, param: string): string;
  /** `column = parameter`, comparing exact characters whatever the column's collation (hash compare-and-set). */
  equalsExactly(column: string, param: string): string;
  /**
   * `left < right` for two instants (timestamp columns or parameters); NULL (or, on SQLite, text that
   * is not a date) when either is. SQLite keeps instants as text in more than one spelling (legacy
   * `2030-01-01 00:00:00`, EF Core's `+00:00`, the adapter's ISO-8601 `Z`), so it compares them as dates.
   */
  instantBefore(left: string, right: string): string;
  /**
   * Optional table hint placed after the table in the `NOT EXISTS (SELECT 1 FROM t <hint> WHERE …)`
   * guards of a write: those that keep emails unique where the legacy table has no unique index on
   * them (ASP.NET Identity and Membership do not), and the "no migration mark" condition
   * (migration-mark-guard.ts). SQL Server: `WITH (UPDLOCK, HOLDLOCK)` makes the check and the write
   * atomic against a concurrent insert; SQLite needs none (BEGIN IMMEDIATE serialises writers).
   */
  readonly uniquenessCheckHint?: string;
}

/** Parameter values as statements carry them; each adapter converts to its driver's types. */
export type SqlValue = string | number | boolean | Date | null;
