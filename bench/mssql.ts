import { initStore } from '../src/commands/db-init';
import { loadConfig } from '../src/config';
import { promiseClient } from '../test/support/grpc-call';
import { startStack } from '../test/support/stack';
import { startTdsServer } from '../test/support/tds/tds-server';
import { type Measurement, measure } from './measure';

export interface MssqlBenchOptions {
  /** scrypt cost of the user's hash (the same as the sqlite figures it is printed next to). */
  readonly scryptLogN: number;
  readonly kdfConcurrency: number;
  /** Operations per figure. */
  readonly lookups: number;
  readonly logins: number;
  /** Concurrent GetUser calls (16 in run.ts's sqlite figure). */
  readonly lookupConcurrency?: number;
  /** Pool size (MSSQL_POOL_MAX); the adapter's default when absent. */
  readonly poolMax?: number;
}

export interface MssqlBenchResult {
  readonly getUser: Measurement;
  readonly authenticate: Measurement;
  /** Requests the TDS server answered, per GetUser (the pool's validation `SELECT 1` included). */
  readonly tdsRequestsPerGetUser: number;
}

/**
 * GetUser and Authenticate throughput over gRPC with the mssql adapter talking TDS to the test server
 * (which executes on node:sqlite in this same process). Informational: it measures the adapter, the
 * mssql/tedious client and the wire path, not SQL Server. The caller prints it next to the sqlite
 * figures of the same run.
 */
export async function benchMssql(options: MssqlBenchOptions): Promise<MssqlBenchResult> {
  const password = 'bench password 1';
  const server = await startTdsServer();
  try {
    const STORE_URL = server.storeUrl();
    await initStore(loadConfig({ STORE_URL, HTTP_ADDR: 'off' }).store, {
      profile: 'default',
      createLegacySchema: true,
    });
    const stack = await startStack({
      env: {
        STORE_URL,
        SCRYPT_LOG_N: String(options.scryptLogN),
        KDF_CONCURRENCY: String(options.kdfConcurrency),
        KDF_QUEUE_LIMIT: '1000',
        LOG_LEVEL: 'silent',
        ...(options.poolMax ? { MSSQL_POOL_MAX: String(options.poolMax) } : {}),
      },
    });
    try {
      const rpc = promiseClient(stack.client);
      await rpc.createUser({ email: 'bench@example.com', password, username: 'bench' });
      const before = server.stats.requests;
      const getUser = await measure(options.lookups, options.lookupConcurrency ?? 16, () =>
        rpc.getUser({ email: 'bench@example.com', login: '' }),
      );
      const tdsRequestsPerGetUser = (server.stats.requests - before) / Math.max(1, getUser.ops);
      const authenticate = await measure(options.logins, options.kdfConcurrency, () =>
        rpc.authenticate({ login: 'bench@example.com', password }),
      );
      return { getUser, authenticate, tdsRequestsPerGetUser };
    } finally {
      await stack.close();
    }
  } finally {
    await server.close();
  }
}
