import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { context, DiagConsoleLogger, DiagLogLevel, diag, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { TediousInstrumentation } from '@opentelemetry/instrumentation-tedious';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type Sampler,
  SimpleSpanProcessor,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { readBuildInfo } from './build-info';
import { NodeSqliteInstrumentation } from './node-sqlite-instrumentation';
import { refusalsAreNotErrors } from './refusals-are-not-errors';
import { sqlServerTracerProvider } from './sql-server-tracer-provider';
import { readTelemetrySettings, type SamplerSetting, type TelemetrySettings } from './telemetry-settings';

/** What startTelemetry set up; `shutdown` flushes the spans still queued and stops exporting. */
export interface TelemetryHandle {
  readonly settings: TelemetrySettings;
  readonly provider: TracerProvider;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Incoming HTTP requests never traced: scrapes and probes would otherwise be most of the traces. */
export const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/metrics', '/healthz', '/readyz']);
/** gRPC methods never traced: health checks (the bridge's readiness probe) and reflection. */
export const UNTRACED_GRPC_METHODS = ['Check', 'Watch', 'ServerReflectionInfo'];

/**
 * Starts OpenTelemetry tracing from the standard OTEL_* variables in `env` (see telemetry-settings.ts):
 * context propagation (W3C traceparent and baggage), the tracer provider with this service's resource,
 * the configured exporters, and the instrumentations for HTTP (the bridge), gRPC (client and server),
 * node:sqlite and tedious (SQL Server). Returns null, and patches nothing, when tracing is off.
 *
 * Must run before `http`, `@grpc/grpc-js` or `tedious` are loaded: use `--require` with register.ts.
 * Raises TelemetryConfigError for a value it cannot honour.
 */
export function startTelemetry(
  env: Readonly<Record<string, string | undefined>> = process.env,
): TelemetryHandle | null {
  const settings = readTelemetrySettings(env);
  if (!settings) return null;

  const build = readBuildInfo();
  const resource = resourceFromAttributes({
    ...settings.resourceAttributes,
    [ATTR_SERVICE_NAME]: settings.serviceName,
    [ATTR_SERVICE_VERSION]: settings.resourceAttributes['service.version'] ?? build.version,
    // One id per process, so two instances' spans are told apart (semconv: service.instance.id).
    'service.instance.id': settings.resourceAttributes['service.instance.id'] ?? randomUUID(),
    'process.runtime.name': 'nodejs',
    'process.runtime.version': build.node,
  });
  const provider = new TracerProvider({
    resource,
    sampler: toSampler(settings.sampler),
    spanProcessors: settings.exporters.map((kind): SpanProcessor => {
      if (kind === 'console')
        return new SimpleSpanProcessor({ exporter: refusalsAreNotErrors(new ConsoleSpanExporter()) });
      const exporter =
        settings.otlp.protocol === 'http/json'
          ? new OtlpJsonExporter({ url: settings.otlp.url })
          : new OtlpProtobufExporter({ url: settings.otlp.url });
      return new BatchSpanProcessor({ exporter: refusalsAreNotErrors(exporter), ...settings.batch });
    }),
  });

  // Failed exports and dropped spans are reported on stderr (plain text), so a silent collector is noticed.
  diag.setLogger(new DiagConsoleLogger(), { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);

  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.has(pathOf(request.url)),
        // The exporters' own requests and anything else outgoing are not part of a request's story here.
        disableOutgoingRequestInstrumentation: true,
      }),
      new GrpcInstrumentation({ ignoreGrpcMethods: UNTRACED_GRPC_METHODS }),
      new NodeSqliteInstrumentation(),
    ],
  });
  // tedious (SQL Server) gets its own provider: request-scoped spans named like the node:sqlite ones.
  const unregisterTedious = registerInstrumentations({
    tracerProvider: sqlServerTracerProvider(provider),
    instrumentations: [new TediousInstrumentation()],
  });

  let stopped: Promise<void> | undefined;
  return {
    settings,
    provider,
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= (async () => {
        try {
          await provider.shutdown();
        } finally {
          unregister();
          unregisterTedious();
          trace.disable();
          propagation.disable();
          context.disable();
          diag.disable();
        }
      })();
      return stopped;
    },
  };
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function toSampler(setting: SamplerSetting): Sampler {
  switch (setting.kind) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(setting.ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(setting.ratio) });
    default: {
      const unreachable: never = setting;
      throw new Error(`unknown sampler ${String(unreachable)}`);
    }
  }
}
