import type { User } from '../../gen/identity/v1/identity_store';

/**
 * Auth0's normalised user profile, as the Login and Get User scripts hand it to Auth0. `user_id` is the
 * store's stable id, unprefixed: Auth0 adds `auth0|` itself and passes the bare id back to Delete.
 */
export interface Auth0Profile {
  user_id: string;
  email: string;
  email_verified: boolean;
  username?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  nickname?: string;
  picture?: string;
  user_metadata?: Record<string, unknown>;
  app_metadata?: Record<string, unknown>;
}

/** Wire user → Auth0 profile. Absent and empty optional fields are left out, never sent as "". */
export function toAuth0Profile(user: User): Auth0Profile {
  const profile: Auth0Profile = { user_id: user.userId, email: user.email, email_verified: user.emailVerified };
  if (user.username) profile.username = user.username;
  if (user.name) profile.name = user.name;
  if (user.givenName) profile.given_name = user.givenName;
  if (user.familyName) profile.family_name = user.familyName;
  if (user.nickname) profile.nickname = user.nickname;
  if (user.picture) profile.picture = user.picture;
  if (user.userMetadata) profile.user_metadata = user.userMetadata;
  if (user.appMetadata) profile.app_metadata = user.appMetadata;
  return profile;
}
