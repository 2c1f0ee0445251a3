/**
 * A schema profile maps the domain's user onto real tables. It is plain data, validated once when
 * it is loaded (identifiers checked against a strict pattern, see sql-identifier.ts) and never
 * touched by request data: requests only ever supply parameter *values*.
 *
 * The same profile serves every store: statements are built from it for one SQL dialect
 * (profile-statements.ts → users-table-statements.ts or membership-statements.ts, with
 * sqlite/sqlite-dialect.ts or the mssql dialect), so a profile never contains SQL of its own except
 * the DDL that creates its tables for demos and tests.
 *
 * The unions below are closed on purpose: adding a member (a profile `kind`, a `CaseInsensitiveMatch`
 * kind, a column type, a stamp generation) makes the compiler point at every switch that must handle it.
 * - `default` and custom JSON profiles: `UsersTableProfile`, one row per user in one table.
 * - `aspnet-identity`: a `UsersTableProfile` over `AspNetUsers` with normalized (upper-cased) lookup
 *   columns, security and concurrency stamps, lockout columns and insert defaults.
 * - `aspnet-membership`: a `MembershipProfile` spanning aspnet_Applications / aspnet_Users /
 *   aspnet_Membership, with its own statement builder (membership-statements.ts).
 */
export type SchemaProfile = UsersTableProfile | MembershipProfile;

/** The SQL dialects a profile's statements and DDL are produced for. */
export type DialectName = 'sqlite' | 'mssql';

/** DDL statements per dialect; a profile without DDL for a dialect can only map tables that already exist. */
export type ProfileDdl = { readonly [D in DialectName]?: readonly string[] };

/**
 * What a column holds: enough to write DDL and to type SQL Server parameters (NVARCHAR of the
 * column's own length rather than a guess).
 */
export type ColumnType =
  /** Unicode text: NVARCHAR(n) / NVARCHAR(MAX) on SQL Server, TEXT on SQLite. */
  | { readonly kind: 'text'; readonly maxLength: number | 'max' }
  /** BIT on SQL Server, INTEGER 0/1 on SQLite. */
  | { readonly kind: 'bool' }
  /**
   * A UTC instant: DATETIME2 on SQL Server (legacy DATETIME and DATETIMEOFFSET columns accept it),
   * ISO-8601 text on SQLite.
   */
  | { readonly kind: 'timestamp' }
  /** INT on SQL Server, INTEGER on SQLite. */
  | { readonly kind: 'int' }
  /**
   * UNIQUEIDENTIFIER on SQL Server, TEXT on SQLite. Values travel as lower-case GUID text; a value that
   * is not a GUID is sent as NULL (it matches nothing) rather than failing the conversion.
   */
  | { readonly kind: 'guid' };

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
  | { readonly kind: 'collation' }
  /**
   * A second column holds the value folded the way the legacy application folds it (ASP.NET Identity's
   * `NormalizedEmail` = upper-cased, see case-fold.ts); lookups compare the folded value with it
   * exactly, and every write keeps it in step with the displayed column.
   */
  | { readonly kind: 'normalized'; readonly column: Column; readonly fold: CaseFold };

export type CaseFold = 'upper' | 'lower';

/** Optional profile fields of Auth0's normalised profile that a table may hold. */
export const PROFILE_FIELDS = ['name', 'givenName', 'familyName', 'nickname', 'picture'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

/** A column given a fresh random value whenever the user's row changes in the way `refresh` says. */
export interface Stamp {
  readonly column: Column;
  /**
   * `credentials`: on insert, password change and email change (ASP.NET Identity's SecurityStamp,
   * which signs the user's other sessions out), but not on a rehash at login, which Identity does
   * not stamp either. `every-change`: on insert and on every write (Identity's ConcurrencyStamp).
   */
  readonly refresh: 'credentials' | 'every-change';
  /** `uuid`: lower-case GUID text. `base32`: 20 random bytes in RFC 4648 base32 (Identity's own stamps). */
  readonly generation: 'uuid' | 'base32';
}

/** A constant written on insert to a NOT NULL legacy column the profile does not otherwise write. */
export interface InsertDefault {
  readonly column: Column;
  readonly value: string | number | boolean | null;
}

/**
 * Columns through which a legacy schema refuses sign-in, and where it keeps its failed attempts; each
 * is optional. A user who may not sign in is refused exactly like a wrong password (StoredUser.canLogin).
 * The four gates are only read, unless LEGACY_LOCKOUT is on: then a failed attempt is counted in
 * `accessFailedCount` and a lockout is written to `lockoutEnd` (timed, as ASP.NET Identity) or, without
 * one, to `lockedOut` (until an administrator unlocks, as Membership); see users-table-statements.ts.
 */
export interface SignInColumns {
  /** Must be true (Membership IsApproved). */
  readonly approved?: Column;
  /** Must be false (Membership IsLockedOut). */
  readonly lockedOut?: Column;
  /** Sign-in refused while this instant is now or later (Identity LockoutEnd; NULL: not locked out). */
  readonly lockoutEnd?: Column;
  /** When mapped, lockoutEnd counts only where this is true (Identity LockoutEnabled). */
  readonly lockoutEnabled?: Column;
  /** `int`: failed attempts since the last sign-in or lockout (Identity AccessFailedCount); LEGACY_LOCKOUT needs it. */
  readonly accessFailedCount?: Column;
  /**
   * `timestamp`: when the latest failed attempt was; a failure more than LEGACY_LOCKOUT_WINDOW after it
   * starts the count again at 1 (Membership FailedPasswordAttemptWindowStart). Without it failures
   * count however far apart they are (Identity).
   */
  readonly failedAttemptWindowStart?: Column;
  /** `timestamp`: set to now on every sign-in (Membership LastLoginDate). */
  readonly lastLoginAt?: Column;
  /** `timestamp`: set to now when a failed attempt locks the account (Membership LastLockoutDate). */
  readonly lastLockoutAt?: Column;
}

/** The SignInColumns keys, in the order the JSON format lists them. */
export const SIGN_IN_KEYS = [
  'approved',
  'lockedOut',
  'lockoutEnabled',
  'lockoutEnd',
  'accessFailedCount',
  'failedAttemptWindowStart',
  'lastLoginAt',
  'lastLockoutAt',
] as const satisfies readonly (keyof SignInColumns)[];

/** A user name column and how it is compared. */
export interface UsernameMapping {
  readonly column: Column;
  readonly match: CaseInsensitiveMatch;
  /**
   * The ASP.NET convention that the user name *is* the email unless one was chosen: an insert without
   * a user name stores the email there; a user name equal to the email (as the profile compares them)
   * is reported as no user name; and a change of email carries such a user name along, as ASP.NET
   * Identity's own UI does (ConfirmEmailChange sets both).
   */
  readonly emailByDefault: boolean;
}

/** A profile whose users live in one table, one row per user. */
export interface UsersTableProfile {
  readonly kind: 'users-table';
  /** `default`, `aspnet-identity`, or the JSON file's own name; shown in logs and errors. */
  readonly name: string;
  /** The table, optionally schema-qualified (`dbo.Users`); each part a plain identifier. */
  readonly table: string;
  /**
   * The primary key, the user's stable `user_id` as text. `uuid`: the adapter generates
   * `crypto.randomUUID()` (lower-case, as .NET's Guid.ToString()) on insert.
   */
  readonly id: { readonly column: Column; readonly idGeneration: 'uuid' };
  readonly email: { readonly column: Column; readonly match: CaseInsensitiveMatch };
  /** Null when the table has no user name; logins are then by email only. */
  readonly username: UsernameMapping | null;
  /** The stored hash; compared byte for byte in compare-and-set. */
  readonly passwordHash: Column;
  /**
   * Optional: the column holding a password's salt where the legacy table keeps it apart from the hash
   * (salted digests, Membership-style base64 salts). Read into StoredPassword.salt (NULL or empty: no
   * salt); written from the password on insert and on every password change, so a new scrypt hash
   * leaves it NULL; compared with the hash in the rehash compare-and-set.
   */
  readonly passwordSalt?: Column;
  /** Optional: how a row's password format is known besides the hash's shape (absent: by shape alone). */
  readonly passwordFormat?: PasswordFormatMapping;
  readonly emailVerified: Column;
  /** Columns holding the optional profile fields; absent fields are not read. */
  readonly profile: { readonly [K in ProfileField]?: Column };
  /** Text columns holding a JSON object each, or null when the table has none (metadata is then not stored). */
  readonly userMetadata: Column | null;
  readonly appMetadata: Column | null;
  /** Set on insert (both) and on every change (updatedAt), or null when the table keeps none. */
  readonly timestamps: { readonly createdAt: Column; readonly updatedAt: Column } | null;
  readonly stamps: readonly Stamp[];
  readonly insertDefaults: readonly InsertDefault[];
  readonly signIn: SignInColumns;
  /**
   * DDL creating the profile's tables where missing, per dialect (`CREATE TABLE IF NOT EXISTS` or
   * `IF OBJECT_ID(...) IS NULL`), for the embedded store and for demos. It never alters an existing
   * table.
   */
  readonly ddl: ProfileDdl;
}

/**
 * Where a users-table profile finds the format of a stored password, as a format spec
 * (passwords/format-spec.ts: `salted-sha256;salt_position=suffix;encoding=utf16le`):
 * - `fixed`: every legacy row has this format (validated when the profile is loaded). Rows holding the
 *   adapter's own scrypt hashes (new users, password changes, rehash on login) announce themselves and
 *   are read as `scrypt` instead.
 * - `column`: a text column holds each row's spec; NULL, empty or a value naming no known format falls
 *   back to detection by shape. Written from the password on insert and password change (`scrypt` for
 *   the adapter's own hashes).
 */
export type PasswordFormatMapping =
  | { readonly kind: 'fixed'; readonly spec: string }
  | { readonly kind: 'column'; readonly column: Column };

/** The three tables of ASP.NET Membership (SqlMembershipProvider), plus the adapter's own side table. */
export interface MembershipTables {
  readonly applications: string;
  readonly users: string;
  readonly membership: string;
  /**
   * The adapter's side table holding `email_verified`, which Membership has no column for (IsApproved is
   * a sign-in gate, not a verification flag). Created by every `db init`, like the migration marks.
   */
  readonly emailVerified: string;
}

/**
 * ASP.NET Membership: users of one application (APPLICATION_NAME) across aspnet_Applications,
 * aspnet_Users and aspnet_Membership; column names are Membership's own (profiles/aspnet-membership-profile.ts).
 */
export interface MembershipProfile {
  readonly kind: 'membership';
  readonly name: string;
  readonly tables: MembershipTables;
  /** Membership's ApplicationName; compared by its lower-cased form, as Membership does. */
  readonly applicationName: string;
  /**
   * The password format name (passwords/) for each PasswordFormat code: 0 clear, 1 hashed with the
   * site's configured algorithm (MEMBERSHIP_HASH_ALGORITHM), 2 encrypted. Resolved when the profile is loaded.
   */
  readonly passwordFormats: { readonly clear: string; readonly hashed: string; readonly encrypted: string };
  /** Legacy tables, created only where missing (db init on SQLite, --create-legacy-schema). */
  readonly ddl: ProfileDdl;
  /** The adapter's own side table(s) of this profile, created by every db init. */
  readonly sideDdl: ProfileDdl;
}

/** Every column a users-table profile maps (read or written), for validation and schema checks. */
export function mappedColumns(profile: UsersTableProfile): readonly Column[] {
  const columns: Column[] = [profile.id.column, profile.email.column, profile.passwordHash, profile.emailVerified];
  if (profile.passwordSalt) columns.push(profile.passwordSalt);
  if (profile.passwordFormat?.kind === 'column') columns.push(profile.passwordFormat.column);
  if (profile.email.match.kind === 'normalized') columns.push(profile.email.match.column);
  if (profile.username) {
    columns.push(profile.username.column);
    if (profile.username.match.kind === 'normalized') columns.push(profile.username.match.column);
  }
  for (const field of PROFILE_FIELDS) {
    const column = profile.profile[field];
    if (column) columns.push(column);
  }
  if (profile.userMetadata) columns.push(profile.userMetadata);
  if (profile.appMetadata) columns.push(profile.appMetadata);
  if (profile.timestamps) columns.push(profile.timestamps.createdAt, profile.timestamps.updatedAt);
  for (const stamp of profile.stamps) columns.push(stamp.column);
  for (const column of Object.values(profile.signIn)) columns.push(column);
  return columns;
}

/**
 * The sign-in columns only LEGACY_LOCKOUT writes (a failed-attempt count and its dates): bookkeeping
 * rather than user data, so migration archives leave them out, and an archive table made before a
 * profile mapped them (aspnet-identity's AccessFailedCount) still matches.
 */
export function signInBookkeepingColumns(profile: UsersTableProfile): readonly Column[] {
  const { accessFailedCount, failedAttemptWindowStart, lastLoginAt, lastLockoutAt } = profile.signIn;
  return [accessFailedCount, failedAttemptWindowStart, lastLoginAt, lastLockoutAt].filter(
    (column): column is Column => column !== undefined,
  );
}

/** One table and the columns a profile needs of it: checked when a store is opened. */
export interface RequiredTable {
  readonly table: string;
  readonly columns: readonly string[];
}

/** Legacy DDL of the profile for a dialect, or undefined when it has none. */
export function legacyDdl(profile: SchemaProfile, dialect: DialectName): readonly string[] | undefined {
  return profile.ddl[dialect];
}

/** The adapter's own per-profile side tables for a dialect (besides the migration marks); often none. */
export function sideDdl(profile: SchemaProfile, dialect: DialectName): readonly string[] {
  const kind = profile.kind;
  switch (kind) {
    case 'users-table':
      return [];
    case 'membership':
      return profile.sideDdl[dialect] ?? [];
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown profile kind ${String(unreachable)}`);
    }
  }
}
