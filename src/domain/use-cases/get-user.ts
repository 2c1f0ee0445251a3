import type { CallContext } from '../call-context';
import type { DomainDeps } from '../deps';
import { IdentityError } from '../errors';
import { findByLogin } from '../find-user';
import { markMigrated, migrationVerdict } from '../migration-guard';
import { publicUser, type User } from '../user';
import { assertValid, checkLogin, checkLookupEmail } from '../validation';

/** Exactly one of the two is non-empty. */
export interface GetUserInput {
  readonly email: string;
  readonly login: string;
}

/** Finds a user by email, or by email-or-username. Raises `not_found`. */
export async function getUser(deps: DomainDeps, input: GetUserInput, ctx: CallContext): Promise<User> {
  if (input.email !== '' && input.login !== '') {
    throw IdentityError.invalidArgument([{ field: 'login', description: 'set either email or login, not both' }]);
  }
  if (input.login !== '') assertValid(checkLogin('login', input.login));
  else assertValid(checkLookupEmail('email', input.email));
  const user =
    input.login !== ''
      ? await findByLogin(deps, input.login, ctx)
      : await deps.repository.findByEmail(input.email, ctx);

  if (!user || (await migrationVerdict(deps, user, ctx)) === 'gone') {
    throw new IdentityError('not_found', 'user not found');
  }
  await markMigrated(deps, user, 'get_user', ctx);
  return publicUser(user);
}
