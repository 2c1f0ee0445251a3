import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IdentityStoreClient } from '../../gen/identity/v1/identity_store';
import { initStore } from '../../src/commands/db-init';
import { type Config, loadConfig } from '../../src/config';
import type { Clock } from '../../src/domain/clock';
import type { IdentityRepository } from '../../src/domain/identity-repository';
import { createIdentityClient } from '../../src/grpc/client';
import { createLogger, type Logger } from '../../src/logger';
import { type RunningService, startService } from '../../src/main';
import { LogCapture } from './log-capture';

/** Low scrypt cost for tests: same code path, a fraction of the time. */
export const TEST_SCRYPT_ENV = { SCRYPT_LOG_N: '10', SCRYPT_R: '8', SCRYPT_P: '1' } as const;
export const TEST_BRIDGE_TOKEN = 'test-bridge-token-0123456789abcdefghijklmnop';

export interface StackOptions {
  /** Extra environment for loadConfig (MIGRATION_MODE, KDF_CONCURRENCY, …). */
  readonly env?: Record<string, string>;
  /** Reuse a database directory (persistence tests); a fresh temp dir otherwise. */
  readonly dir?: string;
  readonly clock?: Clock;
  readonly repository?: IdentityRepository;
  /** Start the bridge too (HTTP_ADDR 127.0.0.1:0 with TEST_BRIDGE_TOKEN). */
  readonly bridge?: boolean;
}

export interface Stack {
  readonly dir: string;
  readonly dbPath: string;
  readonly config: Config;
  readonly running: RunningService;
  readonly client: IdentityStoreClient;
  readonly grpcAddress: string;
  /** Base URL of the bridge when started with `bridge: true`. */
  readonly bridgeUrl: string | null;
  readonly logs: LogCapture;
  readonly logger: Logger;
  /** Stops everything; removes the temp dir unless `keepDir`. */
  close(options?: { keepDir?: boolean }): Promise<void>;
}

/** A real service: SQLite in a temp dir, the real domain and hasher, gRPC (and the bridge) on port 0. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'lia-test-'));
  const dbPath = join(dir, 'legacy.db');
  const config = loadConfig({
    STORE_URL: `sqlite:${dbPath}`,
    GRPC_ADDR: '127.0.0.1:0',
    HTTP_ADDR: options.bridge ? '127.0.0.1:0' : 'off',
    BRIDGE_TOKENS: TEST_BRIDGE_TOKEN,
    METRICS_ADDR: 'off',
    LOG_LEVEL: 'info',
    ...TEST_SCRYPT_ENV,
    ...options.env,
  });
  if (config.store.kind === 'sqlite' && options.repository === undefined) {
    await initStore(config.store, { profile: config.schemaProfile, createLegacySchema: true });
  }
  const logs = new LogCapture();
  const logger = createLogger({ level: config.logLevel, destination: logs });
  const overrides = {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.repository ? { repository: options.repository } : {}),
  };
  const running = await startService(config, logger, overrides);
  const client = createIdentityClient(running.grpc.address);
  const bridgeUrl = running.bridge ? `http://127.0.0.1:${running.bridge.port}` : null;
  return {
    dir,
    dbPath,
    config,
    running,
    client,
    grpcAddress: running.grpc.address,
    bridgeUrl,
    logs,
    logger,
    async close({ keepDir = false } = {}) {
      client.close();
      await running.close();
      if (!keepDir && options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
