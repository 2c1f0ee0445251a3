import type { Column, SchemaProfile, UsersTableProfile } from './schema-profile';

/**
 * Where a one-table profile keeps LEGACY_LOCKOUT's bookkeeping (SignInColumns): the failed-attempt
 * count, and the lockout it leads to: `until` a LockoutEnd instant (ASP.NET Identity: the count starts
 * again from zero when it locks), or a `flag` set until an administrator clears it (Membership-style:
 * the count stays). The optional columns follow Membership: an attempt window, the last sign-in and the
 * last lockout.
 */
export interface UsersTableBookkeeping {
  readonly count: Column;
  readonly lock: { readonly kind: 'until' | 'flag'; readonly column: Column };
  readonly window?: Column;
  readonly lastLogin?: Column;
  readonly lastLockout?: Column;
}

/** The profile's bookkeeping columns, or null when it keeps none (no count, or nowhere to keep a lockout). */
export function usersTableBookkeeping(profile: UsersTableProfile): UsersTableBookkeeping | null {
  const { accessFailedCount, lockoutEnd, lockedOut, failedAttemptWindowStart, lastLoginAt, lastLockoutAt } =
    profile.signIn;
  if (!accessFailedCount) return null;
  const lock = lockoutEnd
    ? ({ kind: 'until', column: lockoutEnd } as const)
    : lockedOut
      ? ({ kind: 'flag', column: lockedOut } as const)
      : null;
  if (!lock) return null;
  return {
    count: accessFailedCount,
    lock,
    ...(failedAttemptWindowStart ? { window: failedAttemptWindowStart } : {}),
    ...(lastLoginAt ? { lastLogin: lastLoginAt } : {}),
    ...(lastLockoutAt ? { lastLockout: lastLockoutAt } : {}),
  };
}

/**
 * Why LEGACY_LOCKOUT cannot run on this profile, or null when it can: aspnet-identity and
 * aspnet-membership always can; a one-table profile needs `signIn.accessFailedCount` and a column to keep
 * the lockout in (`signIn.lockoutEnd` or `signIn.lockedOut`). The built-in `default` profile has none.
 */
export function legacyLockoutProblem(profile: SchemaProfile): string | null {
  const kind = profile.kind;
  switch (kind) {
    case 'membership':
      return null;
    case 'users-table': {
      const { accessFailedCount, lockoutEnd, lockedOut } = profile.signIn;
      if (!accessFailedCount) {
        return `schema profile ${profile.name} keeps no failed-attempt count: map signIn.accessFailedCount (an int column) in a JSON profile`;
      }
      if (!lockoutEnd && !lockedOut) {
        return `schema profile ${profile.name} has no column to keep a lockout in: map signIn.lockoutEnd (a timestamp) or signIn.lockedOut (a bool)`;
      }
      return null;
    }
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown profile kind ${String(unreachable)}`);
    }
  }
}

/** Raised at start-up for LEGACY_LOCKOUT=on with a profile that cannot keep it; the message names the key. */
export class LegacyLockoutProfileError extends Error {
  override readonly name = 'LegacyLockoutProfileError';
}

/** Throws LegacyLockoutProfileError (`LEGACY_LOCKOUT: …; set LEGACY_LOCKOUT=off or …`) unless the profile can keep the lockout. */
export function assertProfileKeepsLockout(profile: SchemaProfile): void {
  const problem = legacyLockoutProblem(profile);
  if (problem) {
    throw new LegacyLockoutProfileError(`LEGACY_LOCKOUT: ${problem}, or set LEGACY_LOCKOUT=off`);
  }
}
