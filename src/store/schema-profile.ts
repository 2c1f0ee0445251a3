/**
 * A schema profile maps the domain's user onto real tables. It is plain data, validated once when
 * it is loaded (identifiers checked against a strict pattern, see sql-identifier.ts) and never
 * touched by request data: requests only ever supply parameter *values*.
 *
 * The same profile serves every store: statements are built from it for one SQL dialect
 * (users-table-statements.ts with sqlite/sqlite-dialect.ts now, an mssql dialect later), so a
 * profile never contains SQL of its own except the DDL that creates its tables for demos and tests.
 *
 * Extending (issue 6): the unions below are closed on purpose. Adding a member (a profile `kind`, a
 * `CaseInsensitiveMatch` kind, an `idGeneration`) makes the compiler point at every switch that must
 * handle it.
 * - `aspnet-identity`: another `UsersTableProfile` over `AspNetUsers`, with
 *   `email.match = { kind: 'normalized', column: NormalizedEmail, fold: 'upper' }` (same for the
 *   user name), stamp columns refreshed on password and email change, lockout feeding `canLogin`,
 *   and NOT NULL legacy columns given insert defaults.
 * - `aspnet-membership`: a second profile kind (`MembershipProfile`) spanning aspnet_Applications /
 *   aspnet_Users / aspnet_Membership, with its own statement builder; write operations are already
 *   lists of statements run in one transaction, so multi-table inserts and deletes fit.
 * - custom JSON: parsed into a `UsersTableProfile` and passed through `assertValidProfile`.
 */
export type SchemaProfile = UsersTableProfile;

/** The SQL dialects a profile's statements and DDL are produced for. */
export type DialectName = 'sqlite' | 'mssql';

/**
 * What a column holds: enough to write DDL and to type SQL Server parameters (NVARCHAR of the
 * column's own length rather than a guess).
 */
export type ColumnType =
  /** Unicode text: NVARCHAR(n) / NVARCHAR(MAX) on SQL Server, TEXT on SQLite. */
  | { readonly kind: 'text'; readonly maxLength: number | 'max' }
  /** BIT on SQL Server, INTEGER 0/1 on SQLite. */
  | { readonly kind: 'bool' }
  /** UTC instant: DATETIME2 on SQL Server, ISO-8601 text on SQLite. */
  | { readonly kind: 'timestamp' };

export interface Column {
  /** A plain identifier (letters, digits, underscore); quoted by the dialect. */
  readonly name: string;
  readonly type: ColumnType;
}

/** How a lookup value meets a column case-insensitively. */
export type CaseInsensitiveMatch =
  /**
   * The comparison itself ignores case: `COLLATE NOCASE` on SQLite (ASCII letters only), the
   * column's *_CI_* collation on SQL Server.
   */
  { readonly kind: 'collation' };

/** Optional profile fields of Auth0's normalised profile that a table may hold. */
export const PROFILE_FIELDS = ['name', 'givenName', 'familyName', 'nickname', 'picture'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

/** A profile whose users live in one table, one row per user. */
export interface UsersTableProfile {
  readonly kind: 'users-table';
  /** `default`, `aspnet-identity`, or the JSON file's own name; shown in logs and errors. */
  readonly name: string;
  /** The table, optionally schema-qualified (`dbo.Users`); each part a plain identifier. */
  readonly table: string;
  /**
   * The primary key, the user's stable `user_id` as text. `uuid`: the adapter generates
   * `crypto.randomUUID()` (lower-case) on insert.
   */
  readonly id: { readonly column: Column; readonly idGeneration: 'uuid' };
  readonly email: { readonly column: Column; readonly match: CaseInsensitiveMatch };
  /** Null when the table has no user name; logins are then by email only. */
  readonly username: { readonly column: Column; readonly match: CaseInsensitiveMatch } | null;
  /** The stored hash; compared byte for byte in compare-and-set. */
  readonly passwordHash: Column;
  readonly emailVerified: Column;
  /** Columns holding the optional profile fields; absent fields are not read. */
  readonly profile: { readonly [K in ProfileField]?: Column };
  /** Text columns holding a JSON object each, or null when the table has none. */
  readonly userMetadata: Column | null;
  readonly appMetadata: Column | null;
  /** Set on insert (both) and on every change (updatedAt), or null when the table keeps none. */
  readonly timestamps: { readonly createdAt: Column; readonly updatedAt: Column } | null;
  /**
   * DDL creating the profile's tables where missing, per dialect (`CREATE TABLE IF NOT EXISTS` or
   * `IF OBJECT_ID(...) IS NULL`), for the embedded store and for demos. It never alters an existing
   * table. A profile without DDL for a dialect can only map tables that already exist.
   */
  readonly ddl: { readonly [D in DialectName]?: readonly string[] };
}

/** Every column a users-table profile maps, for validation and schema checks. */
export function mappedColumns(profile: UsersTableProfile): readonly Column[] {
  const columns: Column[] = [profile.id.column, profile.email.column, profile.passwordHash, profile.emailVerified];
  if (profile.username) columns.push(profile.username.column);
  for (const field of PROFILE_FIELDS) {
    const column = profile.profile[field];
    if (column) columns.push(column);
  }
  if (profile.userMetadata) columns.push(profile.userMetadata);
  if (profile.appMetadata) columns.push(profile.appMetadata);
  if (profile.timestamps) columns.push(profile.timestamps.createdAt, profile.timestamps.updatedAt);
  return columns;
}
