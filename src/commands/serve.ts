import { createLogger } from '../logger';
import { startService } from '../main';
import { shutdownTelemetry } from '../telemetry/shutdown-telemetry';
import { missingTracingPreload } from '../telemetry/tracing-preload';
import { loadCommandConfig } from './command-config';
import { type CommandIO, EXIT } from './command-io';

/**
 * `legacy-identity serve`: configured only by the environment. SIGTERM or SIGINT drain, flush the
 * spans still queued for export (when tracing was started by telemetry/register.ts), and exit 0;
 * a bad configuration exits 2 with a message naming the key. Tracing configured in OTEL_* but not
 * preloaded (`npm run cli -- serve`, the installed bin) is reported once, as a warning saying how.
 */
export async function serveCommand(io: CommandIO, onStarted?: (info: StartedInfo) => void): Promise<number> {
  const config = loadCommandConfig(io, io.env);
  if (typeof config === 'number') return config;
  const logger = createLogger({ level: config.logLevel });
  const tracingNotStarted = missingTracingPreload(io.env);
  if (tracingNotStarted !== null) logger.warn({ event: 'tracing_not_started' }, tracingNotStarted);
  let running: Awaited<ReturnType<typeof startService>>;
  try {
    running = await startService(config, logger);
  } catch (error) {
    logger.fatal(
      { event: 'startup_failed', err: error instanceof Error ? error.message : String(error) },
      'could not start',
    );
    // startService has closed whatever it had opened; with the exporters flushed the process can exit.
    await shutdownTelemetry();
    return EXIT.failure;
  }
  const info: StartedInfo = {
    grpcAddress: running.grpc.address,
    bridgeUrl: running.bridge
      ? `${config.bridge?.https ? 'https' : 'http'}://${config.bridge?.addr.host}:${running.bridge.port}`
      : null,
    metricsUrl: running.metricsServer?.url ?? null,
  };
  logger.info(
    { event: 'started', grpc: info.grpcAddress, bridge: info.bridgeUrl, metrics: info.metricsUrl },
    'legacy-identity-adapter started',
  );
  onStarted?.(info);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ event: 'shutdown', signal }, 'draining');
  const started = performance.now();
  await running.close();
  // After the drain, so the spans of the last requests are in the final export.
  await shutdownTelemetry();
  logger.info({ event: 'stopped', duration_ms: Math.round(performance.now() - started) }, 'stopped');
  return EXIT.ok;
}

export interface StartedInfo {
  readonly grpcAddress: string;
  readonly bridgeUrl: string | null;
  /** The Prometheus endpoint, or null with METRICS_ADDR=off. */
  readonly metricsUrl: string | null;
}
