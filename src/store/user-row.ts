import type { Metadata, StoredUser } from '../domain/user';

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
  /** A profile whose schema can refuse sign-in (lockout, not approved) selects a 0/1 expression here. */
  canLogin: 'canLogin',
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

/** A stored instant: SQLite keeps ISO-8601 text, SQL Server drivers return a Date. */
export function toDate(value: unknown): Date | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/**
 * Metadata columns hold a JSON object as text. NULL or empty text is absent. Anything that is not a
 * JSON object (corrupt text, an array, a number) is reported as unreadable and treated as absent:
 * one bad legacy row must not make a user impossible to log in.
 */
function readMetadata(value: unknown): { value: Metadata | undefined; ok: boolean } {
  if (value === null || value === undefined || value === '') return { value: undefined, ok: true };
  if (typeof value !== 'string') return { value: undefined, ok: false };
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return { value: parsed as Metadata, ok: true };
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

export function decodeUserRow(row: Row): DecodedUser {
  const unreadable: DecodedUser['unreadable'][number][] = [];
  const userMetadata = readMetadata(row[USER_ROW.userMetadata]);
  if (!userMetadata.ok) unreadable.push(USER_ROW.userMetadata);
  const appMetadata = readMetadata(row[USER_ROW.appMetadata]);
  if (!appMetadata.ok) unreadable.push(USER_ROW.appMetadata);
  const canLogin = row[USER_ROW.canLogin];
  const user: StoredUser = {
    userId: toText(row[USER_ROW.userId]) ?? '',
    email: toText(row[USER_ROW.email]) ?? '',
    emailVerified: toBool(row[USER_ROW.emailVerified]),
    username: toText(row[USER_ROW.username]),
    name: toText(row[USER_ROW.name]),
    givenName: toText(row[USER_ROW.givenName]),
    familyName: toText(row[USER_ROW.familyName]),
    nickname: toText(row[USER_ROW.nickname]),
    picture: toText(row[USER_ROW.picture]),
    userMetadata: userMetadata.value,
    appMetadata: appMetadata.value,
    // A NULL hash (an account without a local password) matches no format, so it never signs in.
    password: { hash: toText(row[USER_ROW.passwordHash]) ?? '' },
    canLogin: canLogin === undefined ? true : toBool(canLogin),
  };
  return { user: withoutUndefined(user), unreadable };
}

/** Drops absent optional fields so results compare and serialise cleanly. */
function withoutUndefined(user: StoredUser): StoredUser {
  return Object.fromEntries(Object.entries(user).filter(([, v]) => v !== undefined)) as unknown as StoredUser;
}
