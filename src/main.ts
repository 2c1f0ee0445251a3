import { credentials, status } from '@grpc/grpc-js';
import { startBridge } from './bridge/server';
import type { Config } from './config';
import { type Clock, systemClock } from './domain/clock';
import type { IdentityRepository } from './domain/identity-repository';
import { IdentityService } from './domain/identity-service';
import { createLoginThrottle } from './domain/login-throttle';
import type { PasswordHasher } from './domain/password-hasher';
import { createIdentityClient } from './grpc/client';
import { type GrpcServerHandle, startGrpcServer } from './grpc/server';
import { createClientTlsCredentials, createGrpcServerCredentials } from './grpc/tls-credentials';
import type { Logger } from './logger';
import { createConfiguredHasher } from './passwords/configured-hasher';
import { KdfLimiter } from './passwords/kdf-limiter';
import { assertProfileKeepsLockout } from './store/legacy-lockout-columns';
import { loadSchemaProfile } from './store/load-schema-profile';
import { openRepository, type StoreRepository } from './store/open-repository';
import { readBuildInfo } from './telemetry/build-info';
import { kdfTelemetry } from './telemetry/kdf-telemetry';
import { measureRepository } from './telemetry/measured-repository';
import { createMetrics, type ServiceMetrics } from './telemetry/metrics';
import { type MetricsServerHandle, startMetricsServer } from './telemetry/metrics-server';
import { createSubjectDescriber } from './telemetry/subject-attribute';
import { tracePasswordHasher } from './telemetry/traced-password-hasher';

/** Everything `serve` runs, with one way to stop it. */
export interface RunningService {
  readonly grpc: GrpcServerHandle;
  readonly bridge: { readonly port: number; close(): Promise<void> } | null;
  readonly service: IdentityService;
  readonly repository: IdentityRepository;
  readonly hasher: PasswordHasher;
  readonly kdf: KdfLimiter;
  /** The Prometheus registry every adapter reports to. */
  readonly metrics: ServiceMetrics;
  /** The `/metrics` endpoint on METRICS_ADDR, or null when it is `off`. */
  readonly metricsServer: MetricsServerHandle | null;
  /**
   * Graceful stop: health NOT_SERVING, the bridge stops accepting and finishes its requests, the
   * gRPC server finishes in-flight calls (cancelling them after the configured timeout), background
   * hash upgrades settle, the store closes, then the metrics endpoint (scrapable while draining).
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
  // Process metrics (event-loop lag, GC) only when something can scrape them.
  const metrics = createMetrics({
    build: readBuildInfo(),
    store: config.store.kind,
    processMetrics: config.metricsAddr !== null,
  });
  // LEGACY_LOCKOUT=on needs columns to count in: refused before anything is opened.
  if (config.legacyLockout) {
    assertProfileKeepsLockout(loadSchemaProfile(config.schemaProfile, config.profileSettings));
  }
  const store: IdentityRepository & Pick<StoreRepository, 'poolUsage'> =
    overrides.repository ??
    (await openRepository(config.store, {
      profile: loadSchemaProfile(config.schemaProfile, config.profileSettings),
      logger,
    }));
  // Undone in reverse if a later step fails (a busy port, a bad certificate): a service that could
  // not start leaves nothing listening and nothing open, so the process can exit.
  const opened: Array<() => Promise<void> | void> = [() => store.close()];
  try {
    // SQL Server's pool is read at every scrape; SQLite has no pool and the gauge stays without samples.
    const poolUsage = store.poolUsage?.bind(store);
    if (poolUsage) metrics.watchPool(poolUsage);
    const repository = measureRepository(store, metrics.storeOperation);
    const kdf = new KdfLimiter({
      concurrency: config.kdf.concurrency,
      queueLimit: config.kdf.queueLimit,
      observer: kdfTelemetry(metrics),
    });
    metrics.watchKdf(kdf, config.kdf);
    const hasher = tracePasswordHasher(
      createConfiguredHasher({
        cost: config.scrypt,
        kdf,
        maxMemoryBytes: config.kdf.maxMemoryBytes,
        membershipMachineKey: config.membershipMachineKey,
        logger,
      }),
      config.scrypt,
    );
    const clock = overrides.clock ?? systemClock;
    const service = new IdentityService({
      repository,
      hasher,
      clock,
      logger,
      migration: config.migration,
      rehashOnLogin: config.rehashOnLogin,
      ...(config.loginRateLimit ? { loginThrottle: createLoginThrottle(config.loginRateLimit, clock) } : {}),
      ...(config.legacyLockout ? { legacyLockout: config.legacyLockout } : {}),
    });
    // Prepare the dummy hash now, so the first unknown-user login costs what every later one does.
    await hasher.dummyVerify('warm-up');

    const grpc = await startGrpcServer(
      {
        service,
        logger,
        onCall: (rpc, code, durationMs) => metrics.grpcCall(rpc, status[code] ?? String(code), durationMs),
        describeSubject: createSubjectDescriber({
          recordEmail: config.telemetry.recordEmail,
          key: config.telemetry.emailHashKey,
        }),
      },
      {
        addr: config.grpc.addr,
        credentials: createGrpcServerCredentials({ tls: config.grpc.tls, tokens: config.grpc.tokens, logger }),
      },
    );
    opened.push(() => grpc.close(0));
    // The bridge is a gRPC client like any other, so every request crosses the real gRPC boundary.
    const bridgeClient = config.bridge
      ? createIdentityClient(
          config.bridge.upstream ?? grpc.address,
          config.bridge.upstreamTls
            ? createClientTlsCredentials(config.bridge.upstreamTls, logger).credentials
            : credentials.createInsecure(),
          { token: config.bridge.upstreamToken, serverName: config.bridge.upstreamTls?.serverName ?? null },
        )
      : null;
    if (bridgeClient) opened.push(() => bridgeClient.close());
    const bridge =
      config.bridge && bridgeClient
        ? await startBridge({
            client: bridgeClient,
            config: config.bridge,
            logger,
            onRequest: metrics.httpRequest,
            now: () => clock.now().getTime(),
          })
        : null;
    if (bridge) opened.push(() => bridge.close());
    const metricsServer = config.metricsAddr
      ? await startMetricsServer(metrics.registry, config.metricsAddr, logger)
      : null;
    let closing: Promise<void> | undefined;
    return {
      grpc,
      bridge,
      service,
      repository,
      hasher,
      kdf,
      metrics,
      metricsServer,
      close() {
        closing ??= (async () => {
          grpc.health.drain();
          await bridge?.close();
          bridgeClient?.close();
          await grpc.close(config.shutdownTimeoutMs);
          await service.settle();
          await repository.close();
          await metricsServer?.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const undo of opened.reverse()) {
      try {
        await undo();
      } catch {
        // Best effort: the start-up error is the one worth reporting.
      }
    }
    throw error;
  }
}
