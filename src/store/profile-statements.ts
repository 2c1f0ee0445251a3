import { membershipStatements } from './membership-statements';
import { MEMBERSHIP_COLUMNS } from './profiles/aspnet-membership-profile';
import { mappedColumns, type RequiredTable, type SchemaProfile } from './schema-profile';
import type { SqlDialect } from './sql-dialect';
import { type UserStatements, usersTableStatements } from './users-table-statements';

/** The statements of any profile for a dialect: what every store adapter runs. */
export function profileStatements(profile: SchemaProfile, dialect: SqlDialect): UserStatements {
  const kind = profile.kind;
  switch (kind) {
    case 'users-table':
      return usersTableStatements(profile, dialect);
    case 'membership':
      return membershipStatements(profile, dialect);
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown profile kind ${String(unreachable)}`);
    }
  }
}

/**
 * The tables and columns a profile reads or writes, so that a store can refuse a database that does
 * not match at start-up (one `SELECT … WHERE 1 = 0` per table) rather than failing per request.
 */
export function requiredTables(profile: SchemaProfile): readonly RequiredTable[] {
  const kind = profile.kind;
  switch (kind) {
    case 'users-table': {
      const names = new Set(
        [...mappedColumns(profile), ...profile.insertDefaults.map((d) => d.column)].map((c) => c.name),
      );
      return [{ table: profile.table, columns: [...names] }];
    }
    case 'membership': {
      const names = (columns: object) => Object.values(columns).map((c: { name: string }) => c.name);
      return [
        { table: profile.tables.applications, columns: names(MEMBERSHIP_COLUMNS.applications) },
        { table: profile.tables.users, columns: names(MEMBERSHIP_COLUMNS.users) },
        { table: profile.tables.membership, columns: names(MEMBERSHIP_COLUMNS.membership) },
        { table: profile.tables.emailVerified, columns: names(MEMBERSHIP_COLUMNS.emailVerified) },
      ];
    }
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown profile kind ${String(unreachable)}`);
    }
  }
}
