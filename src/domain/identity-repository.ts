import type { CallContext } from './call-context';
import type { LockoutPolicy, SignInOutcome } from './lockout-policy';
import type { MigrationMark, NewUser, StoredPassword, StoredUser } from './user';

/**
 * A condition a write must meet, checked by the store in the same statement or transaction as the
 * write itself, so that nothing can change in between.
 */
export interface WriteCondition {
  /**
   * Only while the user has no migration mark: a user marked by a concurrent Authenticate or GetUser
   * belongs to Auth0, and the write raises `failed_precondition` and changes nothing.
   */
  readonly unlessMigrated?: boolean;
}

/**
 * The port every store adapter implements (sqlite, mssql), whatever schema profile it maps.
 *
 * Every method may also raise `unavailable` (store unreachable, pool exhausted, transient driver
 * error after its retry) and `deadline_exceeded` (the call's deadline passed while querying); those
 * never mean "not found" or "wrong password". Adapters translate driver errors in one function.
 * Emails compare case-insensitively.
 */
export interface IdentityRepository {
  /** The user with this email (case-insensitive), or null. */
  findByEmail(email: string, ctx?: CallContext): Promise<StoredUser | null>;
  /** The user with this username (as the profile compares them), or null. */
  findByUsername(username: string, ctx?: CallContext): Promise<StoredUser | null>;
  /** The user with this id, or null. */
  findById(userId: string, ctx?: CallContext): Promise<StoredUser | null>;

  /** Stores a new user and returns it with its new stable id. Raises `already_exists` (email or username taken). */
  insert(user: NewUser, ctx?: CallContext): Promise<StoredUser>;

  /**
   * Replaces the user's password. With `expected`, only when the stored hash (and, where the profile
   * keeps one, the salt) still equals `expected` (compare-and-set, for rehash on login): returns false
   * when it did not. The rehash is not a change of credentials (the same password keeps working,
   * here and in Auth0), so it passes no `condition`: in `import` mode the login has just marked the user.
   * Raises `not_found` when the user does not exist, `failed_precondition` when `condition` fails.
   */
  updatePassword(
    userId: string,
    password: StoredPassword,
    expected?: StoredPassword,
    ctx?: CallContext,
    condition?: WriteCondition,
  ): Promise<boolean>;

  /** Sets the email-verified flag. Raises `not_found`, `failed_precondition` when `condition` fails. */
  setEmailVerified(userId: string, verified: boolean, ctx?: CallContext, condition?: WriteCondition): Promise<void>;

  /**
   * Changes the email and its verified flag. Raises `not_found`, `failed_precondition` when
   * `condition` fails, `already_exists` (email taken by another user).
   */
  changeEmail(
    userId: string,
    newEmail: string,
    verified: boolean,
    ctx?: CallContext,
    condition?: WriteCondition,
  ): Promise<void>;

  /** Deletes the user (and its migration mark). Raises `not_found`, `failed_precondition` when `condition` fails. */
  delete(userId: string, ctx?: CallContext, condition?: WriteCondition): Promise<void>;

  /** The user's migration mark, or null when not migrated. */
  getMigrationMark(userId: string, ctx?: CallContext): Promise<MigrationMark | null>;

  /**
   * Records that the user migrated. Idempotent and safe under concurrency: when a mark exists it is
   * kept unchanged (the first time wins) and returned.
   */
  markMigrated(userId: string, at: Date, via: MigrationMark['via'], ctx?: CallContext): Promise<MigrationMark>;

  /** Removes the user's mark; false when there was none. */
  unmark(userId: string, ctx?: CallContext): Promise<boolean>;

  /**
   * Keeps the legacy schema's sign-in bookkeeping the way the legacy framework's own sign-in does
   * (ASP.NET Identity's AccessFailedAsync / ResetAccessFailedCountAsync, Membership's
   * aspnet_Membership_UpdateUserInfo): a `failure` counts a failed attempt and, at
   * `policy.maxFailedAttempts`, locks the account; a `success` resets the count (and, where the schema
   * keeps them, moves the last-login dates). One atomic statement per user (or one transaction), the
   * count computed by the store, so concurrent failures all count.
   *
   * A user the schema does not let sign in (locked out, not approved) is left unchanged, as the
   * frameworks never reach their bookkeeping for one. `userId` null (an unknown login) changes nothing
   * but runs the same statement, so the call costs, and fails, alike whether or not the user exists.
   * Returns whether a row changed. Raises `internal` for a profile that keeps no bookkeeping (refused
   * at start-up with LEGACY_LOCKOUT=on).
   */
  recordSignIn(
    userId: string | null,
    outcome: SignInOutcome,
    policy: LockoutPolicy,
    now: Date,
    ctx?: CallContext,
  ): Promise<boolean>;

  /** Succeeds when the store answers a trivial query. Raises `unavailable`. */
  ping(ctx?: CallContext): Promise<void>;

  /** Releases connections and file handles. */
  close(): Promise<void>;
}
