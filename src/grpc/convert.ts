import type { User as ProtoUser } from '../../gen/identity/v1/identity_store';
import type { User } from '../domain/user';

/** Domain user → wire user. Optional fields stay absent rather than becoming empty strings. */
export function toProtoUser(user: User): ProtoUser {
  return {
    userId: user.userId,
    email: user.email,
    emailVerified: user.emailVerified,
    username: user.username,
    name: user.name,
    givenName: user.givenName,
    familyName: user.familyName,
    nickname: user.nickname,
    picture: user.picture,
    userMetadata: user.userMetadata,
    appMetadata: user.appMetadata,
  };
}
