/** A JSON object, as Auth0 stores user_metadata and app_metadata. */
export type Metadata = { [key: string]: unknown };

/** A legacy identity as the domain sees it, whatever schema profile it was read from. */
export interface User {
  /** Stable per user and schema profile, never reused (the profile's primary key as text). */
  readonly userId: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly username?: string | undefined;
  readonly name?: string | undefined;
  readonly givenName?: string | undefined;
  readonly familyName?: string | undefined;
  readonly nickname?: string | undefined;
  readonly picture?: string | undefined;
  readonly userMetadata?: Metadata | undefined;
  readonly appMetadata?: Metadata | undefined;
}

/**
 * A password as a legacy row holds it. `hash` is the stored value; `salt` and `format` come from
 * schemas that keep them in their own columns (ASP.NET Membership's PasswordSalt / PasswordFormat).
 */
export interface StoredPassword {
  readonly hash: string;
  readonly salt?: string | undefined;
  /** A format name (see passwords/) or a schema's own format code, as the profile reports it. */
  readonly format?: string | undefined;
}

/** A user row with what only the domain may see: the password and whether the row may log in. */
export interface StoredUser extends User {
  readonly password: StoredPassword;
  /**
   * False when the legacy schema says this account must not sign in (Membership IsApproved = 0 or
   * IsLockedOut = 1, Identity lockout in force). Such a user is refused exactly like a wrong password.
   */
  readonly canLogin: boolean;
}

/** What CreateUser stores. */
export interface NewUser {
  readonly email: string;
  readonly username?: string | undefined;
  readonly password: StoredPassword;
  readonly emailVerified: boolean;
  readonly userMetadata?: Metadata | undefined;
  readonly appMetadata?: Metadata | undefined;
}

/** The record of a user's automatic migration to Auth0, kept in the adapter's side table. */
export interface MigrationMark {
  readonly userId: string;
  /** When the first mark was written; later marks never move it. */
  readonly migratedAt: Date;
  /** Which call marked the user. */
  readonly via: 'authenticate' | 'get_user' | 'export';
}

/** Strips what must never leave the domain. */
export function publicUser(user: StoredUser): User {
  const { password: _password, canLogin: _canLogin, ...rest } = user;
  return rest;
}
