import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { MIGRATION_MARKS_TABLE as MARKS } from '../migration-marks-table';
import { legacyDdl as profileLegacyDdl, type SchemaProfile, sideDdl } from '../schema-profile';
import { openSqliteDatabase } from './open-sqlite-database';
import { sqliteDialect } from './sqlite-dialect';
import { SQLITE_LOCK_WAIT_MAX_MS } from './sqlite-statement-runner';
import { translateSqliteError } from './translate-error';

const q = sqliteDialect.quoteIdentifier;

/** The adapter's side table on SQLite: instants as ISO-8601 text, which sorts chronologically. */
const MIGRATION_MARKS_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${q(MARKS.name)} (
  ${q(MARKS.userId.name)} TEXT NOT NULL PRIMARY KEY,
  ${q(MARKS.migratedAt.name)} TEXT NOT NULL,
  ${q(MARKS.via.name)} TEXT NOT NULL
)`,
  // purge --migrated-before scans marks by age.
  `CREATE INDEX IF NOT EXISTS ${q(`IX_${MARKS.name}_${MARKS.migratedAt.name}`)} ON ${q(MARKS.name)} (${q(MARKS.migratedAt.name)})`,
];

export interface SqliteSchemaOptions {
  readonly profile: SchemaProfile;
  /**
   * Also create the profile's own tables where missing (default true: on the embedded store the
   * default profile's Users table *is* the store). False creates only the adapter's side table,
   * for a database whose legacy tables already exist.
   */
  readonly createLegacyTables?: boolean;
}

export interface InitResult {
  /** Tables that did not exist before and were created, in creation order. */
  readonly created: readonly string[];
}

/**
 * What `legacy-identity db init` does on SQLite: creates the file's folder, then every missing table
 * and index, in one transaction. Only `CREATE … IF NOT EXISTS`: existing tables, their extra columns
 * and their rows are never dropped or altered. Raises an IdentityError (`unavailable` when the file
 * cannot be opened or is locked) or an Error when the profile has no SQLite DDL.
 */
export function initSqliteStore(path: string, options: SqliteSchemaOptions): InitResult {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
  }
  // A command run before serving: waiting synchronously for another connection's lock blocks no one.
  const db = openSqliteDatabase(path, SQLITE_LOCK_WAIT_MAX_MS);
  try {
    return applySqliteSchema(db, options);
  } finally {
    db.close();
  }
}

/**
 * Creates what is missing in an open database (init, and `sqlite::memory:` stores): the profile's
 * tables (unless told not to), the adapter's side tables of the profile (aspnet-membership's
 * email-verified table), and the migration marks.
 */
export function applySqliteSchema(db: DatabaseSync, options: SqliteSchemaOptions): InitResult {
  const statements = [...legacyDdl(options), ...sideDdl(options.profile, 'sqlite'), ...MIGRATION_MARKS_DDL];
  try {
    const before = tableNames(db);
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const sql of statements) db.exec(sql);
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
    return { created: tableNames(db).filter((name) => !before.includes(name)) };
  } catch (error) {
    throw translateSqliteError(error, db, 'init');
  }
}

function legacyDdl(options: SqliteSchemaOptions): readonly string[] {
  if (options.createLegacyTables === false) return [];
  const ddl = profileLegacyDdl(options.profile, 'sqlite');
  if (!ddl) {
    throw new Error(`schema profile ${options.profile.name} has no SQLite DDL: its tables must already exist`);
  }
  return ddl;
}

function tableNames(db: DatabaseSync): string[] {
  const rows = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid`).all();
  return rows.map((row) => String(row.name));
}
