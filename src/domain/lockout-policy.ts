/**
 * The legacy framework's own lockout bookkeeping (LEGACY_LOCKOUT): what a sign-in answered, and the
 * limits the legacy application is configured with, so that guessing through Auth0 counts against an
 * account exactly as guessing on the legacy site does.
 */

/** What Authenticate answered: `success` for a sign-in, `failure` for every invalid_credentials answer. */
export type SignInOutcome = 'success' | 'failure';

/**
 * The legacy application's lockout settings. Each store keeps what its schema can:
 * - ASP.NET Identity (LockoutOptions): `maxFailedAttempts` (MaxFailedAccessAttempts) failures lock the
 *   account until now + `lockoutMs` (DefaultLockoutTimeSpan) and start the count again from zero.
 * - ASP.NET Membership (SqlMembershipProvider): `maxFailedAttempts` (maxInvalidPasswordAttempts)
 *   failures, each within `attemptWindowMs` (passwordAttemptWindow) of the previous one, lock the
 *   account until an administrator unlocks it.
 */
export interface LockoutPolicy {
  readonly maxFailedAttempts: number;
  readonly lockoutMs: number;
  readonly attemptWindowMs: number;
}

/** ASP.NET Identity's LockoutOptions.MaxFailedAccessAttempts and Membership's maxInvalidPasswordAttempts: both 5. */
export const DEFAULT_MAX_FAILED_ATTEMPTS = 5;
/** ASP.NET Identity's LockoutOptions.DefaultLockoutTimeSpan: 5 minutes. */
export const DEFAULT_LOCKOUT_MS = 5 * 60_000;
/** SqlMembershipProvider's passwordAttemptWindow: 10 minutes. */
export const DEFAULT_ATTEMPT_WINDOW_MS = 10 * 60_000;

/** The frameworks' defaults, for a site that never changed them. */
export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = {
  maxFailedAttempts: DEFAULT_MAX_FAILED_ATTEMPTS,
  lockoutMs: DEFAULT_LOCKOUT_MS,
  attemptWindowMs: DEFAULT_ATTEMPT_WINDOW_MS,
};
