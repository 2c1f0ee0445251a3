import type { DomainDeps } from './deps';
import { toIdentityError } from './errors';
import type { StoredUser } from './user';

/**
 * Rewrites a weaker hash to the current scrypt cost without holding up the login. The write is a
 * compare-and-set on the old hash, so two concurrent logins cannot lose an update, and a failure is
 * only logged: the login has already succeeded.
 */
export function rehashInBackground(deps: DomainDeps, user: StoredUser, password: string): void {
  deps.background.run(async () => {
    try {
      const fresh = await deps.hasher.hash(password);
      const updated = await deps.repository.updatePassword(user.userId, fresh, user.password);
      deps.logger.info({ event: 'rehash', user_id: user.userId, updated }, 'password hash upgraded on login');
    } catch (error) {
      const e = toIdentityError(error);
      deps.logger.warn(
        { event: 'rehash_failed', user_id: user.userId, code: e.code },
        'password hash upgrade failed; login unaffected',
      );
    }
  });
}
