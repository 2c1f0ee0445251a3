import type { CallContext } from './call-context';
import type { DomainDeps } from './deps';
import { IdentityError, toIdentityError } from './errors';
import type { SignInOutcome } from './lockout-policy';
import type { StoredUser } from './user';

/**
 * With LEGACY_LOCKOUT on, records an Authenticate answer in the legacy schema's own bookkeeping before
 * the answer leaves, so that guesses made through Auth0 count against the account as guesses on the
 * legacy site do, and the legacy application's lockout holds for both. Off (no policy): does nothing.
 *
 * Called once for every answer about a password, and only for those (a throttled login, an overloaded
 * or expired KDF never gets here):
 * - `failure` for every invalid_credentials answer: a found user by id (the store changes nothing for
 *   one the schema does not let sign in, exactly as the frameworks skip their bookkeeping then); an
 *   unknown login, or a migrated user who must look absent, as `null`, which writes nothing but costs
 *   the same statement. So an unknown login, a wrong password, a locked account and its right password
 *   take the same store work, and fail the same way when the store cannot write;
 * - `success` for a sign-in.
 *
 * A record that cannot be written fails the call with `unavailable` (`deadline_exceeded` when the
 * caller's deadline passed), never `invalid_credentials` and never a sign-in: answering without it would
 * let an outage hide guesses from the legacy lockout, and a store that cannot take this write is not
 * one to report a password verdict from. The legacy frameworks fail their sign-in the same way.
 */
export async function recordSignIn(
  deps: DomainDeps,
  user: StoredUser | null,
  outcome: SignInOutcome,
  ctx: CallContext,
): Promise<void> {
  const policy = deps.legacyLockout;
  if (!policy) return;
  try {
    await deps.repository.recordSignIn(user?.userId ?? null, outcome, policy, deps.clock.now(), ctx);
  } catch (error) {
    const cause = toIdentityError(error);
    if (cause.code === 'deadline_exceeded') throw cause;
    throw new IdentityError('unavailable', 'could not record the sign-in in the legacy store', { cause });
  }
}
