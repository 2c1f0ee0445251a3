import type { CallContext } from './call-context';
import type { DomainDeps } from './deps';
import { IdentityError } from './errors';
import type { StoredUser } from './user';

/**
 * An email-looking login is tried as an email first, then as a username (ASP.NET Identity sites
 * often use the address as the username); anything else is a username.
 */
export async function findByLogin(deps: DomainDeps, login: string, ctx: CallContext): Promise<StoredUser | null> {
  if (login.includes('@')) {
    const byEmail = await deps.repository.findByEmail(login, ctx);
    if (byEmail) return byEmail;
  }
  return deps.repository.findByUsername(login, ctx);
}

/** The user with this email, or `not_found`. */
export async function requireByEmail(deps: DomainDeps, email: string, ctx: CallContext): Promise<StoredUser> {
  const user = await deps.repository.findByEmail(email, ctx);
  if (!user) throw new IdentityError('not_found', 'user not found');
  return user;
}
