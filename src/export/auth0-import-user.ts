import type { Metadata, StoredUser } from '../domain/user';
import { checkEmail } from '../domain/validation';
import { type Auth0CustomPasswordHash, type NotExportedCode, toAuth0PasswordHash } from './auth0-password-hash';

/**
 * One user of an Auth0 bulk import file. `user_id` is the legacy id, the same value the Login and Get
 * User scripts return as the profile's `user_id`: Auth0 prefixes both with `auth0|`, so a user
 * imported in bulk and a user migrated by logging in get the same Auth0 id, and an application that
 * keys its data on that id sees one user whichever path it took.
 */
export interface Auth0ImportUser {
  readonly user_id: string;
  readonly email: string;
  readonly email_verified: boolean;
  readonly username?: string;
  readonly name?: string;
  readonly given_name?: string;
  readonly family_name?: string;
  readonly nickname?: string;
  readonly picture?: string;
  readonly user_metadata?: Metadata;
  readonly app_metadata?: Metadata;
  readonly custom_password_hash: Auth0CustomPasswordHash;
}

/** A user left out of the import files, as `not-exported.json` lists them. */
export interface NotExportedUser {
  readonly user_id: string;
  readonly email: string;
  readonly format: string;
  readonly code: NotExportedCode;
  readonly reason: string;
}

/** Properties Auth0 refuses in an imported user's app_metadata (same schema page). */
export const AUTH0_RESERVED_APP_METADATA = [
  '__tenant',
  '_id',
  'blocked',
  'clientID',
  'created_at',
  'email_verified',
  'email',
  'globalClientID',
  'global_client_id',
  'identities',
  'lastIP',
  'lastLogin',
  'loginsCount',
  'metadata',
  'multifactor_last_modified',
  'multifactor',
  'updated_at',
  'user_id',
] as const;

export type ImportUserResult =
  | { readonly ok: true; readonly format: string; readonly user: Auth0ImportUser }
  | { readonly ok: false; readonly entry: NotExportedUser };

/**
 * Maps a legacy user to an import record, or says why it cannot be imported: a password Auth0 cannot
 * verify, a row the legacy schema does not let sign in (locked out, not approved: importing it would
 * make it usable in Auth0), an email Auth0 would reject, or reserved app_metadata properties. Such
 * users stay in the legacy store, unmarked, and can still migrate by logging in where that is possible.
 */
export function toAuth0ImportUser(user: StoredUser): ImportUserResult {
  const refuse = (format: string, code: NotExportedCode, reason: string): ImportUserResult => ({
    ok: false,
    entry: { user_id: user.userId, email: user.email, format, code, reason },
  });
  const password = toAuth0PasswordHash(user.password);
  if (!user.canLogin) {
    return refuse(
      password.format,
      'cannot_sign_in',
      'the legacy schema does not let this account sign in (locked out or not approved)',
    );
  }
  if (checkEmail('email', user.email) !== null) {
    return refuse(password.format, 'invalid_email', 'the email is not an address Auth0 accepts');
  }
  const reserved = AUTH0_RESERVED_APP_METADATA.filter(
    (key) => user.appMetadata && Object.hasOwn(user.appMetadata, key),
  );
  if (reserved.length > 0) {
    return refuse(
      password.format,
      'reserved_app_metadata',
      `app_metadata uses names Auth0 reserves: ${reserved.join(', ')}`,
    );
  }
  if (!password.exported) return refuse(password.format, password.code, password.reason);
  const record: Auth0ImportUser = {
    user_id: user.userId,
    email: user.email,
    email_verified: user.emailVerified,
    ...(user.username ? { username: user.username } : {}),
    ...(user.name ? { name: user.name } : {}),
    ...(user.givenName ? { given_name: user.givenName } : {}),
    ...(user.familyName ? { family_name: user.familyName } : {}),
    ...(user.nickname ? { nickname: user.nickname } : {}),
    ...(user.picture ? { picture: user.picture } : {}),
    ...(user.userMetadata ? { user_metadata: user.userMetadata } : {}),
    ...(user.appMetadata ? { app_metadata: user.appMetadata } : {}),
    custom_password_hash: password.hash,
  };
  return { ok: true, format: password.format, user: record };
}
