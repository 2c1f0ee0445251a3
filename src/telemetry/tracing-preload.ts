import { extname, join, relative } from 'node:path';
import { ProxyTracerProvider, trace } from '@opentelemetry/api';
import { readTelemetrySettings, TelemetryConfigError } from './telemetry-settings';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Why tracing is configured but not running, or null when there is nothing to say. Tracing starts only
 * from the preload (register.ts, before `http` and `@grpc/grpc-js` are loaded, so their
 * instrumentations take hold); `npm start` and `make run` preload it, but `npm run cli -- serve` and
 * the installed `legacy-identity` bin do not. Without this warning an operator who set
 * OTEL_TRACES_EXPORTER or an OTLP endpoint would get no spans and no hint why.
 *
 * "Configured" is what register.ts would act on (an exporter, or an OTLP endpoint with no exporter
 * named), or OTEL_* values it would refuse; "running" is a tracer provider registered globally.
 */
export function missingTracingPreload(env: Env, cwd: string = process.cwd()): string | null {
  let configured: boolean;
  try {
    configured = readTelemetrySettings(env) !== null;
  } catch (error) {
    if (!(error instanceof TelemetryConfigError)) throw error;
    configured = true;
  }
  if (!configured || tracerProviderRegistered()) return null;
  // The same file type as this one: register.js beside cli.js in dist/, .ts when run from the sources.
  const ext = extname(__filename);
  const shown = (file: string): string => {
    const path = relative(cwd, file);
    return path.startsWith('..') ? file : `./${path}`;
  };
  const node = ext === '.ts' ? 'node --require tsx/cjs' : 'node';
  const command = `${node} --require ${shown(join(__dirname, `register${ext}`))} ${shown(join(__dirname, '..', `cli${ext}`))} serve`;
  return (
    'tracing is configured (OTEL_TRACES_EXPORTER or an OTLP endpoint) but not running: it must be preloaded ' +
    `before the application loads: \`${command}\` (npm start does this); ` +
    'no spans will be exported by this process'
  );
}

/** True when some tracer provider has been registered globally (by register.ts or an embedding program). */
export function tracerProviderRegistered(): boolean {
  const provider = trace.getTracerProvider();
  // The API answers with its proxy until a provider is registered; the proxy has a delegate only then.
  if (!(provider instanceof ProxyTracerProvider)) return true;
  return provider.getDelegateTracer('legacy-identity-adapter') !== undefined;
}
