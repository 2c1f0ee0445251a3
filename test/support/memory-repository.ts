import { randomUUID } from 'node:crypto';
import { type CallContext, NO_CONTEXT, remainingMs } from '../../src/domain/call-context';
import { type Clock, systemClock } from '../../src/domain/clock';
import { IdentityError } from '../../src/domain/errors';
import type { WriteCondition } from '../../src/domain/identity-repository';
import type { LockoutPolicy, SignInOutcome } from '../../src/domain/lockout-policy';
import { userMigratedError } from '../../src/domain/migration-guard';
import type { MigrationMark, NewUser, StoredPassword, StoredUser } from '../../src/domain/user';
import type { StoreRepository } from '../../src/store/open-repository';

/**
 * Case folding as the embedded store does it (SQLite `COLLATE NOCASE`): ASCII letters only, so the
 * fake never accepts a lookup the real store would refuse.
 */
function fold(value: string): string {
  return value.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Copies so callers can never change what the fake holds, nor see later changes. */
function copy<T>(value: T): T {
  return structuredClone(value);
}

/**
 * An in-memory IdentityRepository with the semantics of the real adapters (it passes the same
 * contract suite): case-insensitive unique email, unique user name, stable UUID ids, hash
 * compare-and-set, idempotent first-wins migration marks, marks removed with their user, writes
 * conditional on the user having no mark (checked with the write: a call runs without interleaving).
 *
 * Sign-in bookkeeping (LEGACY_LOCKOUT) as ASP.NET Identity keeps it: a failed-attempt count and a
 * timed lockout, judged at the fake's clock (the system clock unless one is given).
 *
 * Switches for domain tests: `outage` makes every call raise `unavailable` (a store that is down);
 * `failWrites` makes only writes raise it (a store that reads but cannot write).
 */
export class MemoryRepository implements StoreRepository {
  /** Every call raises `unavailable` while set. */
  outage = false;
  /** Every write raises `unavailable` while set; reads still answer. */
  failWrites = false;
  /** Every recordSignIn call, in order, as it was asked (null: an unknown login). */
  readonly signInCalls: { readonly userId: string | null; readonly outcome: SignInOutcome }[] = [];

  readonly #users = new Map<string, StoredUser>();
  readonly #marks = new Map<string, MigrationMark>();
  readonly #signIns = new Map<string, SignInState>();
  readonly #clock: Clock;
  #closed = false;

  constructor(options: { readonly clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** The user's failed-attempt count and lockout end, as AspNetUsers would hold them. */
  signInState(userId: string): SignInState {
    return { ...(this.#signIns.get(userId) ?? NO_SIGN_INS) };
  }

  /** Places a row as a legacy table would hold it (any id, any fields), bypassing insert's rules. */
  putLegacyUser(user: StoredUser): void {
    this.#users.set(user.userId, copy(user));
  }

  /** Flips whether the schema lets this user sign in (lockout, not approved). */
  setCanLogin(userId: string, canLogin: boolean): void {
    const user = this.#users.get(userId);
    if (!user) throw new Error(`no user ${userId}`);
    this.#users.set(userId, { ...user, canLogin });
  }

  async findByEmail(email: string, ctx?: CallContext): Promise<StoredUser | null> {
    this.#check(ctx, 'read');
    return this.#find((u) => fold(u.email) === fold(email));
  }

  async findByUsername(username: string, ctx?: CallContext): Promise<StoredUser | null> {
    this.#check(ctx, 'read');
    return this.#find((u) => u.username !== undefined && fold(u.username) === fold(username));
  }

  async findById(userId: string, ctx?: CallContext): Promise<StoredUser | null> {
    this.#check(ctx, 'read');
    const user = this.#users.get(userId);
    return user ? this.#read(user) : null;
  }

  async insert(user: NewUser, ctx?: CallContext): Promise<StoredUser> {
    this.#check(ctx, 'write');
    this.#assertFree(user.email, user.username, null);
    const stored: StoredUser = {
      userId: randomUUID(),
      email: user.email,
      emailVerified: user.emailVerified,
      ...(user.username === undefined ? {} : { username: user.username }),
      ...(user.userMetadata === undefined ? {} : { userMetadata: copy(user.userMetadata) }),
      ...(user.appMetadata === undefined ? {} : { appMetadata: copy(user.appMetadata) }),
      password: copy(user.password),
      canLogin: true,
    };
    this.#users.set(stored.userId, stored);
    return copy(stored);
  }

  async updatePassword(
    userId: string,
    password: StoredPassword,
    expected?: StoredPassword,
    ctx?: CallContext,
    condition?: WriteCondition,
  ): Promise<boolean> {
    this.#check(ctx, 'write');
    const user = this.#require(userId, condition);
    if (expected !== undefined && user.password.hash !== expected.hash) return false;
    this.#users.set(userId, { ...user, password: copy(password) });
    return true;
  }

  async setEmailVerified(
    userId: string,
    verified: boolean,
    ctx?: CallContext,
    condition?: WriteCondition,
  ): Promise<void> {
    this.#check(ctx, 'write');
    const user = this.#require(userId, condition);
    this.#users.set(userId, { ...user, emailVerified: verified });
  }

  async changeEmail(
    userId: string,
    newEmail: string,
    verified: boolean,
    ctx?: CallContext,
    condition?: WriteCondition,
  ): Promise<void> {
    this.#check(ctx, 'write');
    const user = this.#require(userId, condition);
    this.#assertFree(newEmail, undefined, userId);
    this.#users.set(userId, { ...user, email: newEmail, emailVerified: verified });
  }

  async delete(userId: string, ctx?: CallContext, condition?: WriteCondition): Promise<void> {
    this.#check(ctx, 'write');
    this.#require(userId, condition);
    this.#users.delete(userId);
    this.#marks.delete(userId);
    this.#signIns.delete(userId);
  }

  async getMigrationMark(userId: string, ctx?: CallContext): Promise<MigrationMark | null> {
    this.#check(ctx, 'read');
    const mark = this.#marks.get(userId);
    return mark ? copy(mark) : null;
  }

  async markMigrated(userId: string, at: Date, via: MigrationMark['via'], ctx?: CallContext): Promise<MigrationMark> {
    this.#check(ctx, 'write');
    const existing = this.#marks.get(userId);
    if (existing) return copy(existing);
    const mark: MigrationMark = { userId, migratedAt: new Date(at.getTime()), via };
    this.#marks.set(userId, mark);
    return copy(mark);
  }

  async unmark(userId: string, ctx?: CallContext): Promise<boolean> {
    this.#check(ctx, 'write');
    return this.#marks.delete(userId);
  }

  /**
   * Identity's rules (UserManager.AccessFailedAsync / ResetAccessFailedCountAsync): a failure counts,
   * and at the limit locks until now + lockoutMs with the count back to 0; a success resets a count that
   * is not 0. A user who may not sign in (the schema flag, or a lockout in force) is left alone.
   */
  async recordSignIn(
    userId: string | null,
    outcome: SignInOutcome,
    policy: LockoutPolicy,
    now: Date,
    ctx?: CallContext,
  ): Promise<boolean> {
    this.#check(ctx, 'write');
    this.signInCalls.push({ userId, outcome });
    const user = userId === null ? undefined : this.#users.get(userId);
    if (!user || userId === null) return false;
    const state = this.#signIns.get(userId) ?? NO_SIGN_INS;
    if (!user.canLogin || lockedAt(state, now)) return false;
    if (outcome === 'failure') {
      const count = state.accessFailedCount + 1;
      this.#signIns.set(
        userId,
        count >= policy.maxFailedAttempts
          ? { accessFailedCount: 0, lockoutEnd: new Date(now.getTime() + policy.lockoutMs) }
          : { ...state, accessFailedCount: count },
      );
      return true;
    }
    if (state.accessFailedCount === 0) return false;
    this.#signIns.set(userId, { ...state, accessFailedCount: 0 });
    return true;
  }

  async ping(ctx?: CallContext): Promise<void> {
    this.#check(ctx, 'read');
  }

  async countUsers(ctx?: CallContext): Promise<number> {
    this.#check(ctx, 'read');
    return this.#users.size;
  }

  /** Later calls raise `unavailable`, as a closed database does. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(ctx: CallContext | undefined, kind: 'read' | 'write'): void {
    if (this.#closed || this.outage || (kind === 'write' && this.failWrites)) {
      throw new IdentityError('unavailable', 'the user store is unavailable');
    }
    if (remainingMs(ctx ?? NO_CONTEXT) === 0) {
      throw new IdentityError('deadline_exceeded', 'the deadline passed before the store was queried');
    }
  }

  #find(predicate: (user: StoredUser) => boolean): StoredUser | null {
    for (const user of this.#users.values()) if (predicate(user)) return this.#read(user);
    return null;
  }

  /** The user as a read returns it: a lockout in force refuses sign-in, as Identity's LockoutEnd does. */
  #read(user: StoredUser): StoredUser {
    const locked = lockedAt(this.#signIns.get(user.userId) ?? NO_SIGN_INS, this.#clock.now());
    return copy(locked ? { ...user, canLogin: false } : user);
  }

  /** The user a write changes: `not_found`, then `failed_precondition` when the condition fails. */
  #require(userId: string, condition?: WriteCondition): StoredUser {
    const user = this.#users.get(userId);
    if (!user) throw new IdentityError('not_found', 'user not found');
    if (condition?.unlessMigrated && this.#marks.has(userId)) throw userMigratedError();
    return user;
  }

  /** The unique keys: email and user name, each case-insensitive, checked against every other user. */
  #assertFree(email: string, username: string | undefined, exceptUserId: string | null): void {
    for (const other of this.#users.values()) {
      if (other.userId === exceptUserId) continue;
      const emailTaken = fold(other.email) === fold(email);
      const usernameTaken =
        username !== undefined && other.username !== undefined && fold(other.username) === fold(username);
      if (emailTaken || usernameTaken) {
        throw new IdentityError('already_exists', 'a user with this email or username already exists');
      }
    }
  }
}

/** What the fake keeps of a user's sign-ins (AspNetUsers.AccessFailedCount and LockoutEnd). */
export interface SignInState {
  readonly accessFailedCount: number;
  readonly lockoutEnd: Date | null;
}

const NO_SIGN_INS: SignInState = { accessFailedCount: 0, lockoutEnd: null };

/** A lockout is in force while its end is now or later (Identity's IsLockedOutAsync). */
function lockedAt(state: SignInState, now: Date): boolean {
  return state.lockoutEnd !== null && state.lockoutEnd.getTime() >= now.getTime();
}
