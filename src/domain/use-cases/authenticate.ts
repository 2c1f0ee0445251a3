import { trace } from '@opentelemetry/api';
import type { CallContext } from '../call-context';
import type { DomainDeps } from '../deps';
import { IdentityError } from '../errors';
import { findByLogin } from '../find-user';
import { markMigrated, migrationVerdict } from '../migration-guard';
import { rehashInBackground } from '../rehash';
import { recordSignIn } from '../sign-in-bookkeeping';
import { publicUser, type User } from '../user';
import { assertValid, checkLogin, checkPassword } from '../validation';

export interface AuthenticateInput {
  readonly login: string;
  readonly password: string;
}

/** One answer for every kind of refusal, so callers cannot tell an unknown user from a wrong password. */
export const INVALID_CREDENTIALS_MESSAGE = 'invalid credentials';

function invalidCredentials(): IdentityError {
  return new IdentityError('invalid_credentials', INVALID_CREDENTIALS_MESSAGE);
}

/**
 * Checks a login and password. Unknown user, wrong password, a row the schema says may not log in,
 * and (in import mode) a user migrated longer ago than the grace window all raise the same
 * `invalid_credentials`, after the same amount of KDF work. With a login throttle, an identifier whose
 * budget of failed attempts is spent gets `resource_exhausted` at once, before any lookup or KDF work,
 * whether or not it exists; only `invalid_credentials` outcomes are charged to the budget (not a call
 * whose deadline passed while it waited for the KDF: it never checked the password). With
 * LEGACY_LOCKOUT, every answer about the password is recorded in the legacy schema's bookkeeping
 * before it leaves (sign-in-bookkeeping.ts); a lockout set there refuses the next login like a wrong
 * password.
 */
export async function authenticate(deps: DomainDeps, input: AuthenticateInput, ctx: CallContext): Promise<User> {
  assertValid(checkLogin('login', input.login), checkPassword('password', input.password));

  const attempt = deps.loginThrottle?.reserve(input.login);
  let user: User;
  try {
    user = await checkCredentials(deps, input, ctx);
  } catch (error) {
    // Overload and outages say nothing about the password: only a wrong one is charged.
    if (!(error instanceof IdentityError && error.code === 'invalid_credentials')) attempt?.release();
    throw error;
  }
  // A success is not a guess.
  attempt?.release();
  return user;
}

async function checkCredentials(deps: DomainDeps, input: AuthenticateInput, ctx: CallContext): Promise<User> {
  const user = await findByLogin(deps, input.login, ctx);
  if (!user) {
    await deps.hasher.dummyVerify(input.password, ctx);
    await recordSignIn(deps, null, 'failure', ctx);
    throw invalidCredentials();
  }

  const result = await deps.hasher.verify(input.password, user.password, ctx);
  if (!result.match || !user.canLogin) {
    // A user the schema refuses is recorded as a failure whatever the password: the store leaves such
    // a row alone, and the same call for both keeps a right password from showing in the timing.
    await recordSignIn(deps, user, 'failure', ctx);
    throw invalidCredentials();
  }

  if ((await migrationVerdict(deps, user, ctx)) === 'gone') {
    trace.getActiveSpan()?.setAttribute('identity.migrated', true);
    await recordSignIn(deps, null, 'failure', ctx); // absent, like an unknown login
    throw invalidCredentials();
  }
  await recordSignIn(deps, user, 'success', ctx);
  await markMigrated(deps, user, 'authenticate', ctx);
  if (deps.migration.mode === 'import') trace.getActiveSpan()?.setAttribute('identity.migrated', true);

  if (deps.rehashOnLogin && result.needsRehash) rehashInBackground(deps, user, input.password);
  return publicUser(user);
}
