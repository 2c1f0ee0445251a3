import { existsSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import type { DomainLogger } from '../../domain/deps';
import { IdentityError } from '../../domain/errors';
import {
  applicationMissing,
  membershipApplicationCheck,
  warnMissingApplication,
} from '../membership-application-check';
import { MIGRATION_MARKS_TABLE as MARKS } from '../migration-marks-table';
import { requiredTables } from '../profile-statements';
import { schemaMismatchError } from '../schema-mismatch';
import type { SchemaProfile } from '../schema-profile';
import { applySqliteSchema } from './init';
import { type OpenSqliteOptions, openSqliteDatabase } from './open-sqlite-database';
import { sqliteDialect } from './sqlite-dialect';
import { SqliteRepository, type SqliteRepositoryOptions } from './sqlite-repository';
import { SqliteStatementRunner } from './sqlite-statement-runner';
import { translateSqliteError } from './translate-error';

const q = sqliteDialect.quoteIdentifier;

/**
 * Opens the SQLite store at `path` for serving. The file and its tables must exist (made by
 * `legacy-identity db init`): serving never creates or changes a schema, except for `:memory:`,
 * which starts empty and is initialised in place. Raises IdentityError `unavailable` when the file
 * is missing or cannot be opened, and an Error naming what is missing when the tables do not match
 * the profile. aspnet-membership: logs a warning when APPLICATION_NAME matches no application while
 * aspnet_Applications holds others (every user would look absent).
 */
export function openSqliteRepository(
  path: string,
  options: SqliteRepositoryOptions & OpenSqliteOptions,
): SqliteRepository {
  if (path !== ':memory:' && !existsSync(path)) {
    throw new IdentityError(
      'unavailable',
      `SQLite store ${path} does not exist; create it with: legacy-identity db init`,
    );
  }
  const db = openSqliteDatabase(path);
  try {
    if (path === ':memory:') applySqliteSchema(db, { profile: options.profile });
    assertSchemaMatches(db, path, options.profile);
    checkApplication(db, options.profile, options.logger);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteRepository(db, options);
}

/** aspnet-membership: warns when APPLICATION_NAME matches no application while others exist. */
function checkApplication(db: DatabaseSync, profile: SchemaProfile, logger: DomainLogger): void {
  const check = membershipApplicationCheck(profile, sqliteDialect);
  if (!check || profile.kind !== 'membership') return;
  const runner = new SqliteStatementRunner(db);
  try {
    const counts = runner.get(check.counts);
    if (applicationMissing(counts)) {
      warnMissingApplication(logger, profile.applicationName, counts, runner.all(check.others));
    }
  } catch (error) {
    throw translateSqliteError(error, db, 'open');
  }
}

/** Prepares a query naming every mapped column, so a mismatch is reported at start-up, not per request. */
function assertSchemaMatches(db: DatabaseSync, path: string, profile: SchemaProfile): void {
  const checks = [
    ...requiredTables(profile).map(
      ({ table, columns }) => `SELECT ${columns.map((c) => q(c)).join(', ')} FROM ${q(table)} WHERE 0 = 1`,
    ),
    `SELECT ${[MARKS.userId, MARKS.migratedAt, MARKS.via].map((c) => q(c.name)).join(', ')} FROM ${q(MARKS.name)} WHERE 0 = 1`,
  ];
  for (const sql of checks) {
    try {
      db.prepare(sql);
    } catch (error) {
      const translated = translateSqliteError(error, db, 'open');
      if (translated.code === 'unavailable') throw translated; // locked or unreadable, not a mismatch
      throw schemaMismatchError(`SQLite store ${path}`, profile.name, error);
    }
  }
}
