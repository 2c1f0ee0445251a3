import { ProxyTracerProvider, trace } from '@opentelemetry/api';

/** How long the final export may take: an unreachable collector must not hold up a SIGTERM. */
export const TELEMETRY_SHUTDOWN_TIMEOUT_MS = 5_000;

/**
 * Flushes and stops the process's tracer provider, whoever registered it (register.ts at preload, or
 * nobody: then this does nothing). Called once by `serve` after it has drained, so the spans of the
 * last requests leave before the process exits. Never throws and never waits longer than `timeoutMs`:
 * an unreachable collector must not turn a clean shutdown into a failure or a hang.
 */
export async function shutdownTelemetry(timeoutMs = TELEMETRY_SHUTDOWN_TIMEOUT_MS): Promise<void> {
  const global = trace.getTracerProvider();
  const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  const shutdown = (provider as { shutdown?: () => Promise<void> }).shutdown;
  if (typeof shutdown !== 'function') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      shutdown.call(provider),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
  } catch {
    // The exporter already reported its failure through the OpenTelemetry diagnostics.
  } finally {
    clearTimeout(timer);
  }
}
