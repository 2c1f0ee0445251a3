import {
  type Column,
  type ColumnType,
  type MembershipProfile,
  mappedColumns,
  PROFILE_FIELDS,
  type SchemaProfile,
  type UsersTableProfile,
} from './schema-profile';

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

/** The longest text SQL Server types as NVARCHAR(n); longer is NVARCHAR(MAX). */
export const MAX_NVARCHAR_LENGTH = 4000;
/** A GUID's text is 36 characters: a text key or stamp shorter than that cannot hold what the adapter writes. */
const GUID_TEXT_LENGTH = 36;
/**
 * Written to a password format column with every new hash; the column must hold it. The longest
 * format spec the adapter itself writes (legacy specs only arrive through `users add`, which checks
 * each value against the column).
 */
export const SCRYPT_FORMAT_NAME = 'scrypt';
/**
 * The length of every hash the adapter writes (password changes, sign-ups, rehashes at login): a
 * 96-byte scrypt-kdf key in base64 (passwords/scrypt.ts). A shorter hash column would accept a
 * profile and then fail those writes (SQL Server error 2628, truncation).
 */
export const SCRYPT_HASH_TEXT_LENGTH = 128;
/** Membership's ApplicationName is NVARCHAR(256). */
const APPLICATION_NAME_MAX_LENGTH = 256;

/**
 * Throws an Error naming the profile and the offending part when a name is not a plain identifier,
 * a column is mapped twice, or a column's type cannot hold what the adapter reads or writes there.
 * Run once when a profile is loaded.
 */
export function assertValidProfile(profile: SchemaProfile): void {
  const fail = (reason: string): never => {
    throw new Error(`schema profile ${profile.name}: ${reason}`);
  };
  const kind = profile.kind;
  switch (kind) {
    case 'users-table':
      assertValidUsersTable(profile, fail);
      break;
    case 'membership':
      assertValidMembership(profile, fail);
      break;
    default: {
      const unreachable: never = kind;
      fail(`unknown profile kind ${String(unreachable)}`);
    }
  }
}

function checkTable(table: string, fail: (reason: string) => never): void {
  try {
    tableNameParts(table);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}

function assertValidUsersTable(profile: UsersTableProfile, fail: (reason: string) => never): void {
  checkTable(profile.table, fail);
  const seen = new Set<string>();
  const checkColumn = (column: Column) => {
    if (!isValidIdentifier(column.name)) {
      fail(`invalid column name "${column.name}": expected letters, digits and underscores`);
    }
    if (column.type.kind === 'text' && column.type.maxLength !== 'max') {
      const n = column.type.maxLength;
      if (!Number.isInteger(n) || n < 1 || n > MAX_NVARCHAR_LENGTH) {
        fail(`column "${column.name}": text length must be 1–${MAX_NVARCHAR_LENGTH} or max`);
      }
    }
  };
  for (const column of mappedColumns(profile)) {
    checkColumn(column);
    const key = column.name.toLowerCase();
    if (seen.has(key)) fail(`column "${column.name}" is mapped twice`);
    seen.add(key);
  }

  const expect = (column: Column, role: string, ...kinds: ColumnType['kind'][]) => {
    if (!kinds.includes(column.type.kind))
      fail(`column "${column.name}" (${role}) must be of type ${kinds.join(' or ')}`);
  };
  const holdsGuid = (column: Column, role: string) => {
    expect(column, role, 'text', 'guid');
    const t = column.type;
    if (t.kind === 'text' && t.maxLength !== 'max' && t.maxLength < GUID_TEXT_LENGTH) {
      fail(`column "${column.name}" (${role}) must hold at least ${GUID_TEXT_LENGTH} characters`);
    }
  };
  holdsGuid(profile.id.column, 'id');
  expect(profile.email.column, 'email', 'text');
  if (profile.email.match.kind === 'normalized') expect(profile.email.match.column, 'normalized email', 'text');
  if (profile.username) {
    expect(profile.username.column, 'username', 'text');
    if (profile.username.match.kind === 'normalized') {
      expect(profile.username.match.column, 'normalized username', 'text');
    }
  }
  expect(profile.passwordHash, 'passwordHash', 'text');
  const hash = profile.passwordHash.type;
  if (hash.kind === 'text' && hash.maxLength !== 'max' && hash.maxLength < SCRYPT_HASH_TEXT_LENGTH) {
    fail(
      `column "${profile.passwordHash.name}" (passwordHash) must hold at least ${SCRYPT_HASH_TEXT_LENGTH} characters (the scrypt hashes the adapter writes)`,
    );
  }
  if (profile.passwordSalt) expect(profile.passwordSalt, 'passwordSalt', 'text');
  if (profile.passwordFormat?.kind === 'column') {
    const column = profile.passwordFormat.column;
    expect(column, 'passwordFormat', 'text');
    const t = column.type;
    if (t.kind === 'text' && t.maxLength !== 'max' && t.maxLength < SCRYPT_FORMAT_NAME.length) {
      fail(
        `column "${column.name}" (passwordFormat) must hold at least ${SCRYPT_FORMAT_NAME.length} characters ("scrypt")`,
      );
    }
  }
  expect(profile.emailVerified, 'emailVerified', 'bool');
  for (const field of PROFILE_FIELDS) {
    const column = profile.profile[field];
    if (column) expect(column, field, 'text');
  }
  if (profile.userMetadata) expect(profile.userMetadata, 'userMetadata', 'text');
  if (profile.appMetadata) expect(profile.appMetadata, 'appMetadata', 'text');
  if (profile.timestamps) {
    expect(profile.timestamps.createdAt, 'createdAt', 'timestamp');
    expect(profile.timestamps.updatedAt, 'updatedAt', 'timestamp');
  }
  for (const stamp of profile.stamps) holdsGuid(stamp.column, 'stamp');
  const { approved, lockedOut, lockoutEnabled, lockoutEnd } = profile.signIn;
  const { accessFailedCount, failedAttemptWindowStart, lastLoginAt, lastLockoutAt } = profile.signIn;
  if (approved) expect(approved, 'approved', 'bool');
  if (lockedOut) expect(lockedOut, 'lockedOut', 'bool');
  if (lockoutEnabled) expect(lockoutEnabled, 'lockoutEnabled', 'bool');
  if (lockoutEnd) expect(lockoutEnd, 'lockoutEnd', 'timestamp');
  if (lockoutEnabled && !lockoutEnd) fail('signIn.lockoutEnabled needs signIn.lockoutEnd');
  if (accessFailedCount) expect(accessFailedCount, 'accessFailedCount', 'int');
  if (failedAttemptWindowStart) expect(failedAttemptWindowStart, 'failedAttemptWindowStart', 'timestamp');
  if (lastLoginAt) expect(lastLoginAt, 'lastLoginAt', 'timestamp');
  if (lastLockoutAt) expect(lastLockoutAt, 'lastLockoutAt', 'timestamp');
  for (const [key, column] of Object.entries({ failedAttemptWindowStart, lastLoginAt, lastLockoutAt })) {
    if (column && !accessFailedCount) fail(`signIn.${key} needs signIn.accessFailedCount`);
  }

  // Insert defaults fill columns the profile does not write; they may be columns it only reads (sign-in).
  const readOnly = new Set(Object.values(profile.signIn).map((c) => c.name.toLowerCase()));
  const defaulted = new Set<string>();
  for (const { column, value } of profile.insertDefaults) {
    checkColumn(column);
    const key = column.name.toLowerCase();
    if ((seen.has(key) && !readOnly.has(key)) || defaulted.has(key)) {
      fail(`insert default for column "${column.name}", which is already written`);
    }
    defaulted.add(key);
    if (!defaultFits(column.type, value)) {
      fail(`insert default for column "${column.name}" does not fit its type ${column.type.kind}`);
    }
  }
}

function defaultFits(type: ColumnType, value: string | number | boolean | null): boolean {
  if (value === null) return true;
  const kind = type.kind;
  switch (kind) {
    case 'text':
      return typeof value === 'string' && (type.maxLength === 'max' || value.length <= type.maxLength);
    case 'bool':
      return typeof value === 'boolean';
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'guid':
      return typeof value === 'string' && /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(value);
    case 'timestamp':
      return false; // a fixed instant is never what a legacy NOT NULL date means; map the column instead
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown column type ${String(unreachable)}`);
    }
  }
}

function assertValidMembership(profile: MembershipProfile, fail: (reason: string) => never): void {
  const tables = Object.values(profile.tables);
  for (const table of tables) checkTable(table, fail);
  if (new Set(tables.map((t) => t.toLowerCase())).size !== tables.length) fail('a table is named twice');
  const app = profile.applicationName;
  // Control characters are refused: an application name is configuration, and a stray newline is a typo.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point of this check
  if (app.trim() === '' || app.length > APPLICATION_NAME_MAX_LENGTH || /[\u0000-\u001f\u007f]/.test(app)) {
    fail(`application name must be 1–${APPLICATION_NAME_MAX_LENGTH} characters without control characters`);
  }
  for (const [code, name] of Object.entries(profile.passwordFormats)) {
    if (name.trim() === '') fail(`no password format for PasswordFormat ${code}`);
  }
}
