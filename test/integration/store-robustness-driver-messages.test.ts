import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { status } from '@grpc/grpc-js';
import { initStore } from '../../src/commands/db-init';
import { loadConfig } from '../../src/config';
import { IdentityError } from '../../src/domain/errors';
import { openMssqlRepository } from '../../src/store/mssql/open-mssql-repository';
import { DEFAULT_PROFILE } from '../../src/store/profiles/default-profile';
import { callError, promiseClient } from '../support/grpc-call';
import { RecordingLogger } from '../support/recording-logger';
import { type Stack, startStack } from '../support/stack';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';

/** What SQL Server's 2628 looks like: it quotes the start of the value that did not fit. */
const FAKE_SECRET = 'fake-secret-7Qz9@leak.example';
const TRUNCATION = {
  number: 2628,
  message: `String or binary data would be truncated in table 'legacy.dbo.Users', column 'Email'. Truncated value: '${FAKE_SECRET}'.`,
  match: /^INSERT INTO \[Users\]/,
};

/**
 * Driver messages can carry data: a store failure reaches log lines and span exception events only
 * as the error's number, state, class and the operation that failed.
 */
describe('store robustness: SQL Server error messages never reach logs or causes', function () {
  this.timeout(30_000);
  let server: TdsServer;

  beforeEach(async () => {
    server = await startTdsServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('the IdentityError of a 2628 names the error number and the operation, never the truncated value', async () => {
    const store = { kind: 'mssql' as const, connectionString: server.storeUrl() };
    await initStore(store, { profile: 'default', createLegacySchema: true });
    const logger = new RecordingLogger();
    const repository = await openMssqlRepository(store, { profile: DEFAULT_PROFILE, logger });
    try {
      server.injectError(TRUNCATION);
      const error = await repository
        .insert({ email: 'someone@example.com', password: { hash: 'h' }, emailVerified: false })
        .then(
          () => assert.fail('expected the insert to fail'),
          (e: unknown) => e,
        );
      assert.ok(error instanceof IdentityError);
      assert.equal(error.code, 'internal');
      assert.ok(error.cause instanceof Error);
      assert.equal(error.cause.name, 'RequestError');
      assert.match(error.cause.message, /^SQL Server error 2628 \(state \d+, class 16\) during insert$/);
      // Nothing reachable from the error (message, cause, their properties) holds the value.
      assert.ok(!inspect(error, { depth: 10, showHidden: true }).includes('fake-secret'));
      assert.ok(!JSON.stringify(logger.lines).includes('fake-secret'));
    } finally {
      await repository.close();
    }
  });

  it('the gRPC log line of a 2628 logs the safe cause; no log line holds the value', async () => {
    const STORE_URL = server.storeUrl();
    const config = loadConfig({ STORE_URL, HTTP_ADDR: 'off' });
    await initStore(config.store, { profile: 'default', createLegacySchema: true });
    const stack: Stack = await startStack({ env: { STORE_URL } });
    try {
      const rpc = promiseClient(stack.client);
      server.injectError(TRUNCATION);
      const error = await callError(rpc.createUser({ email: 'someone@example.com', password: 'a fine password' }));
      assert.equal(error.code, status.INTERNAL);
      assert.ok(!error.details.includes('fake-secret'));
      const line = stack.logs.entries().find((entry) => entry.rpc === 'CreateUser' && entry.outcome === 'internal');
      assert.ok(line, 'the failed RPC is logged');
      assert.match(String(line.cause), /RequestError: SQL Server error 2628 \(state \d+, class 16\) during insert/);
      assert.ok(!stack.logs.text.includes('fake-secret'), 'no log line holds the truncated value');
    } finally {
      await stack.close();
    }
  });
});
