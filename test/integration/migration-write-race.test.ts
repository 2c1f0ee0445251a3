import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import type { IdentityRepository } from '../../src/domain/identity-repository';
import type { StoredUser } from '../../src/domain/user';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { initMssqlStore } from '../../src/store/mssql/init';
import { openMssqlRepository } from '../../src/store/mssql/open-mssql-repository';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import type { RepositoryHandle } from '../contract/repository-contract';
import { CheckThenWriteSeam } from '../support/check-then-write-seam';
import { callError, type PromiseClient, promiseClient } from '../support/grpc-call';
import { SILENT_LOGGER } from '../support/silent-logger';
import { type Stack, startStack } from '../support/stack';
import { startTdsServer } from '../support/tds/tds-server';
import { openTempSqliteRepository } from '../support/temp-sqlite-repository';

const PASSWORD = 'correct horse battery staple';

/** A store on its own fresh database; `close` closes it and removes the database. */
const STORES: readonly { label: string; open(): Promise<RepositoryHandle> }[] = [
  {
    label: 'sqlite, default profile',
    open: () => openTempSqliteRepository(DEFAULT_PROFILE, { prefix: 'lia-write-race-' }),
  },
  {
    // Membership's writes are several statements: the refused one must roll the others back.
    label: 'mssql over the TDS test server, aspnet-membership profile',
    async open() {
      const server = await startTdsServer();
      const store = { connectionString: server.storeUrl() };
      const profile = loadSchemaProfile('aspnet-membership', {
        applicationName: '/Shop',
        membershipHashAlgorithm: 'SHA1',
      });
      await initMssqlStore(store, { profile, createLegacyTables: true, logger: SILENT_LOGGER });
      const repository = await openMssqlRepository(store, { profile, logger: SILENT_LOGGER });
      return {
        repository,
        async close() {
          await repository.close();
          await server.close();
        },
      };
    },
  },
];

/** The four changes a migrated user refuses, each as one gRPC call on `user`. */
const CHANGES: readonly { rpc: string; call(rpc: PromiseClient, user: StoredUser): Promise<unknown> }[] = [
  { rpc: 'ChangePassword', call: (rpc, user) => rpc.changePassword({ email: user.email, newPassword: 'a new one!' }) },
  {
    rpc: 'ChangeEmail',
    call: (rpc, user) => rpc.changeEmail({ email: user.email, newEmail: `moved-${user.email}`, verified: true }),
  },
  { rpc: 'VerifyEmail', call: (rpc, user) => rpc.verifyEmail({ email: user.email }) },
  { rpc: 'DeleteUser', call: (rpc, user) => rpc.deleteUser({ userId: user.userId }) },
];

for (const store of STORES) {
  describe(`a change racing a login in import mode (${store.label}, real gRPC server)`, () => {
    let handle: RepositoryHandle;
    let seam: CheckThenWriteSeam<IdentityRepository>;
    let stack: Stack;
    let rpc: PromiseClient;

    beforeEach(async () => {
      handle = await store.open();
      seam = new CheckThenWriteSeam(handle.repository);
      stack = await startStack({
        repository: seam.repository,
        env: { MIGRATION_MODE: 'import', MIGRATION_GRACE: '5m' },
      });
      rpc = promiseClient(stack.client);
    });

    afterEach(async () => {
      await stack.close();
      await handle.close();
    });

    const createUser = async (local: string): Promise<StoredUser> => {
      const created = await rpc.createUser({ email: `${local}@example.com`, password: PASSWORD, username: local });
      const stored = await seam.store.findById(created.userId);
      assert.ok(stored);
      return stored;
    };

    for (const change of CHANGES) {
      it(`${change.rpc}: a login that marks the user after the check makes the write fail with FAILED_PRECONDITION, changing nothing`, async () => {
        const user = await createUser('racer');
        seam.beforeNextCheckAnswers(async () => {
          const login = await rpc.authenticate({ login: user.email, password: PASSWORD });
          assert.equal(login.user?.userId, user.userId);
        });

        const error = await callError(change.call(rpc, user));

        assert.equal(seam.ran, 1, 'the login ran between the check and the write');
        assert.equal(error.code, status.FAILED_PRECONDITION, error.details);
        assert.equal(error.details, 'user has migrated to Auth0; change it there');
        assert.deepEqual(await seam.store.findById(user.userId), user);
        assert.equal((await seam.store.getMigrationMark(user.userId))?.via, 'authenticate');
        assert.equal(await seam.store.findByEmail(`moved-${user.email}`), null);
        // Within the grace window the user still logs in here, with the password it had.
        assert.equal((await rpc.authenticate({ login: user.email, password: PASSWORD })).user?.userId, user.userId);
      });
    }

    it('the same interleaving with another user’s login lets each change through', async () => {
      const bystander = await createUser('bystander');
      for (const [i, change] of CHANGES.entries()) {
        const user = await createUser(`changer${i}`);
        seam.beforeNextCheckAnswers(async () => {
          await rpc.authenticate({ login: bystander.email, password: PASSWORD });
        });
        await change.call(rpc, user);
        assert.equal(seam.ran, i + 1);
        assert.notDeepEqual(await seam.store.findById(user.userId), user, `${change.rpc} changed the user`);
        assert.equal(await seam.store.getMigrationMark(user.userId), null);
      }
    });
  });
}
