import { ProxyTracerProvider, trace } from '@opentelemetry/api';

/**
 * Flushes and stops the process's tracer provider, whoever registered it (register.ts at preload, or
 * nobody: then this does nothing). Called once by `serve` after it has drained, so the spans of the
 * last requests leave before the process exits. Never throws: an unreachable collector must not turn a
 * clean shutdown into a failure.
 */
export async function shutdownTelemetry(): Promise<void> {
  const global = trace.getTracerProvider();
  const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  const shutdown = (provider as { shutdown?: () => Promise<void> }).shutdown;
  if (typeof shutdown !== 'function') return;
  try {
    await shutdown.call(provider);
  } catch {
    // The exporter already reported its failure through the OpenTelemetry diagnostics.
  }
}
