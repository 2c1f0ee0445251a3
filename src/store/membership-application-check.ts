import type { DomainLogger } from '../domain/deps';
import { foldCase } from './case-fold';
import { MEMBERSHIP_COLUMNS } from './profiles/aspnet-membership-profile';
import type { SchemaProfile } from './schema-profile';
import type { SqlDialect } from './sql-dialect';
import { type Row, toText } from './user-row';
import type { BoundStatement } from './users-table-statements';

/**
 * How many of the other applications the start-up warning names. Application names are settings
 * (`/`, `/Shop`), not secrets, and the operator needs one of them to fix APPLICATION_NAME; a few are
 * enough, and they keep the line short whatever the table holds.
 */
export const NAMED_OTHER_APPLICATIONS = 5;

/** The two queries of the check: counts first, then (only when it is needed) a few other names. */
export interface ApplicationCheck {
  /** One row: `total` applications, `configured` (0 or 1) rows of APPLICATION_NAME. */
  readonly counts: BoundStatement;
  /** Up to NAMED_OTHER_APPLICATIONS rows `name`: the other applications, in name order. */
  readonly others: BoundStatement;
}

/**
 * The start-up check of APPLICATION_NAME for the aspnet-membership profile; null for other profiles.
 * Membership confines every statement to one application, so a name that matches no
 * aspnet_Applications row makes every user look absent (not found, wrong password) with no other
 * hint. The adapters run it when a repository opens (counts; then, when applicationMissing, the
 * names) and log warnMissingApplication.
 */
export function membershipApplicationCheck(profile: SchemaProfile, dialect: SqlDialect): ApplicationCheck | null {
  if (profile.kind !== 'membership') return null;
  const q = dialect.quoteIdentifier;
  const A = MEMBERSHIP_COLUMNS.applications;
  const apps = q(profile.tables.applications);
  const lowered = q(A.loweredApplicationName.name);
  const params = {
    application: { value: foldCase(profile.applicationName, 'lower'), type: A.loweredApplicationName.type },
  };
  const select = `${q(A.applicationName.name)} AS ${q('name')}`;
  const rest = `FROM ${apps} WHERE ${lowered} <> ${dialect.param('application')} ORDER BY ${lowered}`;
  const name = dialect.name;
  let others: string;
  switch (name) {
    case 'sqlite':
      others = `SELECT ${select} ${rest} LIMIT ${NAMED_OTHER_APPLICATIONS}`;
      break;
    case 'mssql':
      others = `SELECT TOP (${NAMED_OTHER_APPLICATIONS}) ${select} ${rest}`;
      break;
    default: {
      const unreachable: never = name;
      throw new Error(`unsupported dialect ${String(unreachable)}`);
    }
  }
  return {
    counts: {
      sql:
        `SELECT COUNT(*) AS ${q('total')}, ` +
        `COUNT(CASE WHEN ${lowered} = ${dialect.param('application')} THEN 1 END) AS ${q('configured')} FROM ${apps}`,
      params,
    },
    others: { sql: others, params },
  };
}

/**
 * True when APPLICATION_NAME has no row but other applications exist (the counts row). An empty table
 * is a new database: the first sign-up creates the row.
 */
export function applicationMissing(counts: Row | undefined): boolean {
  return Number(counts?.configured ?? 0) === 0 && Number(counts?.total ?? 0) > 0;
}

/**
 * The start-up warning for a missing application (applicationMissing): names the configured
 * application, how many others there are and the first few of their names (`others`' rows).
 */
export function warnMissingApplication(
  logger: DomainLogger,
  applicationName: string,
  counts: Row | undefined,
  others: readonly Row[],
): void {
  const total = Number(counts?.total ?? 0);
  const names = others.map((row) => toText(row.name)).filter((n): n is string => n !== undefined);
  logger.warn(
    {
      event: 'store_application_missing',
      application: applicationName,
      other_applications: total,
      other_application_names: names,
    },
    `APPLICATION_NAME "${applicationName}" has no row in aspnet_Applications, which holds ${total} other application${total === 1 ? '' : 's'}: every user will look absent (not found, wrong password). Set APPLICATION_NAME to the application the users belong to`,
  );
}
