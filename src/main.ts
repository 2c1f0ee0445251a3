import { startBridge } from './bridge/server';
import type { Config } from './config';
import { type Clock, systemClock } from './domain/clock';
import type { IdentityRepository } from './domain/identity-repository';
import { IdentityService } from './domain/identity-service';
import type { PasswordHasher } from './domain/password-hasher';
import { createIdentityClient } from './grpc/client';
import { type GrpcServerHandle, startGrpcServer } from './grpc/server';
import type { Logger } from './logger';
import { createConfiguredHasher } from './passwords/configured-hasher';
import { KdfLimiter } from './passwords/kdf-limiter';
import { openRepository } from './store/open-repository';

/** Everything `serve` runs, with one way to stop it. */
export interface RunningService {
  readonly grpc: GrpcServerHandle;
  readonly bridge: { readonly port: number; close(): Promise<void> } | null;
  readonly service: IdentityService;
  readonly repository: IdentityRepository;
  readonly hasher: PasswordHasher;
  readonly kdf: KdfLimiter;
  /**
   * Graceful stop: health NOT_SERVING, the bridge stops accepting and finishes its requests, the
   * gRPC server finishes in-flight calls (cancelling them after the configured timeout), background
   * hash upgrades settle, then the store closes.
   */
  close(): Promise<void>;
}

/** Test seams: anything not given is built from the config. */
export interface ServiceOverrides {
  readonly repository?: IdentityRepository;
  readonly clock?: Clock;
}

/** The composition root: the only place adapters are wired together. */
export async function startService(
  config: Config,
  logger: Logger,
  overrides: ServiceOverrides = {},
): Promise<RunningService> {
  const repository =
    overrides.repository ?? (await openRepository(config.store, { profile: config.schemaProfile, logger }));
  const kdf = new KdfLimiter({ concurrency: config.kdf.concurrency, queueLimit: config.kdf.queueLimit });
  const hasher = createConfiguredHasher({ cost: config.scrypt, kdf, logger });
  const service = new IdentityService({
    repository,
    hasher,
    clock: overrides.clock ?? systemClock,
    logger,
    migration: config.migration,
    rehashOnLogin: config.rehashOnLogin,
  });
  // Prepare the dummy hash now, so the first unknown-user login costs what every later one does.
  await hasher.dummyVerify('warm-up');

  const grpc = await startGrpcServer({ service, logger }, { addr: config.grpc.addr });
  const bridge = config.bridge
    ? await startBridge({
        client: createIdentityClient(config.bridge.upstream ?? grpc.address),
        config: config.bridge,
        logger,
      })
    : null;

  let closing: Promise<void> | undefined;
  return {
    grpc,
    bridge,
    service,
    repository,
    hasher,
    kdf,
    close() {
      closing ??= (async () => {
        grpc.health.drain();
        await bridge?.close();
        await grpc.close(config.shutdownTimeoutMs);
        await service.settle();
        await repository.close();
      })();
      return closing;
    },
  };
}
