import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { IdentityError, type IdentityErrorCode } from '../../src/domain/errors';
import type { IdentityRepository } from '../../src/domain/identity-repository';
import type { LockoutPolicy } from '../../src/domain/lockout-policy';
import type { NewUser, StoredUser } from '../../src/domain/user';
import { usersTableBookkeeping } from '../../src/store/legacy-lockout-columns';
import type { SchemaProfile } from '../../src/store/schema-profile';

/** One opened store for one test. */
export interface RepositoryHandle {
  readonly repository: IdentityRepository;
  /** Closes the current repository and releases the store (temp files, schema). */
  close(): Promise<void>;
  /**
   * For adapters that persist: closes the repository and opens the same store again, returning
   * the new one (which `close` then closes). Persistence tests are skipped without it.
   */
  reopen?(): Promise<IdentityRepository>;
}

/**
 * What the schema profile under test can hold. Profiles differ (ASP.NET Identity has no metadata
 * columns); tests of a missing capability are reported as pending, never silently passed.
 */
export interface ContractOptions {
  /** The profile stores user_metadata and app_metadata (default true). */
  readonly metadata?: boolean;
  /** The profile has an optional, unique user name (default true). */
  readonly usernames?: boolean;
  /**
   * How the profile keeps LEGACY_LOCKOUT's bookkeeping (recordSignIn): a lockout that ends
   * (`timed`, ASP.NET Identity) or one that lasts until an administrator unlocks (`until-unlocked`,
   * Membership), with or without an attempt window. Absent: the profile keeps none (recordSignIn
   * raises `internal`). See lockoutOf.
   */
  readonly lockout?: { readonly kind: 'timed' | 'until-unlocked'; readonly window: boolean };
}

/** The contract's `lockout` option for a schema profile, from the columns it maps. */
export function lockoutOf(profile: SchemaProfile): ContractOptions['lockout'] {
  if (profile.kind === 'membership') return { kind: 'until-unlocked', window: true };
  const kept = usersTableBookkeeping(profile);
  if (!kept) return undefined;
  return { kind: kept.lock.kind === 'until' ? 'timed' : 'until-unlocked', window: kept.window !== undefined };
}

/**
 * The contract every IdentityRepository adapter passes (sqlite, the in-memory fake, mssql over TDS
 * and over a real SQL Server). It assumes nothing about the store beyond the port: ids are opaque
 * strings, and every test uses emails and user names of its own, so a shared, non-empty database
 * works too.
 */
export function describeRepositoryContract(
  name: string,
  open: () => Promise<RepositoryHandle>,
  options: ContractOptions = {},
): void {
  const metadata = options.metadata ?? true;
  const usernames = options.usernames ?? true;
  const itWithUsernames = usernames ? it : it.skip;
  describe(`IdentityRepository contract: ${name}`, () => {
    let handle: RepositoryHandle;
    let repo: IdentityRepository;
    let tag: string;
    // Unique per test, so a shared database never collides with an earlier run.
    const email = (local: string) => `${local}-${tag}@example.com`;
    const username = (base: string) => `${base}_${tag}`;
    // Fields the profile cannot hold are left out rather than silently dropped by the store.
    const newUser = (overrides: Partial<NewUser> = {}): NewUser => {
      const { username: name, userMetadata, appMetadata, ...rest } = overrides;
      return {
        email: email('user'),
        password: { hash: 'hash-v1' },
        emailVerified: false,
        ...rest,
        ...(usernames && name !== undefined ? { username: name } : {}),
        ...(metadata && userMetadata !== undefined ? { userMetadata } : {}),
        ...(metadata && appMetadata !== undefined ? { appMetadata } : {}),
      };
    };

    beforeEach(async () => {
      tag = randomUUID().slice(0, 8);
      handle = await open();
      repo = handle.repository;
    });

    afterEach(async () => {
      await handle.close();
    });

    describe('insert and find', () => {
      it('returns the new user with a non-empty id, found again by email, username and id', async () => {
        const created = await repo.insert(
          newUser({
            email: email('alice'),
            username: username('alice'),
            emailVerified: true,
            userMetadata: { plan: 'gold', nested: { list: [1, 'two', null], flag: true } },
            appMetadata: { roles: ['admin'] },
          }),
        );
        assert.equal(typeof created.userId, 'string');
        assert.ok(created.userId.length > 0);
        assert.equal(created.email, email('alice'));
        assert.equal(created.username, usernames ? username('alice') : undefined);
        assert.equal(created.emailVerified, true);
        assert.equal(created.password.hash, 'hash-v1');
        assert.equal(created.canLogin, true);
        if (metadata) {
          assert.deepEqual(created.userMetadata, { plan: 'gold', nested: { list: [1, 'two', null], flag: true } });
          assert.deepEqual(created.appMetadata, { roles: ['admin'] });
        }

        const found = [await repo.findByEmail(email('alice')), await repo.findById(created.userId)];
        if (usernames) found.push(await repo.findByUsername(username('alice')));
        for (const user of found) {
          assert.deepEqual(user && comparable(user), comparable(created));
        }
      });

      it('gives every user its own id', async () => {
        const a = await repo.insert(newUser({ email: email('a') }));
        const b = await repo.insert(newUser({ email: email('b') }));
        assert.notEqual(a.userId, b.userId);
      });

      it('finds an email in any letter case and keeps the case it was stored with', async () => {
        const stored = `Mixed.Case-${tag}@Example.COM`;
        const created = await repo.insert(newUser({ email: stored }));
        for (const probe of [stored, stored.toLowerCase(), stored.toUpperCase()]) {
          const found = await repo.findByEmail(probe);
          assert.equal(found?.userId, created.userId, probe);
          assert.equal(found?.email, stored);
        }
      });

      itWithUsernames('finds a username in any letter case', async () => {
        const created = await repo.insert(newUser({ username: username('Bob.Smith') }));
        assert.equal((await repo.findByUsername(username('bob.smith')))?.userId, created.userId);
        assert.equal((await repo.findByUsername(username('BOB.SMITH')))?.userId, created.userId);
      });

      it('answers null for an unknown email, username and id', async () => {
        await repo.insert(newUser({ username: username('known') }));
        assert.equal(await repo.findByEmail(email('nobody')), null);
        assert.equal(await repo.findByUsername(username('nobody')), null);
        assert.equal(await repo.findById(`missing-${tag}`), null);
      });

      it('leaves optional fields absent when not given', async () => {
        const created = await repo.insert(newUser());
        const found = await repo.findById(created.userId);
        assert.ok(found);
        assert.equal(found.username, undefined);
        assert.equal(found.userMetadata, undefined);
        assert.equal(found.appMetadata, undefined);
        assert.equal(found.emailVerified, false);
      });

      it('stores unicode and SQL metacharacters verbatim and stays usable', async () => {
        const hostile = `o'brien"; DROP TABLE Users;--${tag}@example.com`;
        const unicodeName = `Zoë_名前_${tag}`;
        const hostileMetadata = { quote: `it's "fine"; --`, emoji: '🔐', cjk: '東京' };
        const created = await repo.insert(
          newUser({ email: hostile, username: unicodeName, userMetadata: hostileMetadata }),
        );
        const byEmail = await repo.findByEmail(hostile);
        assert.equal(byEmail?.userId, created.userId);
        assert.equal(byEmail?.email, hostile);
        if (usernames) assert.equal((await repo.findByUsername(unicodeName))?.username, unicodeName);
        if (metadata) assert.deepEqual(byEmail?.userMetadata, hostileMetadata);
        // The table is still there and still works.
        const after = await repo.insert(newUser({ email: email('after') }));
        assert.equal((await repo.findByEmail(email('after')))?.userId, after.userId);
      });

      it('keeps a password hash byte for byte (case, symbols, length)', async () => {
        const hash = `$2b$10$AbCdEfGhIjKlMnOpQrStUuVvWwXxYyZz0123456789./+=${'x'.repeat(200)}`;
        const created = await repo.insert(newUser({ password: { hash } }));
        assert.equal((await repo.findById(created.userId))?.password.hash, hash);
      });
    });

    describe('unique keys', () => {
      it('refuses an email that differs only in letter case with already_exists, changing nothing', async () => {
        const first = await repo.insert(newUser({ email: email('dup'), password: { hash: 'first' } }));
        await rejectsWith(
          repo.insert(newUser({ email: email('dup').toUpperCase(), password: { hash: 'second' } })),
          'already_exists',
        );
        const found = await repo.findByEmail(email('dup'));
        assert.equal(found?.userId, first.userId);
        assert.equal(found?.password.hash, 'first');
      });

      itWithUsernames('refuses a taken username in any letter case with already_exists', async () => {
        await repo.insert(newUser({ email: email('u1'), username: username('taken') }));
        await rejectsWith(
          repo.insert(newUser({ email: email('u2'), username: username('taken').toUpperCase() })),
          'already_exists',
        );
        assert.equal(await repo.findByEmail(email('u2')), null);
      });

      itWithUsernames('allows any number of users without a username', async () => {
        await repo.insert(newUser({ email: email('n1') }));
        await repo.insert(newUser({ email: email('n2') }));
        assert.ok(await repo.findByEmail(email('n2')));
      });
    });

    describe('updatePassword', () => {
      it('replaces the hash and returns true', async () => {
        const user = await repo.insert(newUser());
        assert.equal(await repo.updatePassword(user.userId, { hash: 'hash-v2' }), true);
        assert.equal((await repo.findById(user.userId))?.password.hash, 'hash-v2');
      });

      it('raises not_found for an unknown user', async () => {
        await rejectsWith(repo.updatePassword(`missing-${tag}`, { hash: 'x' }), 'not_found');
      });

      it('compare-and-set: wins while the stored hash is the expected one', async () => {
        const user = await repo.insert(newUser());
        assert.equal(await repo.updatePassword(user.userId, { hash: 'hash-v2' }, { hash: 'hash-v1' }), true);
        assert.equal((await repo.findById(user.userId))?.password.hash, 'hash-v2');
      });

      it('compare-and-set: returns false and changes nothing when the hash moved on', async () => {
        const user = await repo.insert(newUser());
        await repo.updatePassword(user.userId, { hash: 'changed-by-admin' });
        assert.equal(await repo.updatePassword(user.userId, { hash: 'rehash' }, { hash: 'hash-v1' }), false);
        assert.equal((await repo.findById(user.userId))?.password.hash, 'changed-by-admin');
      });

      it('compare-and-set: compares the hash exactly, letter case included', async () => {
        const user = await repo.insert(newUser({ password: { hash: 'AbC' } }));
        assert.equal(await repo.updatePassword(user.userId, { hash: 'new' }, { hash: 'abc' }), false);
        assert.equal((await repo.findById(user.userId))?.password.hash, 'AbC');
      });

      it('compare-and-set: raises not_found for an unknown user', async () => {
        await rejectsWith(repo.updatePassword(`missing-${tag}`, { hash: 'x' }, { hash: 'y' }), 'not_found');
      });

      it('changes only that user', async () => {
        const a = await repo.insert(newUser({ email: email('a') }));
        const b = await repo.insert(newUser({ email: email('b') }));
        await repo.updatePassword(a.userId, { hash: 'only-a' });
        assert.equal((await repo.findById(b.userId))?.password.hash, 'hash-v1');
      });
    });

    describe('setEmailVerified', () => {
      it('sets and clears the flag', async () => {
        const user = await repo.insert(newUser());
        await repo.setEmailVerified(user.userId, true);
        assert.equal((await repo.findByEmail(user.email))?.emailVerified, true);
        await repo.setEmailVerified(user.userId, true); // already set: still fine
        await repo.setEmailVerified(user.userId, false);
        assert.equal((await repo.findByEmail(user.email))?.emailVerified, false);
      });

      it('raises not_found for an unknown user', async () => {
        await rejectsWith(repo.setEmailVerified(`missing-${tag}`, true), 'not_found');
      });
    });

    describe('changeEmail', () => {
      it('moves the user to the new email with the given verified flag, keeping its id', async () => {
        const user = await repo.insert(newUser({ email: email('old'), emailVerified: true }));
        await repo.changeEmail(user.userId, email('new'), false);
        assert.equal(await repo.findByEmail(email('old')), null);
        const moved = await repo.findByEmail(email('new'));
        assert.equal(moved?.userId, user.userId);
        assert.equal(moved?.email, email('new'));
        assert.equal(moved?.emailVerified, false);
        await repo.changeEmail(user.userId, email('newer'), true);
        assert.equal((await repo.findById(user.userId))?.emailVerified, true);
      });

      it('raises already_exists for an email another user holds (in any case), changing nothing', async () => {
        const a = await repo.insert(newUser({ email: email('a'), emailVerified: true }));
        await repo.insert(newUser({ email: email('b') }));
        await rejectsWith(repo.changeEmail(a.userId, email('b').toUpperCase(), false), 'already_exists');
        const unchanged = await repo.findById(a.userId);
        assert.equal(unchanged?.email, email('a'));
        assert.equal(unchanged?.emailVerified, true);
      });

      it('lets a user change the letter case of its own email', async () => {
        const user = await repo.insert(newUser({ email: email('casey') }));
        await repo.changeEmail(user.userId, email('casey').toUpperCase(), true);
        assert.equal((await repo.findById(user.userId))?.email, email('casey').toUpperCase());
      });

      it('raises not_found for an unknown user', async () => {
        await rejectsWith(repo.changeEmail(`missing-${tag}`, email('x'), true), 'not_found');
      });
    });

    describe('delete', () => {
      it('removes the user from every lookup; a second delete raises not_found', async () => {
        const user = await repo.insert(newUser({ username: username('gone') }));
        await repo.delete(user.userId);
        assert.equal(await repo.findById(user.userId), null);
        assert.equal(await repo.findByEmail(user.email), null);
        assert.equal(await repo.findByUsername(username('gone')), null);
        await rejectsWith(repo.delete(user.userId), 'not_found');
      });

      it('removes the user’s migration mark too', async () => {
        const user = await repo.insert(newUser());
        await repo.markMigrated(user.userId, new Date('2026-01-02T03:04:05.678Z'), 'authenticate');
        await repo.delete(user.userId);
        assert.equal(await repo.getMigrationMark(user.userId), null);
      });

      it('raises not_found for an unknown user and deletes nothing else', async () => {
        const other = await repo.insert(newUser());
        await rejectsWith(repo.delete(`missing-${tag}`), 'not_found');
        assert.ok(await repo.findById(other.userId));
      });

      it('frees the email and username for a new user with a new id', async () => {
        const user = await repo.insert(newUser({ username: username('reuse') }));
        await repo.delete(user.userId);
        const again = await repo.insert(newUser({ username: username('reuse') }));
        assert.notEqual(again.userId, user.userId);
      });
    });

    describe('migration marks', () => {
      const at = new Date('2026-01-02T03:04:05.678Z');

      it('has no mark for a user never marked', async () => {
        const user = await repo.insert(newUser());
        assert.equal(await repo.getMigrationMark(user.userId), null);
      });

      it('records a mark with its time (millisecond precision) and how it happened', async () => {
        const user = await repo.insert(newUser());
        const mark = await repo.markMigrated(user.userId, at, 'get_user');
        assert.deepEqual(mark, { userId: user.userId, migratedAt: at, via: 'get_user' });
        assert.deepEqual(await repo.getMigrationMark(user.userId), mark);
      });

      it('is idempotent: a later mark keeps and returns the first one', async () => {
        const user = await repo.insert(newUser());
        const first = await repo.markMigrated(user.userId, at, 'authenticate');
        const second = await repo.markMigrated(user.userId, new Date(at.getTime() + 60_000), 'get_user');
        assert.deepEqual(second, first);
        assert.deepEqual(await repo.getMigrationMark(user.userId), first);
      });

      it('settles concurrent marks on one mark that every caller sees', async () => {
        const user = await repo.insert(newUser());
        const marks = await Promise.all(
          [0, 1, 2, 3, 4].map((i) =>
            repo.markMigrated(user.userId, new Date(at.getTime() + i * 1000), i % 2 ? 'get_user' : 'authenticate'),
          ),
        );
        const stored = await repo.getMigrationMark(user.userId);
        assert.ok(stored);
        for (const mark of marks) assert.deepEqual(mark, stored);
      });

      it('keeps marks per user', async () => {
        const a = await repo.insert(newUser({ email: email('a') }));
        const b = await repo.insert(newUser({ email: email('b') }));
        await repo.markMigrated(a.userId, at, 'export');
        assert.equal(await repo.getMigrationMark(b.userId), null);
        assert.equal((await repo.getMigrationMark(a.userId))?.via, 'export');
      });

      it('unmark removes the mark and says whether there was one', async () => {
        const user = await repo.insert(newUser());
        await repo.markMigrated(user.userId, at, 'authenticate');
        assert.equal(await repo.unmark(user.userId), true);
        assert.equal(await repo.getMigrationMark(user.userId), null);
        assert.equal(await repo.unmark(user.userId), false);
        const again = await repo.markMigrated(user.userId, new Date(at.getTime() + 5000), 'get_user');
        assert.equal(again.via, 'get_user');
      });
    });

    describe('writes unless migrated (import mode: the check and the write are one)', () => {
      const at = new Date('2026-01-02T03:04:05.678Z');
      const unlessMigrated = { unlessMigrated: true } as const;

      /** A user with every field the profile holds set, so that a change to any of them shows. */
      const fullUser = (local: string) =>
        repo.insert(
          newUser({
            email: email(local),
            username: username(local),
            emailVerified: true,
            password: { hash: `hash-of-${local}` },
            userMetadata: { plan: 'gold' },
            appMetadata: { roles: ['member'] },
          }),
        );
      /** What the store holds for the user, by every lookup, and its mark. */
      const snapshot = async (user: StoredUser) => ({
        byId: await repo.findById(user.userId),
        byEmail: await repo.findByEmail(user.email),
        byUsername: user.username === undefined ? null : await repo.findByUsername(user.username),
        mark: await repo.getMigrationMark(user.userId),
      });

      it('with a mark: each write raises failed_precondition and changes nothing', async () => {
        const user = await fullUser('marked');
        await repo.markMigrated(user.userId, at, 'authenticate');
        const before = await snapshot(user);
        assert.ok(before.byId && before.mark);

        // One after another: each refusal must leave the row exactly as it was for the next.
        const refusals: (() => Promise<unknown>)[] = [
          () => repo.updatePassword(user.userId, { hash: 'hash-v2' }, undefined, undefined, unlessMigrated),
          () => repo.updatePassword(user.userId, { hash: 'hash-v2' }, user.password, undefined, unlessMigrated),
          () => repo.setEmailVerified(user.userId, false, undefined, unlessMigrated),
          () => repo.changeEmail(user.userId, email('moved'), false, undefined, unlessMigrated),
          () => repo.delete(user.userId, undefined, unlessMigrated),
        ];
        for (const refusal of refusals) {
          const error = await rejectsWith(refusal(), 'failed_precondition');
          assert.equal(error.message, 'user has migrated to Auth0; change it there');
          assert.deepEqual(await snapshot(user), before);
        }
        assert.equal(await repo.findByEmail(email('moved')), null);
      });

      it('with a mark, changeEmail to a taken email still raises failed_precondition, changing nothing', async () => {
        const user = await fullUser('marked');
        await repo.insert(newUser({ email: email('taken') }));
        await repo.markMigrated(user.userId, at, 'get_user');
        const before = await snapshot(user);
        await rejectsWith(
          repo.changeEmail(user.userId, email('taken'), false, undefined, unlessMigrated),
          'failed_precondition',
        );
        assert.deepEqual(await snapshot(user), before);
      });

      it('without a mark: each write works as it does unconditionally', async () => {
        const user = await fullUser('plain');
        assert.equal(
          await repo.updatePassword(user.userId, { hash: 'hash-v2' }, undefined, undefined, unlessMigrated),
          true,
        );
        assert.equal(
          await repo.updatePassword(user.userId, { hash: 'hash-v3' }, { hash: 'hash-v2' }, undefined, unlessMigrated),
          true,
        );
        assert.equal(
          await repo.updatePassword(user.userId, { hash: 'lost' }, { hash: 'hash-v2' }, undefined, unlessMigrated),
          false,
        );
        assert.equal((await repo.findById(user.userId))?.password.hash, 'hash-v3');
        await repo.setEmailVerified(user.userId, false, undefined, unlessMigrated);
        assert.equal((await repo.findById(user.userId))?.emailVerified, false);
        await repo.changeEmail(user.userId, email('moved'), true, undefined, unlessMigrated);
        const moved = await repo.findByEmail(email('moved'));
        assert.equal(moved?.userId, user.userId);
        assert.equal(moved?.emailVerified, true);
        await repo.delete(user.userId, undefined, unlessMigrated);
        assert.equal(await repo.findById(user.userId), null);
      });

      it('without a mark: not_found and already_exists are reported as before', async () => {
        const a = await repo.insert(newUser({ email: email('a') }));
        await repo.insert(newUser({ email: email('b') }));
        const missing = `missing-${tag}`;
        await rejectsWith(
          repo.updatePassword(missing, { hash: 'x' }, undefined, undefined, unlessMigrated),
          'not_found',
        );
        await rejectsWith(repo.setEmailVerified(missing, true, undefined, unlessMigrated), 'not_found');
        await rejectsWith(repo.changeEmail(missing, email('x'), true, undefined, unlessMigrated), 'not_found');
        await rejectsWith(repo.delete(missing, undefined, unlessMigrated), 'not_found');
        await rejectsWith(repo.changeEmail(a.userId, email('b'), true, undefined, unlessMigrated), 'already_exists');
        assert.equal((await repo.findById(a.userId))?.email, email('a'));
      });

      it('only the user’s own mark counts: another user’s mark does not hold a write back', async () => {
        const user = await fullUser('own');
        const other = await repo.insert(newUser({ email: email('other') }));
        await repo.markMigrated(other.userId, at, 'authenticate');
        await repo.setEmailVerified(user.userId, false, undefined, unlessMigrated);
        assert.equal((await repo.findById(user.userId))?.emailVerified, false);
        await repo.delete(user.userId, undefined, unlessMigrated);
        assert.equal(await repo.findById(user.userId), null);
        assert.ok(await repo.findById(other.userId));
      });

      it('after unmark, the writes are allowed again', async () => {
        const user = await fullUser('unmarked');
        await repo.markMigrated(user.userId, at, 'export');
        await rejectsWith(repo.setEmailVerified(user.userId, false, undefined, unlessMigrated), 'failed_precondition');
        await repo.unmark(user.userId);
        await repo.setEmailVerified(user.userId, false, undefined, unlessMigrated);
        assert.equal((await repo.findById(user.userId))?.emailVerified, false);
      });

      it('without the condition a mark changes nothing: writes and the rehash compare-and-set go through', async () => {
        const user = await fullUser('unguarded');
        await repo.markMigrated(user.userId, at, 'authenticate');
        // The rehash at login runs after the login marked the user, and passes no condition.
        assert.equal(await repo.updatePassword(user.userId, { hash: 'rehashed' }, user.password), true);
        await repo.setEmailVerified(user.userId, false);
        await repo.changeEmail(user.userId, email('moved'), false);
        const found = await repo.findById(user.userId);
        assert.equal(found?.password.hash, 'rehashed');
        assert.equal(found?.email, email('moved'));
        await repo.delete(user.userId);
        assert.equal(await repo.findById(user.userId), null);
        assert.equal(await repo.getMigrationMark(user.userId), null);
      });
    });

    describe('concurrent writes (a burst of sign-ups, logins and changes on one freshly opened store)', () => {
      const at = new Date('2026-01-02T03:04:05.678Z');
      /** 'ok', or the failure's code and message, per call: a failure names the call that failed. */
      const settle = async (calls: Record<string, Promise<unknown>>): Promise<Record<string, string>> =>
        Object.fromEntries(
          await Promise.all(
            Object.entries(calls).map(async ([label, call]) => [
              label,
              await call.then(
                () => 'ok',
                (error: unknown) =>
                  error instanceof IdentityError ? `${error.code}: ${error.message}` : `not an IdentityError: ${error}`,
              ),
            ]),
          ),
        );

      it('writes of every kind to different users, all at once, each land exactly once', async () => {
        const users: StoredUser[] = [];
        for (let i = 0; i < 12; i++) {
          users.push(await repo.insert(newUser({ email: email(`c${i}`), password: { hash: `hash-${i}` } })));
        }
        const id = (i: number) => (users[i] as StoredUser).userId;
        const unlessMigrated = { unlessMigrated: true } as const;
        const inserted: StoredUser[] = [];
        const calls = {
          updatePassword: repo.updatePassword(id(0), { hash: 'new-0' }),
          'updatePassword (compare-and-set)': repo.updatePassword(id(1), { hash: 'new-1' }, { hash: 'hash-1' }),
          setEmailVerified: repo.setEmailVerified(id(2), true),
          'setEmailVerified (unless migrated)': repo.setEmailVerified(id(3), true, undefined, unlessMigrated),
          changeEmail: repo.changeEmail(id(4), email('moved4'), true),
          'changeEmail (unless migrated)': repo.changeEmail(id(5), email('moved5'), false, undefined, unlessMigrated),
          delete: repo.delete(id(6)),
          'delete (unless migrated)': repo.delete(id(7), undefined, unlessMigrated),
          'insert a': repo.insert(newUser({ email: email('new-a') })).then((u) => inserted.push(u)),
          'insert b': repo.insert(newUser({ email: email('new-b') })).then((u) => inserted.push(u)),
          'markMigrated (authenticate)': repo.markMigrated(id(8), at, 'authenticate'),
          'markMigrated (get_user)': repo.markMigrated(id(9), at, 'get_user'),
        };
        const outcomes = await settle(calls);
        assert.deepEqual(outcomes, Object.fromEntries(Object.keys(calls).map((label) => [label, 'ok'])));

        assert.equal((await repo.findById(id(0)))?.password.hash, 'new-0');
        assert.equal((await repo.findById(id(1)))?.password.hash, 'new-1');
        assert.equal((await repo.findById(id(2)))?.emailVerified, true);
        assert.equal((await repo.findById(id(3)))?.emailVerified, true);
        assert.equal((await repo.findByEmail(email('moved4')))?.userId, id(4));
        assert.equal(await repo.findByEmail(email('c4')), null);
        assert.equal((await repo.findByEmail(email('moved5')))?.userId, id(5));
        assert.equal(await repo.findById(id(6)), null);
        assert.equal(await repo.findById(id(7)), null);
        assert.equal(inserted.length, 2);
        assert.notEqual(inserted[0]?.userId, inserted[1]?.userId);
        for (const user of inserted) assert.equal((await repo.findByEmail(user.email))?.userId, user.userId);
        assert.deepEqual(await repo.getMigrationMark(id(8)), { userId: id(8), migratedAt: at, via: 'authenticate' });
        assert.deepEqual(await repo.getMigrationMark(id(9)), { userId: id(9), migratedAt: at, via: 'get_user' });
        // Nothing landed on a user no call named, and no write was applied to the wrong row.
        for (const i of [10, 11]) {
          const found = await repo.findById(id(i));
          assert.deepEqual(found && comparable(found), comparable(users[i] as StoredUser));
        }
        for (const i of [0, 1, 2, 3, 4, 5, 10, 11]) assert.equal(await repo.getMigrationMark(id(i)), null);
        // Adapters with a pool (mssql) got every connection back.
        assert.equal((repo as { poolUsage?: () => { inUse: number } }).poolUsage?.().inUse ?? 0, 0);
      });

      it('racing for one email, exactly one insert or change of email wins; the others raise already_exists', async () => {
        const a = await repo.insert(newUser({ email: email('race-a') }));
        const b = await repo.insert(newUser({ email: email('race-b') }));
        const outcomes = await settle({
          'insert 1': repo.insert(newUser({ email: email('contested') })),
          'insert 2': repo.insert(newUser({ email: email('contested') })),
          'changeEmail a': repo.changeEmail(a.userId, email('contested'), false),
          'changeEmail b': repo.changeEmail(b.userId, email('contested'), false),
        });
        const wins = Object.entries(outcomes).filter(([, outcome]) => outcome === 'ok');
        assert.equal(wins.length, 1, JSON.stringify(outcomes));
        for (const outcome of Object.values(outcomes)) {
          assert.ok(outcome === 'ok' || outcome.startsWith('already_exists:'), JSON.stringify(outcomes));
        }
        const holder = await repo.findByEmail(email('contested'));
        assert.ok(holder);
        const [winner] = wins[0] as [string, string];
        if (winner === 'changeEmail a') assert.equal(holder.userId, a.userId);
        if (winner === 'changeEmail b') assert.equal(holder.userId, b.userId);
        if (winner !== 'changeEmail a') assert.equal((await repo.findById(a.userId))?.email, email('race-a'));
        if (winner !== 'changeEmail b') assert.equal((await repo.findById(b.userId))?.email, email('race-b'));
      });
    });

    describe('recordSignIn (LEGACY_LOCKOUT: the legacy framework’s failed-attempt bookkeeping)', () => {
      const lockout = options.lockout;
      // A case that does not apply to this profile (no count kept, no window, …) is not registered at
      // all, rather than listed as pending with no reason: the profile's own case below says what it keeps.
      const notApplicable = ((): void => undefined) as unknown as typeof it;
      const itWithLockout = lockout ? it : notApplicable;
      const itTimed = lockout?.kind === 'timed' ? it : notApplicable;
      const itUntilUnlocked = lockout?.kind === 'until-unlocked' ? it : notApplicable;
      const itWindowed = lockout?.window ? it : notApplicable;
      const MINUTE = 60_000;
      const policy = (maxFailedAttempts: number, more: Partial<LockoutPolicy> = {}): LockoutPolicy => ({
        maxFailedAttempts,
        lockoutMs: 60 * MINUTE,
        attemptWindowMs: 10 * MINUTE,
        ...more,
      });
      /** A failure at `at` (now by default: the store judges lockouts at its own, real, clock). */
      const fail = (user: StoredUser, limits: LockoutPolicy, at = new Date()) =>
        repo.recordSignIn(user.userId, 'failure', limits, at);
      const canLogin = async (user: StoredUser) => (await repo.findById(user.userId))?.canLogin;

      it(
        lockout ? 'the profile keeps it' : 'raises internal on a profile that keeps none, changing nothing',
        async () => {
          const user = await repo.insert(newUser());
          if (lockout) {
            assert.equal(await fail(user, policy(3)), true);
            return;
          }
          const before = await repo.findById(user.userId);
          await rejectsWith(fail(user, policy(1)), 'internal');
          await rejectsWith(repo.recordSignIn(null, 'failure', policy(1), new Date()), 'internal');
          assert.deepEqual(await repo.findById(user.userId), before);
        },
      );

      itWithLockout('counts failures: the limit-th failure locks the user out, not one before', async () => {
        const user = await repo.insert(newUser());
        const limits = policy(3);
        assert.equal(await fail(user, limits), true);
        assert.equal(await fail(user, limits), true);
        assert.equal(await canLogin(user), true);
        assert.equal(await fail(user, limits), true);
        assert.equal(await canLogin(user), false);
      });

      itWithLockout('counts concurrent failures, every one of them', async () => {
        const user = await repo.insert(newUser());
        const limits = policy(8);
        // Five at once, then two: seven, one short of the limit. A lost update would need two more.
        const results = await Promise.all([1, 2, 3, 4, 5].map(() => fail(user, limits)));
        assert.deepEqual(results, [true, true, true, true, true]);
        await fail(user, limits);
        await fail(user, limits);
        assert.equal(await canLogin(user), true, 'seven failures of eight');
        await fail(user, limits);
        assert.equal(await canLogin(user), false, 'the eighth locks');
      });

      itWithLockout('a sign-in resets the count', async () => {
        const user = await repo.insert(newUser());
        const limits = policy(3);
        await fail(user, limits);
        await fail(user, limits);
        assert.equal(await repo.recordSignIn(user.userId, 'success', limits, new Date()), true);
        await fail(user, limits);
        await fail(user, limits);
        assert.equal(await canLogin(user), true, 'two failures since the sign-in');
        await fail(user, limits);
        assert.equal(await canLogin(user), false);
      });

      itWithLockout('leaves a locked-out user alone: further failures and sign-ins change nothing', async () => {
        const user = await repo.insert(newUser());
        const limits = policy(2);
        await fail(user, limits);
        await fail(user, limits);
        const locked = await repo.findById(user.userId);
        assert.equal(locked?.canLogin, false);
        assert.equal(await fail(user, limits), false);
        assert.equal(await repo.recordSignIn(user.userId, 'success', limits, new Date()), false);
        assert.deepEqual(await repo.findById(user.userId), locked);
      });

      itWithLockout('changes nothing for an unknown login (null) or a missing id, and no other user', async () => {
        const user = await repo.insert(newUser({ email: email('bystander') }));
        const other = await repo.insert(newUser({ email: email('other') }));
        const limits = policy(1);
        const before = await repo.findById(user.userId);
        for (const outcome of ['failure', 'success'] as const) {
          assert.equal(await repo.recordSignIn(null, outcome, limits, new Date()), false);
          assert.equal(await repo.recordSignIn(`missing-${tag}`, outcome, limits, new Date()), false);
        }
        assert.equal(await fail(other, limits), true);
        assert.equal(await canLogin(other), false);
        assert.deepEqual(await repo.findById(user.userId), before);
      });

      itTimed('a lockout ends after lockoutMs, and counting starts again from zero', async () => {
        const user = await repo.insert(newUser());
        const limits = policy(2, { lockoutMs: 5 * MINUTE });
        const earlier = new Date(Date.now() - 120 * MINUTE);
        await fail(user, limits, earlier);
        await fail(user, limits, earlier); // locked until 115 minutes ago
        assert.equal(await canLogin(user), true, 'the lockout is over');
        assert.equal(await fail(user, limits), true, 'the count restarted at 0: this is 1 of 2');
        assert.equal(await canLogin(user), true);
        await fail(user, limits);
        assert.equal(await canLogin(user), false, 'locked again, until an hour from now');
      });

      itUntilUnlocked('a lockout has no end', async () => {
        const user = await repo.insert(newUser());
        const limits = policy(1, { lockoutMs: 1_000 });
        await fail(user, limits, new Date(Date.now() - 400 * 24 * 60 * MINUTE));
        assert.equal(await canLogin(user), false);
      });

      itWindowed('failures further apart than the window start again at 1; each failure moves the window', async () => {
        const user = await repo.insert(newUser());
        const limits = policy(3, { attemptWindowMs: 10 * MINUTE });
        const t0 = Date.now() - 180 * MINUTE;
        const at = (minutes: number) => new Date(t0 + minutes * MINUTE);
        for (const minutes of [0, 11, 22]) await fail(user, limits, at(minutes)); // 1, 1, 1
        assert.equal(await canLogin(user), true, 'every failure came after the window of the previous one');
        await fail(user, limits, at(31)); // 2: nine minutes after the failure at 22
        assert.equal(await canLogin(user), true);
        await fail(user, limits, at(40)); // 3: nine minutes after the one at 31, eighteen after 22
        assert.equal(await canLogin(user), false, 'the window slides: it starts at the latest failure');
      });

      itWithLockout('refuses a call whose deadline has passed with deadline_exceeded, counting nothing', async () => {
        const user = await repo.insert(newUser());
        const limits = policy(1);
        await rejectsWith(
          repo.recordSignIn(user.userId, 'failure', limits, new Date(), { deadline: Date.now() - 1 }),
          'deadline_exceeded',
        );
        assert.equal(await canLogin(user), true);
      });
    });

    describe('health, deadlines and outages', () => {
      it('ping succeeds on an open store', async () => {
        await repo.ping();
      });

      it('refuses a call whose deadline has passed with deadline_exceeded, changing nothing', async () => {
        const expired = { deadline: Date.now() - 1 };
        await rejectsWith(repo.findByEmail(email('x'), expired), 'deadline_exceeded');
        await rejectsWith(repo.insert(newUser({ email: email('late') }), expired), 'deadline_exceeded');
        assert.equal(await repo.findByEmail(email('late')), null);
      });

      it('after close, raises unavailable instead of answering "not found"', async () => {
        const user = await repo.insert(newUser());
        await repo.close();
        await rejectsWith(repo.findByEmail(user.email), 'unavailable');
        await rejectsWith(repo.findById(user.userId), 'unavailable');
        await rejectsWith(repo.getMigrationMark(user.userId), 'unavailable');
        await rejectsWith(repo.updatePassword(user.userId, { hash: 'x' }), 'unavailable');
        if (options.lockout) {
          const limits = { maxFailedAttempts: 5, lockoutMs: 60_000, attemptWindowMs: 60_000 };
          await rejectsWith(repo.recordSignIn(user.userId, 'failure', limits, new Date()), 'unavailable');
        }
        await rejectsWith(repo.ping(), 'unavailable');
      });
    });

    describe('persistence', () => {
      it('keeps users, their ids, hashes and marks across a reopen', async function () {
        if (!handle.reopen) this.skip();
        const user = await repo.insert(
          newUser({ username: username('kept'), password: { hash: 'kept-hash' }, userMetadata: { a: 1 } }),
        );
        const mark = await repo.markMigrated(user.userId, new Date('2026-03-04T05:06:07.089Z'), 'authenticate');
        repo = await handle.reopen();
        const found = await repo.findByEmail(user.email);
        assert.deepEqual(found && comparable(found), comparable(user));
        if (usernames) assert.equal((await repo.findByUsername(username('kept')))?.userId, user.userId);
        assert.deepEqual(await repo.getMigrationMark(user.userId), mark);
      });
    });
  });
}

/** The fields the port promises, without those a profile does not map (salt, format). */
function comparable(user: StoredUser) {
  return {
    userId: user.userId,
    email: user.email,
    emailVerified: user.emailVerified,
    username: user.username,
    userMetadata: user.userMetadata,
    appMetadata: user.appMetadata,
    hash: user.password.hash,
    canLogin: user.canLogin,
  };
}

/** Awaits a rejection that is an IdentityError with this code. */
export async function rejectsWith(promise: Promise<unknown>, code: IdentityErrorCode): Promise<IdentityError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof IdentityError, `expected an IdentityError, got ${String(error)}`);
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}
