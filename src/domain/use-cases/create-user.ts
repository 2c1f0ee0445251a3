import type { CallContext } from '../call-context';
import type { DomainDeps } from '../deps';
import { IdentityError } from '../errors';
import { type Metadata, publicUser, type User } from '../user';
import { assertValid, checkEmail, checkMetadata, checkPassword, checkUsername } from '../validation';

export interface CreateUserInput {
  readonly email: string;
  readonly password: string;
  readonly username?: string | undefined;
  readonly userMetadata?: Metadata | undefined;
  readonly appMetadata?: Metadata | undefined;
}

/** Creates a user with a new scrypt hash. Raises `already_exists`, `invalid_argument`. */
export async function createUser(deps: DomainDeps, input: CreateUserInput, ctx: CallContext): Promise<User> {
  assertValid(
    checkEmail('email', input.email),
    checkPassword('password', input.password),
    input.username === undefined ? null : checkUsername('username', input.username),
    checkMetadata('user_metadata', input.userMetadata),
    checkMetadata('app_metadata', input.appMetadata),
  );
  // Cheap checks first so a duplicate costs no KDF; the store's unique keys still settle races.
  if (await deps.repository.findByEmail(input.email, ctx)) {
    throw new IdentityError('already_exists', 'a user with this email already exists');
  }
  if (input.username !== undefined && (await deps.repository.findByUsername(input.username, ctx))) {
    throw new IdentityError('already_exists', 'a user with this username already exists');
  }
  const password = await deps.hasher.hash(input.password, ctx);
  const user = await deps.repository.insert(
    {
      email: input.email,
      username: input.username,
      password,
      emailVerified: false,
      userMetadata: input.userMetadata,
      appMetadata: input.appMetadata,
    },
    ctx,
  );
  return publicUser(user);
}
