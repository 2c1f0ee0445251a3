import type { Metadata, StoredPassword, StoredUser } from '../domain/user';
import { checkMetadata } from '../domain/validation';

/**
 * Longest profile text (name, given/family name, nickname, picture) read from a row; longer is treated
 * as absent. Legacy columns hold far less (nvarchar(256), 2048 for a picture URL); a row past this was
 * not written by the legacy application, and with the metadata limits it keeps every answer well
 * inside the gRPC message limit (256 KiB), so one hostile row cannot make its user's calls fail.
 */
export const PROFILE_TEXT_MAX_LENGTH = 4096;

/**
 * Column aliases every profile's SELECT produces, so decoding does not depend on the profile:
 * `SELECT "Email" AS "email", …`. Fields a profile does not map are simply not selected.
 */
export const USER_ROW = {
  userId: 'userId',
  email: 'email',
  emailVerified: 'emailVerified',
  username: 'username',
  passwordHash: 'passwordHash',
  name: 'name',
  givenName: 'givenName',
  familyName: 'familyName',
  nickname: 'nickname',
  picture: 'picture',
  userMetadata: 'userMetadata',
  appMetadata: 'appMetadata',
  /** Membership keeps the salt and the format code of a password in columns of their own. */
  passwordSalt: 'passwordSalt',
  passwordFormat: 'passwordFormat',
  /** A 0/1 expression refusing sign-in, for profiles that compute it in SQL. */
  canLogin: 'canLogin',
  /** Sign-in columns (SignInColumns in schema-profile.ts), read as they are and judged in decodeUserRow. */
  approved: 'approved',
  lockedOut: 'lockedOut',
  lockoutEnabled: 'lockoutEnabled',
  lockoutEnd: 'lockoutEnd',
} as const;

/** A row as drivers return it: SQLite gives numbers and strings, tedious booleans and Dates. */
export type Row = Readonly<Record<string, unknown>>;

export interface DecodedUser {
  readonly user: StoredUser;
  /** Columns whose stored value could not be read and was treated as absent, for a warning log. */
  readonly unreadable: readonly (typeof USER_ROW)[keyof typeof USER_ROW][];
}

/** Text as stored; integer keys of legacy tables become their decimal text. */
export function toText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

export function toBool(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === '1' || value === 'true';
}

/** Text ending in `Z` or a `±hh:mm` offset; anything else is a wall-clock time without a zone. */
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A stored instant: SQLite keeps ISO-8601 text, SQL Server drivers return a Date. Text without a zone
 * (`2030-01-01 00:00:00`, as legacy DATETIME columns and EF Core on SQLite write it) is read as UTC,
 * which is what ASP.NET Membership and Identity store, never as the server's local time.
 */
export function toDate(value: unknown): Date | undefined {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === 'string') date = new Date(HAS_ZONE.test(value.trim()) ? value : `${value.trim()}Z`);
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/**
 * Metadata columns hold a JSON object as text. NULL or empty text is absent. Anything that is not a
 * JSON object (corrupt text, an array, a number), or is over the limits every write is held to
 * (METADATA_MAX_BYTES, METADATA_MAX_DEPTH: a deeper object could not be converted to a
 * google.protobuf.Struct), is reported as unreadable and treated as absent: one bad legacy row must
 * not make a user impossible to log in.
 */
function readMetadata(value: unknown): { value: Metadata | undefined; ok: boolean } {
  if (value === null || value === undefined || value === '') return { value: undefined, ok: true };
  if (typeof value !== 'string') return { value: undefined, ok: false };
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      if (checkMetadata('metadata', parsed as Metadata) === null) return { value: parsed as Metadata, ok: true };
    }
  } catch {
    // Reported below as unreadable; the text may hold personal data, so it is not logged.
  }
  return { value: undefined, ok: false };
}

/** Encodes metadata for a text column; undefined stays NULL. */
export function writeMetadata(metadata: Metadata | undefined): string | null {
  return metadata === undefined ? null : JSON.stringify(metadata);
}

export interface DecodeOptions {
  /** The instant lockouts are judged at (the repository's clock). */
  readonly now?: Date;
  /** The password as the profile reads it, when it is more than the hash column (Membership). */
  readonly password?: StoredPassword;
  /** Replaces the selected user id (GUID ids are reported lower-case, whatever the driver returns). */
  readonly userId?: string;
}

/**
 * May this row sign in? Every sign-in column that was selected must agree: approved true, lockedOut
 * false, and no lockout in force (lockoutEnabled true or not mapped, and lockoutEnd now or later, as
 * Identity's IsLockedOutAsync judges it). A lockoutEnd that cannot be read refuses sign-in (a lockout
 * is a security decision of the legacy application) and is reported unreadable.
 */
function judgeSignIn(row: Row, now: Date, unreadable: DecodedUser['unreadable'][number][]): boolean {
  const has = (alias: string) => Object.hasOwn(row, alias);
  let allowed = true;
  if (has(USER_ROW.canLogin) && !toBool(row[USER_ROW.canLogin])) allowed = false;
  if (has(USER_ROW.approved) && !toBool(row[USER_ROW.approved])) allowed = false;
  if (has(USER_ROW.lockedOut) && toBool(row[USER_ROW.lockedOut])) allowed = false;
  const end = row[USER_ROW.lockoutEnd];
  if (has(USER_ROW.lockoutEnd) && end !== null && end !== undefined) {
    const enabled = has(USER_ROW.lockoutEnabled) ? toBool(row[USER_ROW.lockoutEnabled]) : true;
    const until = toDate(end);
    if (!until) unreadable.push(USER_ROW.lockoutEnd);
    if (enabled && (!until || until.getTime() >= now.getTime())) allowed = false;
  }
  return allowed;
}

const PROFILE_TEXT = [
  USER_ROW.name,
  USER_ROW.givenName,
  USER_ROW.familyName,
  USER_ROW.nickname,
  USER_ROW.picture,
] as const;

/** Decodes a row selected with the USER_ROW aliases. */
export function decodeUserRow(row: Row, options: DecodeOptions = {}): DecodedUser {
  const unreadable: DecodedUser['unreadable'][number][] = [];
  const userMetadata = readMetadata(row[USER_ROW.userMetadata]);
  if (!userMetadata.ok) unreadable.push(USER_ROW.userMetadata);
  const appMetadata = readMetadata(row[USER_ROW.appMetadata]);
  if (!appMetadata.ok) unreadable.push(USER_ROW.appMetadata);
  const canLogin = judgeSignIn(row, options.now ?? new Date(), unreadable);
  const profileText = (alias: (typeof PROFILE_TEXT)[number]): string | undefined => {
    const text = toText(row[alias]);
    if (text === undefined || text.length <= PROFILE_TEXT_MAX_LENGTH) return text;
    unreadable.push(alias);
    return undefined;
  };
  const user: StoredUser = {
    userId: options.userId ?? toText(row[USER_ROW.userId]) ?? '',
    email: toText(row[USER_ROW.email]) ?? '',
    emailVerified: toBool(row[USER_ROW.emailVerified]),
    username: toText(row[USER_ROW.username]),
    name: profileText(USER_ROW.name),
    givenName: profileText(USER_ROW.givenName),
    familyName: profileText(USER_ROW.familyName),
    nickname: profileText(USER_ROW.nickname),
    picture: profileText(USER_ROW.picture),
    userMetadata: userMetadata.value,
    appMetadata: appMetadata.value,
    // A NULL hash (an account without a local password) matches no format, so it never signs in.
    password: options.password ?? { hash: toText(row[USER_ROW.passwordHash]) ?? '' },
    canLogin,
  };
  return { user: withoutUndefined(user), unreadable };
}

/** Drops absent optional fields so results compare and serialise cleanly. */
function withoutUndefined(user: StoredUser): StoredUser {
  return Object.fromEntries(Object.entries(user).filter(([, v]) => v !== undefined)) as unknown as StoredUser;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A GUID in .NET's lower-case form (Guid.ToString()), or null when the text is not a GUID: such an id
 * can name no row of a UNIQUEIDENTIFIER key, and SQL Server would refuse to convert it.
 */
export function lowerCaseGuid(value: string): string | null {
  return GUID.test(value) ? value.toLowerCase() : null;
}
