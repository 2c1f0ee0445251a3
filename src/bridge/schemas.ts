import { type Static, Type } from 'typebox';
import { EMAIL_MAX_LENGTH, PASSWORD_MAX_BYTES, USER_ID_MAX_LENGTH, USERNAME_MAX_LENGTH } from '../domain/limits';

/**
 * Request bodies of the bridge routes (ARCHITECTURE.md §3). Unknown fields are refused, and lengths are
 * bounded before any work; the domain stays the authority on content. JSON Schema counts code points
 * and a code point is at least one UTF-16 unit and one UTF-8 byte, so these limits are never stricter
 * than the domain's (a 1025-character password is always over PASSWORD_MAX_BYTES).
 */
const strict = { additionalProperties: false } as const;

const Email = Type.String({ minLength: 1, maxLength: EMAIL_MAX_LENGTH });
/** An email or a username; the domain checks it with the email length limit. */
const Login = Type.String({ minLength: 1, maxLength: EMAIL_MAX_LENGTH });
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_BYTES });
const Username = Type.String({ minLength: 1, maxLength: USERNAME_MAX_LENGTH });
const UserId = Type.String({ minLength: 1, maxLength: USER_ID_MAX_LENGTH });
/** Any JSON object; size and depth are checked in checkBody and again by the domain. */
const Metadata = Type.Record(Type.String(), Type.Unknown());

export const LoginBody = Type.Object({ username_or_email: Login, password: Password }, strict);
export const GetUserBody = Type.Object({ email: Email }, strict);
export const CreateBody = Type.Object(
  {
    email: Email,
    password: Password,
    username: Type.Optional(Username),
    user_metadata: Type.Optional(Metadata),
    app_metadata: Type.Optional(Metadata),
  },
  strict,
);
export const VerifyBody = Type.Object({ email: Email }, strict);
export const ChangePasswordBody = Type.Object({ email: Email, new_password: Password }, strict);
export const DeleteBody = Type.Object({ user_id: UserId }, strict);
export const ChangeEmailBody = Type.Object({ email: Email, new_email: Email, verified: Type.Boolean() }, strict);

export type LoginBody = Static<typeof LoginBody>;
export type CreateBody = Static<typeof CreateBody>;
