import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { type ServiceError, status } from '@grpc/grpc-js';
import type { Clock } from '../../src/domain/clock';
import type { IdentityRepository } from '../../src/domain/identity-repository';
import { IdentityService } from '../../src/domain/identity-service';
import type { LockoutPolicy } from '../../src/domain/lockout-policy';
import { createIdentityClient } from '../../src/grpc/client';
import { startGrpcServer } from '../../src/grpc/server';
import { createLogger } from '../../src/logger';
import { createConfiguredHasher } from '../../src/passwords/configured-hasher';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import type { SchemaProfile } from '../../src/store/schema-profile';
import { toDate } from '../../src/store/user-row';
import { callError, type PromiseClient, promiseClient } from '../support/grpc-call';
import { insertMembershipApplication, insertMembershipUser, insertRow } from '../support/legacy-rows';
import { ManualClock } from '../support/manual-clock';
import { SILENT_LOGGER } from '../support/silent-logger';

/** Known-answer vectors from password-formats.md (as in profiles-grpc-contract.ts). */
const IDENTITY_V3 = {
  hash: 'AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==',
  password: 'my password',
};
const MEMBERSHIP_SHA1 = {
  salt: 'kDP0Py2QwEdJYtUX9cJABg==',
  hash: 'OJF6H4KdxFLgLu+oTDNFodCEfMA=',
  password: 'password',
};
/** The frameworks' defaults: 5 attempts, Identity locks for 5 minutes, Membership's window is 10 minutes. */
const POLICY: LockoutPolicy = { maxFailedAttempts: 5, lockoutMs: 5 * 60_000, attemptWindowMs: 10 * 60_000 };
const MINUTE = 60_000;
const START = new Date('2030-06-01T12:00:00.000Z');
const NEVER = new Date('1754-01-01T00:00:00.000Z');

/** One fresh store of one profile, its tables made by db init, the repository judging time by `clock`. */
export interface LockoutStore {
  readonly repository: IdentityRepository;
  /** SQL on the SQLite database holding the rows (the store itself, or the TDS test server's). */
  withDb<T>(work: (db: DatabaseSync) => T): T;
  /** A GUID as a raw row holds it (the TDS test server keeps them lower-case). */
  guid(value: string): string;
  /** From now on every statement writing the bookkeeping fails as in an outage; reads still work. */
  breakWrites(): void;
  close(): Promise<void>;
}

export interface LockoutBackend {
  /** `SQLite`, `mssql over the TDS test server`. */
  readonly name: string;
  open(profile: SchemaProfile, clock: Clock): Promise<LockoutStore>;
}

/** Every row of every table, as one comparable string (db-snapshot.ts, on an open database). */
export function snapshotRows(db: DatabaseSync): string {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((row) => String(row.name));
  return JSON.stringify(
    Object.fromEntries(
      tables.map((table) => [
        table,
        db
          .prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`)
          .all()
          .map((row) => JSON.stringify(row))
          .sort(),
      ]),
    ),
  );
}

/**
 * The service as main.ts wires it with LEGACY_LOCKOUT (`policy`; null: off), on `repository`: the real
 * hasher at the tests' cheap scrypt cost, the real gRPC server on port 0 and a real client.
 */
export async function startLockoutService(
  repository: IdentityRepository,
  clock: Clock,
  policy: LockoutPolicy | null,
): Promise<{ rpc: PromiseClient; close(): Promise<void> }> {
  const logger = createLogger({ level: 'silent' });
  const service = new IdentityService({
    repository,
    hasher: createConfiguredHasher({ cost: { logN: 10, r: 8, p: 1 }, logger: SILENT_LOGGER }),
    clock,
    logger,
    migration: { mode: 'legacy', graceMs: 5 * MINUTE },
    rehashOnLogin: false,
    ...(policy ? { legacyLockout: policy } : {}),
  });
  const server = await startGrpcServer({ service, logger }, { addr: { host: '127.0.0.1', port: 0 } });
  const client = createIdentityClient(server.address);
  return {
    rpc: promiseClient(client),
    async close() {
      client.close();
      await server.close(0);
    },
  };
}

/** Asserts that a refusal carries exactly what an unknown user's refusal carries. */
export function assertSameRefusal(actual: ServiceError, unknown: ServiceError, label: string): void {
  assert.equal(actual.code, status.UNAUTHENTICATED, label);
  assert.equal(actual.details, unknown.details, label);
  assert.deepEqual(
    actual.metadata.get('grpc-status-details-bin'),
    unknown.metadata.get('grpc-status-details-bin'),
    label,
  );
}

const at = (value: unknown) => toDate(value)?.toISOString();

/**
 * LEGACY_LOCKOUT through the real transport, per schema profile, on one store adapter: the legacy
 * rows end up as the .NET framework's own sign-in leaves them (ASP.NET Identity's SignInManager with
 * lockoutOnFailure and UserManager.AccessFailedAsync; Membership's ValidateUser and
 * aspnet_Membership_UpdateUserInfo), a lockout set here refuses the next login exactly like a wrong
 * password, an outage while recording answers UNAVAILABLE changing nothing, and with the switch off
 * nothing at all is written.
 */
export function describeLegacyLockoutOverGrpc(backend: LockoutBackend): void {
  describe(`LEGACY_LOCKOUT over gRPC (${backend.name})`, () => {
    let store: LockoutStore | undefined;
    let service: { rpc: PromiseClient; close(): Promise<void> } | undefined;
    let clock: ManualClock;

    async function start(profile: SchemaProfile, policy: LockoutPolicy | null = POLICY) {
      clock = new ManualClock(START);
      store = await backend.open(profile, clock);
      service = await startLockoutService(store.repository, clock, policy);
      return { store, rpc: service.rpc };
    }

    afterEach(async () => {
      await service?.close();
      await store?.close();
      service = undefined;
      store = undefined;
    });

    describe('aspnet-identity', () => {
      const profile = loadSchemaProfile('aspnet-identity');
      const ID = 'ann-id';

      function legacyUser(s: LockoutStore, values: Record<string, string | number | null> = {}): void {
        s.withDb((db) =>
          insertRow(db, 'AspNetUsers', {
            Id: ID,
            UserName: 'ann@example.com',
            NormalizedUserName: 'ANN@EXAMPLE.COM',
            Email: 'ann@example.com',
            NormalizedEmail: 'ANN@EXAMPLE.COM',
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
      const row = (s: LockoutStore) =>
        s.withDb((db) => ({
          ...db
            .prepare(
              'SELECT AccessFailedCount, LockoutEnd, ConcurrencyStamp, SecurityStamp FROM AspNetUsers WHERE Id = ?',
            )
            .get(ID),
        }));

      it('five wrong passwords lock the user as AccessFailedAsync does; the right one is then refused like a wrong one', async () => {
        const { store: s, rpc } = await start(profile);
        legacyUser(s);
        const unknown = await callError(rpc.authenticate({ login: 'nobody@example.com', password: 'guess' }));
        for (let i = 1; i <= 4; i++) {
          assertSameRefusal(
            await callError(rpc.authenticate({ login: 'ann@example.com', password: `guess ${i}` })),
            unknown,
            `guess ${i}`,
          );
          assert.equal(row(s).AccessFailedCount, i);
        }
        const counted = row(s);
        assert.equal(counted.LockoutEnd, null);
        assert.notEqual(counted.ConcurrencyStamp, 'concurrency', 'UpdateAsync renews ConcurrencyStamp');
        assert.equal(counted.SecurityStamp, 'STAMP', 'and leaves SecurityStamp alone');

        assertSameRefusal(
          await callError(rpc.authenticate({ login: 'ann@example.com', password: 'guess 5' })),
          unknown,
          'the fifth',
        );
        const locked = row(s);
        assert.equal(locked.AccessFailedCount, 0, 'reset when the lockout is set');
        assert.equal(at(locked.LockoutEnd), new Date(START.getTime() + POLICY.lockoutMs).toISOString());

        const right = await callError(rpc.authenticate({ login: 'ann@example.com', password: IDENTITY_V3.password }));
        assertSameRefusal(right, unknown, 'the right password while locked out');
        assert.deepEqual(row(s), locked, 'a refused sign-in of a locked-out user changes nothing');

        clock.advance(POLICY.lockoutMs + 1_000);
        const ok = await rpc.authenticate({ login: 'ann@example.com', password: IDENTITY_V3.password });
        assert.equal(ok.user?.userId, ID);
        assert.deepEqual(row(s), locked, 'nothing to reset: ResetAccessFailedCountAsync writes nothing for 0');
      });

      it('a sign-in resets the count', async () => {
        const { store: s, rpc } = await start(profile);
        legacyUser(s);
        await callError(rpc.authenticate({ login: 'ann@example.com', password: 'guess 1' }));
        await callError(rpc.authenticate({ login: 'ann@example.com', password: 'guess 2' }));
        assert.equal(row(s).AccessFailedCount, 2);
        await rpc.authenticate({ login: 'ann@example.com', password: IDENTITY_V3.password });
        assert.equal(row(s).AccessFailedCount, 0);
        assert.equal(row(s).LockoutEnd, null);
      });

      it('LockoutEnabled = 0: failures count and set LockoutEnd as Identity’s do, but sign-in is never refused', async () => {
        const { store: s, rpc } = await start(profile);
        legacyUser(s, { LockoutEnabled: 0 });
        for (let i = 1; i <= 5; i++)
          await callError(rpc.authenticate({ login: 'ann@example.com', password: `guess ${i}` }));
        assert.equal(row(s).AccessFailedCount, 0);
        assert.equal(at(row(s).LockoutEnd), new Date(START.getTime() + POLICY.lockoutMs).toISOString());
        const ok = await rpc.authenticate({ login: 'ann@example.com', password: IDENTITY_V3.password });
        assert.equal(ok.user?.userId, ID);
      });

      it('an outage while recording answers UNAVAILABLE, never a wrong password, and changes nothing', async function () {
        this.timeout(30_000);
        const { store: s, rpc } = await start(profile);
        legacyUser(s, { AccessFailedCount: 2 });
        const before = s.withDb(snapshotRows);
        s.breakWrites();
        for (const [login, password] of [
          ['ann@example.com', 'guess'],
          ['ann@example.com', IDENTITY_V3.password],
          ['nobody@example.com', 'guess'],
        ] as const) {
          const error = await callError(rpc.authenticate({ login, password }));
          assert.equal(error.code, status.UNAVAILABLE, `${login} / ${password === 'guess' ? 'wrong' : 'right'}`);
        }
        assert.equal(s.withDb(snapshotRows), before);
      });

      it('off (the default): nothing is written, whatever the answers', async () => {
        const { store: s, rpc } = await start(profile, null);
        legacyUser(s, { AccessFailedCount: 2 });
        const before = s.withDb(snapshotRows);
        for (let i = 0; i < 6; i++)
          await callError(rpc.authenticate({ login: 'ann@example.com', password: `guess ${i}` }));
        await callError(rpc.authenticate({ login: 'nobody@example.com', password: 'guess' }));
        await rpc.authenticate({ login: 'ann@example.com', password: IDENTITY_V3.password });
        assert.equal(s.withDb(snapshotRows), before);
      });
    });

    describe('aspnet-membership', () => {
      const profile = loadSchemaProfile('aspnet-membership', {
        applicationName: '/Shop',
        membershipHashAlgorithm: 'SHA1',
      });
      const APP = '0f4c5b7e-1111-4a6b-9c3d-2e5f6a7b8c9d';
      const USER = '5d2f8c1a-2222-4b3c-8d4e-5f6a7b8c9d0e';

      function legacyUser(s: LockoutStore, membership: Record<string, string | number> = {}): void {
        s.withDb((db) => {
          insertMembershipApplication(db, '/Shop', s.guid(APP));
          insertMembershipUser(db, {
            applicationId: s.guid(APP),
            userId: s.guid(USER),
            userName: 'ann',
            email: 'ann@example.com',
            password: { hash: MEMBERSHIP_SHA1.hash, salt: MEMBERSHIP_SHA1.salt },
            membership,
          });
        });
      }
      const row = (s: LockoutStore) =>
        s.withDb((db) => {
          const m = db
            .prepare(
              `SELECT FailedPasswordAttemptCount, FailedPasswordAttemptWindowStart, FailedPasswordAnswerAttemptCount,
                      FailedPasswordAnswerAttemptWindowStart, IsLockedOut, LastLockoutDate, LastLoginDate
               FROM aspnet_Membership WHERE UserId = ?`,
            )
            .get(s.guid(USER));
          const u = db.prepare('SELECT LastActivityDate FROM aspnet_Users WHERE UserId = ?').get(s.guid(USER));
          return {
            count: m?.FailedPasswordAttemptCount,
            windowStart: at(m?.FailedPasswordAttemptWindowStart),
            answerCount: m?.FailedPasswordAnswerAttemptCount,
            answerWindowStart: at(m?.FailedPasswordAnswerAttemptWindowStart),
            lockedOut: m?.IsLockedOut,
            lastLockout: at(m?.LastLockoutDate),
            lastLogin: at(m?.LastLoginDate),
            lastActivity: at(u?.LastActivityDate),
          };
        });
      const created = new Date('2009-01-01T00:00:00.000Z').toISOString();
      const minutes = (n: number) => new Date(START.getTime() + n * MINUTE).toISOString();

      it('five wrong passwords in the window lock the user as UpdateUserInfo does; the right one is then refused like a wrong one', async () => {
        const { store: s, rpc } = await start(profile);
        legacyUser(s);
        const unknown = await callError(rpc.authenticate({ login: 'nobody@example.com', password: 'guess' }));
        for (let i = 1; i <= 5; i++) {
          assertSameRefusal(
            await callError(rpc.authenticate({ login: 'ann', password: `guess ${i}` })),
            unknown,
            `guess ${i}`,
          );
          clock.advance(MINUTE);
        }
        const locked = row(s);
        assert.deepEqual(locked, {
          count: 5,
          windowStart: minutes(4),
          answerCount: 0,
          answerWindowStart: NEVER.toISOString(),
          lockedOut: 1,
          lastLockout: minutes(4),
          lastLogin: created,
          lastActivity: created,
        });

        const right = await callError(rpc.authenticate({ login: 'ann', password: MEMBERSHIP_SHA1.password }));
        assertSameRefusal(right, unknown, 'the right password while locked out');
        clock.advance(400 * 24 * 60 * MINUTE);
        assertSameRefusal(
          await callError(rpc.authenticate({ login: 'ann@example.com', password: MEMBERSHIP_SHA1.password })),
          unknown,
          'a year later: Membership’s lockout has no end',
        );
        assert.deepEqual(row(s), locked, 'refused sign-ins of a locked-out user change nothing');

        // An administrator unlocks (aspnet_Membership_UnlockUser clears the flag and the counts).
        s.withDb((db) =>
          db
            .prepare(
              `UPDATE aspnet_Membership SET IsLockedOut = 0, FailedPasswordAttemptCount = 0,
               FailedPasswordAttemptWindowStart = '1754-01-01 00:00:00', LastLockoutDate = '1754-01-01 00:00:00'
               WHERE UserId = ?`,
            )
            .run(s.guid(USER)),
        );
        const ok = await rpc.authenticate({ login: 'ann', password: MEMBERSHIP_SHA1.password });
        assert.equal(ok.user?.userId, USER);
        const signedIn = row(s);
        assert.equal(signedIn.lastLogin, clock.now().toISOString());
        assert.equal(signedIn.lastActivity, clock.now().toISOString());
        assert.equal(signedIn.count, 0);
      });

      it('the attempt window: failures more than 10 minutes apart start again at 1; a sign-in resets everything to "never"', async () => {
        const { store: s, rpc } = await start(profile);
        legacyUser(s, { FailedPasswordAnswerAttemptCount: 1 });
        const wrong = () => callError(rpc.authenticate({ login: 'ann', password: 'guess' }));
        await wrong();
        clock.advance(11 * MINUTE);
        await wrong();
        assert.deepEqual([row(s).count, row(s).windowStart], [1, minutes(11)], 'outside the window: 1 again');
        clock.advance(9 * MINUTE);
        await wrong();
        clock.advance(9 * MINUTE);
        await wrong();
        assert.deepEqual([row(s).count, row(s).windowStart], [3, minutes(29)], 'each failure moves the window');
        assert.equal(row(s).lockedOut, 0);

        clock.advance(MINUTE);
        await rpc.authenticate({ login: 'ann', password: MEMBERSHIP_SHA1.password });
        assert.deepEqual(row(s), {
          count: 0,
          windowStart: NEVER.toISOString(),
          answerCount: 0,
          answerWindowStart: NEVER.toISOString(),
          lockedOut: 0,
          lastLockout: NEVER.toISOString(),
          lastLogin: minutes(30),
          lastActivity: minutes(30),
        });
      });

      it('a user not approved is refused and nothing is counted, as ValidateUser stops before its bookkeeping', async () => {
        const { store: s, rpc } = await start(profile);
        legacyUser(s, { IsApproved: 0 });
        const before = s.withDb(snapshotRows);
        for (let i = 0; i < 6; i++) await callError(rpc.authenticate({ login: 'ann', password: `guess ${i}` }));
        assert.equal(
          (await callError(rpc.authenticate({ login: 'ann', password: MEMBERSHIP_SHA1.password }))).code,
          status.UNAUTHENTICATED,
        );
        assert.equal(s.withDb(snapshotRows), before);
      });

      it('an outage while recording answers UNAVAILABLE, never a wrong password, and changes nothing', async function () {
        this.timeout(30_000);
        const { store: s, rpc } = await start(profile);
        legacyUser(s, { FailedPasswordAttemptCount: 2 });
        const before = s.withDb(snapshotRows);
        s.breakWrites();
        for (const [login, password] of [
          ['ann', 'guess'],
          ['ann', MEMBERSHIP_SHA1.password],
          ['nobody', 'guess'],
        ] as const) {
          const error = await callError(rpc.authenticate({ login, password }));
          assert.equal(error.code, status.UNAVAILABLE, `${login} / ${password === 'guess' ? 'wrong' : 'right'}`);
        }
        assert.equal(s.withDb(snapshotRows), before);
      });

      it('off (the default): nothing is written, not even LastLoginDate', async () => {
        const { store: s, rpc } = await start(profile, null);
        legacyUser(s);
        const before = s.withDb(snapshotRows);
        for (let i = 0; i < 6; i++) await callError(rpc.authenticate({ login: 'ann', password: `guess ${i}` }));
        await rpc.authenticate({ login: 'ann', password: MEMBERSHIP_SHA1.password });
        assert.equal(s.withDb(snapshotRows), before);
      });
    });

    describe('custom JSON profile (test/fixtures/profiles/acme-lockout.json)', () => {
      const profile = loadSchemaProfile(join(__dirname, '..', 'fixtures', 'profiles', 'acme-lockout.json'));

      it('counts in the mapped columns, sets the lockout flag at the limit, and a sign-in resets the count', async () => {
        const { store: s, rpc } = await start(profile);
        const ann = await rpc.createUser({ email: 'ann@example.com', password: 'ann password', username: 'ann' });
        const bob = await rpc.createUser({ email: 'bob@example.com', password: 'bob password' });
        const row = (id: string) =>
          s.withDb((db) => ({
            ...db
              .prepare(
                'SELECT FailedLogins, LastFailedLoginAt, IsLocked, LockedAt, LastLoginAt FROM Accounts WHERE AccountId = ?',
              )
              .get(s.guid(id)),
          }));
        await callError(rpc.authenticate({ login: 'ann', password: 'guess' }));
        await callError(rpc.authenticate({ login: 'ann', password: 'guess' }));
        await rpc.authenticate({ login: 'ann', password: 'ann password' });
        assert.deepEqual(
          {
            ...row(ann.userId),
            LastFailedLoginAt: at(row(ann.userId).LastFailedLoginAt),
            LastLoginAt: at(row(ann.userId).LastLoginAt),
          },
          {
            FailedLogins: 0,
            LastFailedLoginAt: START.toISOString(),
            IsLocked: 0,
            LockedAt: null,
            LastLoginAt: START.toISOString(),
          },
        );

        const unknown = await callError(rpc.authenticate({ login: 'nobody@example.com', password: 'guess' }));
        for (let i = 0; i < 5; i++) await callError(rpc.authenticate({ login: 'bob@example.com', password: 'guess' }));
        const locked = row(bob.userId);
        assert.deepEqual([locked.FailedLogins, locked.IsLocked, at(locked.LockedAt)], [5, 1, START.toISOString()]);
        assertSameRefusal(
          await callError(rpc.authenticate({ login: 'bob@example.com', password: 'bob password' })),
          unknown,
          'the right password while locked out',
        );
      });
    });
  });
}
