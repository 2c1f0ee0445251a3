import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { type ServiceError, status } from '@grpc/grpc-js';
import { callError, type PromiseClient, promiseClient } from '../support/grpc-call';
import { insertMembershipUser, insertRow } from '../support/legacy-rows';
import { type Stack, TEST_BRIDGE_TOKEN } from '../support/stack';

/** Known-answer vectors from password-formats.md. */
const IDENTITY_V3 = {
  hash: 'AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==',
  password: 'my password',
};
const IDENTITY_V2 = {
  hash: 'AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg==',
  password: 'my password',
};
const MEMBERSHIP_SHA1 = {
  salt: 'kDP0Py2QwEdJYtUX9cJABg==',
  hash: 'OJF6H4KdxFLgLu+oTDNFodCEfMA=',
  password: 'password',
};
const NEW_PASSWORD = 'a brand new passphrase';

/** A running service (gRPC and bridge) on a fresh store whose tables db init --create-legacy-schema made. */
export interface ProfileStack {
  readonly stack: Stack;
  /**
   * SQL on the SQLite file that holds the rows: the store itself (sqlite), or the TDS test server's
   * backing database (mssql), written behind the server's back like a legacy application's rows.
   */
  withDb<T>(work: (db: DatabaseSync) => T): T;
  /**
   * A GUID as a raw row holds it. The TDS test server keeps UNIQUEIDENTIFIER values as lower-case
   * text (it lower-cases GUID parameters, since SQLite compares text case-sensitively where SQL
   * Server compares GUIDs regardless of case), so rows written behind its back must too.
   */
  guid(value: string): string;
  close(): Promise<void>;
}

/** One store the profile scenarios run on. */
export interface ProfileBackend {
  /** Shown in the suite names: `SQLite`, `mssql over the TDS test server`. */
  readonly name: string;
  /** Starts the service with these settings (SCHEMA_PROFILE, APPLICATION_NAME, …) on a fresh store. */
  start(env: Record<string, string>): Promise<ProfileStack>;
}

/** Asserts that a refusal carries exactly what an unknown user's refusal carries. */
function assertSameRefusal(actual: ServiceError, unknown: ServiceError, label: string): void {
  assert.equal(actual.code, status.UNAUTHENTICATED, label);
  assert.equal(actual.details, unknown.details, label);
  assert.deepEqual(
    actual.metadata.get('grpc-status-details-bin'),
    unknown.metadata.get('grpc-status-details-bin'),
    label,
  );
}

/** One bridge call: status and JSON body. */
async function bridgePost(stack: Stack, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  assert.ok(stack.bridgeUrl, 'the bridge runs');
  const response = await fetch(`${stack.bridgeUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

/**
 * The schema profiles' behaviour through the real transports (gRPC, and the bridge the Auth0 scripts
 * call): Identity v2/v3 and Membership SHA1 rows sign in with their existing hashes, ASP.NET
 * Identity's lockout columns and Membership's IsApproved / IsLockedOut refuse sign-in exactly like a
 * wrong password, another Membership application's users are invisible, and users the adapter writes
 * look like the .NET application's. Every store adapter runs it (issue 6: "the same as on SQLite").
 */
export function describeProfilesOverGrpc(backend: ProfileBackend): void {
  describe(`IdentityStore over gRPC with SCHEMA_PROFILE=aspnet-identity (${backend.name})`, () => {
    let handle: ProfileStack;
    let rpc: PromiseClient;

    beforeEach(async () => {
      handle = await backend.start({ SCHEMA_PROFILE: 'aspnet-identity' });
      rpc = promiseClient(handle.stack.client);
    });
    afterEach(async () => {
      await handle.close();
    });

    /** An AspNetUsers row as the .NET application writes it. */
    function legacyUser(id: string, email: string, values: Record<string, string | number | null> = {}): void {
      handle.withDb((db) =>
        insertRow(db, 'AspNetUsers', {
          Id: id,
          UserName: email,
          NormalizedUserName: email.toUpperCase(),
          Email: email,
          NormalizedEmail: email.toUpperCase(),
          EmailConfirmed: 1,
          PasswordHash: IDENTITY_V3.hash,
          SecurityStamp: 'STAMP',
          ConcurrencyStamp: 'concurrency',
          PhoneNumberConfirmed: 0,
          TwoFactorEnabled: 0,
          LockoutEnd: null,
          LockoutEnabled: 1,
          AccessFailedCount: 0,
          ...values,
        }),
      );
    }

    it('signs in Identity v3 and v2 users with their existing hashes, and refuses a wrong password', async () => {
      legacyUser('v3-user', 'Vee.Three@Example.com');
      legacyUser('v2-user', 'vee.two@example.com', {
        PasswordHash: IDENTITY_V2.hash,
        UserName: 'veetwo',
        NormalizedUserName: 'VEETWO',
      });
      const v3 = await rpc.authenticate({ login: 'vee.three@EXAMPLE.com', password: IDENTITY_V3.password });
      assert.deepEqual(
        {
          userId: v3.user?.userId,
          email: v3.user?.email,
          verified: v3.user?.emailVerified,
          username: v3.user?.username,
        },
        { userId: 'v3-user', email: 'Vee.Three@Example.com', verified: true, username: undefined },
      );
      const v2 = await rpc.authenticate({ login: 'VeeTwo', password: IDENTITY_V2.password });
      assert.equal(v2.user?.userId, 'v2-user');
      assert.equal(v2.user?.username, 'veetwo');

      const wrong = await callError(rpc.authenticate({ login: 'vee.three@example.com', password: 'my Password' }));
      const unknown = await callError(rpc.authenticate({ login: 'nobody@example.com', password: 'my Password' }));
      assertSameRefusal(wrong, unknown, 'wrong password');
    });

    it('refuses a locked-out user with the right password exactly like a wrong password, and admits them once the lockout ends', async () => {
      legacyUser('locked', 'locked@example.com', { LockoutEnd: '2999-01-01T00:00:00.000Z' });
      legacyUser('was-locked', 'was-locked@example.com', { LockoutEnd: '2001-01-01T00:00:00.000Z' });
      legacyUser('lockout-off', 'lockout-off@example.com', {
        LockoutEnd: '2999-01-01T00:00:00.000Z',
        LockoutEnabled: 0,
      });
      const locked = await callError(rpc.authenticate({ login: 'locked@example.com', password: IDENTITY_V3.password }));
      const unknown = await callError(rpc.authenticate({ login: 'ghost@example.com', password: IDENTITY_V3.password }));
      assertSameRefusal(locked, unknown, 'locked out');
      const ok = await rpc.authenticate({ login: 'was-locked@example.com', password: IDENTITY_V3.password });
      assert.equal(ok.user?.userId, 'was-locked');
      // LockoutEnabled = 0 ignores LockoutEnd, as Identity's IsLockedOutAsync does.
      const unlocked = await rpc.authenticate({ login: 'lockout-off@example.com', password: IDENTITY_V3.password });
      assert.equal(unlocked.user?.userId, 'lockout-off');
      // A lockout refuses sign-in only: the user is still found.
      assert.equal((await rpc.getUser({ email: 'LOCKED@example.com', login: '' })).userId, 'locked');
    });

    it('answers the bridge like gRPC: 200 with the profile, 401 invalid_credentials for a lockout as for an unknown user', async () => {
      legacyUser('v3-user', 'Vee.Three@Example.com');
      legacyUser('locked', 'locked@example.com', { LockoutEnd: '2999-01-01T00:00:00.000Z' });
      const ok = await bridgePost(handle.stack, '/v1/login', {
        username_or_email: 'vee.three@example.com',
        password: IDENTITY_V3.password,
      });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.json, {
        profile: { user_id: 'v3-user', email: 'Vee.Three@Example.com', email_verified: true },
      });
      const locked = await bridgePost(handle.stack, '/v1/login', {
        username_or_email: 'locked@example.com',
        password: IDENTITY_V3.password,
      });
      const unknown = await bridgePost(handle.stack, '/v1/login', {
        username_or_email: 'ghost@example.com',
        password: IDENTITY_V3.password,
      });
      assert.equal(locked.status, 401);
      assert.deepEqual(locked.json, unknown.json);
      assert.equal((await bridgePost(handle.stack, '/v1/get-user', { email: 'LOCKED@example.com' })).status, 200);
    });

    it('creates users the .NET way (GUID id, normalized columns), and a password change writes scrypt and renews SecurityStamp', async () => {
      const created = await rpc.createUser({
        email: 'Fresh.User@Example.com',
        password: 'first password',
        userMetadata: { dropped: true },
      });
      assert.match(created.userId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(created.username, undefined);
      assert.equal(created.userMetadata, undefined);
      const before = handle.withDb((db) => ({ ...db.prepare('SELECT * FROM AspNetUsers').get() }));
      assert.equal(before.NormalizedEmail, 'FRESH.USER@EXAMPLE.COM');
      assert.equal(before.UserName, 'Fresh.User@Example.com');

      await rpc.changePassword({ email: 'fresh.user@example.com', newPassword: NEW_PASSWORD });
      const after = handle.withDb((db) => ({ ...db.prepare('SELECT * FROM AspNetUsers').get() }));
      assert.match(String(after.PasswordHash), /^c2NyeXB0/);
      assert.notEqual(after.SecurityStamp, before.SecurityStamp);
      assert.notEqual(after.ConcurrencyStamp, before.ConcurrencyStamp);
      await callError(rpc.authenticate({ login: 'fresh.user@example.com', password: 'first password' }));
      const ok = await rpc.authenticate({ login: 'Fresh.User@Example.com', password: NEW_PASSWORD });
      assert.equal(ok.user?.userId, created.userId);
    });

    it('ChangeEmail moves NormalizedEmail and a user name that was the email; VerifyEmail sets EmailConfirmed', async () => {
      legacyUser('mover', 'before@example.com', { EmailConfirmed: 0 });
      await rpc.verifyEmail({ email: 'BEFORE@example.com' });
      await rpc.changeEmail({ email: 'before@example.com', newEmail: 'After@Example.com', verified: true });
      const row = handle.withDb((db) => ({
        ...db.prepare('SELECT * FROM AspNetUsers WHERE Id = ?').get('mover'),
      }));
      assert.deepEqual(
        [row.Email, row.NormalizedEmail, row.UserName, row.NormalizedUserName, row.EmailConfirmed],
        ['After@Example.com', 'AFTER@EXAMPLE.COM', 'After@Example.com', 'AFTER@EXAMPLE.COM', 1],
      );
      const signedIn = await rpc.authenticate({ login: 'after@example.com', password: IDENTITY_V3.password });
      assert.equal(signedIn.user?.userId, 'mover');
    });
  });

  describe(`IdentityStore over gRPC with SCHEMA_PROFILE=aspnet-membership (${backend.name})`, () => {
    const SHOP_APP = '5d6e7f80-1111-4222-8333-944455556666';
    const FORUM_APP = '0a3b9c6e-0000-4000-8000-000000000001';
    let handle: ProfileStack;
    let rpc: PromiseClient;

    async function start(env: Record<string, string> = {}) {
      handle = await backend.start({ SCHEMA_PROFILE: 'aspnet-membership', APPLICATION_NAME: '/Shop', ...env });
      rpc = promiseClient(handle.stack.client);
      handle.withDb((db) => {
        insertRow(db, 'aspnet_Applications', {
          ApplicationName: '/Shop',
          LoweredApplicationName: '/shop',
          ApplicationId: handle.guid(SHOP_APP.toUpperCase()),
        });
        insertRow(db, 'aspnet_Applications', {
          ApplicationName: '/Forum',
          LoweredApplicationName: '/forum',
          ApplicationId: handle.guid(FORUM_APP),
        });
      });
    }
    afterEach(async () => {
      await handle.close();
    });

    /** aspnet_Users + aspnet_Membership rows as aspnet_Membership_CreateUser writes them (SHA1 vector). */
    function legacyUser(
      userId: string,
      email: string,
      options: { app?: string; membership?: Record<string, string | number | null> } = {},
    ): void {
      const app = options.app ?? SHOP_APP.toUpperCase();
      handle.withDb((db) =>
        insertMembershipUser(db, {
          applicationId: handle.guid(app),
          userId: handle.guid(userId),
          userName: email,
          email,
          password: MEMBERSHIP_SHA1,
          at: '2009-06-01 10:00:00',
          ...(options.membership ? { membership: options.membership } : {}),
        }),
      );
    }

    it('signs in a Membership SHA1 user with the existing hash (user_id = UserId, lower-case), and refuses a wrong password', async () => {
      await start();
      legacyUser('A1B2C3D4-0000-4000-8000-00000000000A', 'Shopper@Example.com');
      const ok = await rpc.authenticate({ login: 'shopper@example.com', password: MEMBERSHIP_SHA1.password });
      assert.equal(ok.user?.userId, 'a1b2c3d4-0000-4000-8000-00000000000a');
      assert.equal(ok.user?.email, 'Shopper@Example.com');
      const wrong = await callError(rpc.authenticate({ login: 'shopper@example.com', password: 'Password' }));
      const unknown = await callError(rpc.authenticate({ login: 'nobody@example.com', password: 'Password' }));
      assertSameRefusal(wrong, unknown, 'wrong password');
    });

    it('refuses IsApproved = 0 and IsLockedOut = 1 with the right password exactly like a wrong password', async () => {
      await start();
      legacyUser('00000000-0000-4000-8000-0000000000b1', 'unapproved@example.com', { membership: { IsApproved: 0 } });
      legacyUser('00000000-0000-4000-8000-0000000000b2', 'locked@example.com', { membership: { IsLockedOut: 1 } });
      const unknown = await callError(rpc.authenticate({ login: 'ghost@example.com', password: 'password' }));
      for (const login of ['unapproved@example.com', 'locked@example.com']) {
        assertSameRefusal(await callError(rpc.authenticate({ login, password: 'password' })), unknown, login);
      }
    });

    it('answers the bridge like gRPC: IsApproved = 0 is 401 invalid_credentials, another application’s user is 404 not_found', async () => {
      await start();
      legacyUser('00000000-0000-4000-8000-0000000000b1', 'unapproved@example.com', { membership: { IsApproved: 0 } });
      legacyUser('00000000-0000-4000-8000-0000000000c1', 'poster@example.com', { app: FORUM_APP });
      legacyUser('00000000-0000-4000-8000-0000000000e1', 'buyer@example.com');
      const ok = await bridgePost(handle.stack, '/v1/login', {
        username_or_email: 'BUYER@example.com',
        password: 'password',
      });
      assert.equal(ok.status, 200);
      assert.equal(
        (ok.json as { profile: { user_id: string } }).profile.user_id,
        '00000000-0000-4000-8000-0000000000e1',
      );
      const unapproved = await bridgePost(handle.stack, '/v1/login', {
        username_or_email: 'unapproved@example.com',
        password: 'password',
      });
      const unknown = await bridgePost(handle.stack, '/v1/login', {
        username_or_email: 'ghost@example.com',
        password: 'password',
      });
      assert.equal(unapproved.status, 401);
      assert.deepEqual(unapproved.json, unknown.json);
      const other = await bridgePost(handle.stack, '/v1/get-user', { email: 'poster@example.com' });
      assert.equal(other.status, 404);
      assert.deepEqual(other.json, { error: 'not_found', message: 'user not found' });
    });

    it('does not see users of an application other than APPLICATION_NAME', async () => {
      await start();
      const forumUser = '00000000-0000-4000-8000-0000000000c1';
      legacyUser(forumUser, 'poster@example.com', { app: FORUM_APP });
      const refused = await callError(rpc.authenticate({ login: 'poster@example.com', password: 'password' }));
      assert.equal(refused.code, status.UNAUTHENTICATED);
      assert.equal((await callError(rpc.getUser({ email: 'poster@example.com', login: '' }))).code, status.NOT_FOUND);
      assert.equal((await callError(rpc.deleteUser({ userId: forumUser }))).code, status.NOT_FOUND);
      assert.equal(
        (await callError(rpc.changePassword({ email: 'poster@example.com', newPassword: NEW_PASSWORD }))).code,
        status.NOT_FOUND,
      );
      const password = handle.withDb((db) => db.prepare('SELECT Password FROM aspnet_Membership').get()?.Password);
      assert.equal(password, MEMBERSHIP_SHA1.hash);
    });

    it('serves that other application when APPLICATION_NAME names it', async () => {
      await start({ APPLICATION_NAME: '/forum' });
      legacyUser('00000000-0000-4000-8000-0000000000c1', 'poster@example.com', { app: FORUM_APP });
      const ok = await rpc.authenticate({ login: 'poster@example.com', password: 'password' });
      assert.equal(ok.user?.userId, '00000000-0000-4000-8000-0000000000c1');
    });

    it('verifies with the algorithm MEMBERSHIP_HASH_ALGORITHM names: a SHA1 row does not verify as HMACSHA256', async () => {
      await start({ MEMBERSHIP_HASH_ALGORITHM: 'HMACSHA256' });
      legacyUser('00000000-0000-4000-8000-0000000000d1', 'sha1@example.com');
      const refused = await callError(rpc.authenticate({ login: 'sha1@example.com', password: 'password' }));
      assert.equal(refused.code, status.UNAUTHENTICATED);
    });

    it('creates a user in the application, signs it in, verifies its email and changes its password', async () => {
      await start();
      const created = await rpc.createUser({
        email: 'New@Example.com',
        password: 'first password',
        username: 'newbie',
      });
      assert.match(created.userId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(created.username, 'newbie');
      assert.equal(created.emailVerified, false);
      const byName = await rpc.authenticate({ login: 'NEWBIE', password: 'first password' });
      assert.equal(byName.user?.userId, created.userId);
      await rpc.verifyEmail({ email: 'new@example.com' });
      assert.equal((await rpc.getUser({ email: 'new@example.com', login: '' })).emailVerified, true);
      await rpc.changePassword({ email: 'new@example.com', newPassword: NEW_PASSWORD });
      const row = handle.withDb((db) => ({
        ...db
          .prepare(
            'SELECT ApplicationId, Password, PasswordFormat, PasswordSalt FROM aspnet_Membership WHERE UserId = ?',
          )
          .get(handle.guid(created.userId)),
      }));
      assert.equal(row.ApplicationId, handle.guid(SHOP_APP.toUpperCase()), 'the application’s id, as stored');
      assert.match(String(row.Password), /^c2NyeXB0/);
      assert.equal(String(row.Password).length, 128);
      assert.deepEqual([row.PasswordFormat, row.PasswordSalt], [1, '']);
      const ok = await rpc.authenticate({ login: 'new@example.com', password: NEW_PASSWORD });
      assert.equal(ok.user?.userId, created.userId);
      await rpc.deleteUser({ userId: created.userId });
      assert.equal((await callError(rpc.getUser({ email: 'new@example.com', login: '' }))).code, status.NOT_FOUND);
    });
  });

  describe(`IdentityStore over gRPC with SCHEMA_PROFILE=<custom JSON file> (${backend.name})`, () => {
    let handle: ProfileStack;
    afterEach(async () => {
      await handle.close();
    });

    it('creates, finds and signs in users through the example profile', async () => {
      handle = await backend.start({
        SCHEMA_PROFILE: join(__dirname, '..', 'fixtures', 'profiles', 'acme-members.json'),
      });
      const rpc = promiseClient(handle.stack.client);
      const created = await rpc.createUser({
        email: 'Ann@Example.com',
        password: 'ann password',
        username: 'Ann.Smith',
        userMetadata: { plan: 'gold' },
      });
      const found = await rpc.getUser({ email: '', login: 'ann.smith' });
      assert.equal(found.userId, created.userId);
      assert.deepEqual(found.userMetadata, { plan: 'gold' });
      const ok = await rpc.authenticate({ login: 'ANN@example.com', password: 'ann password' });
      assert.equal(ok.user?.userId, created.userId);
      handle.withDb((db) => db.prepare('UPDATE Members SET IsActive = 0').run());
      const refused = await callError(rpc.authenticate({ login: 'ann@example.com', password: 'ann password' }));
      assert.equal(refused.code, status.UNAUTHENTICATED);
    });
  });
}
