import { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  context,
  type MeterProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
} from '@opentelemetry/semantic-conventions';

const NAME = 'legacy-identity-adapter/node-sqlite';
const STATEMENT_METHODS = ['get', 'all', 'run', 'iterate'] as const;

type Method = (...args: unknown[]) => unknown;

/**
 * Client spans for Node's built-in `node:sqlite`, as instrumentation-tedious gives them for SQL Server:
 * one span per statement execution (`get`, `all`, `run`, `iterate` and `DatabaseSync.exec`) named
 * `<operation> <table>`, with `db.system.name = sqlite`, `db.operation.name`, `db.collection.name` and
 * `db.query.text` taken from the statement's *source* SQL: placeholders only, never the bound values
 * (`expandedSQL`, which carries them, is never read).
 *
 * Spans are made only under an existing span (a request), so periodic health probes and start-up DDL
 * do not each become a trace of their own.
 */
export class NodeSqliteInstrumentation implements Instrumentation {
  readonly instrumentationName = NAME;
  readonly instrumentationVersion = '1.0.0';
  #config: InstrumentationConfig;
  #tracer: Tracer = trace.getTracer(NAME);
  readonly #originals = new Map<string, Method>();

  /** Patches at once unless `enabled: false`, as OpenTelemetry's own instrumentations do. */
  constructor(config: InstrumentationConfig = {}) {
    this.#config = { enabled: true, ...config };
    if (this.#config.enabled) this.enable();
  }

  setTracerProvider(tracerProvider: TracerProvider): void {
    this.#tracer = tracerProvider.getTracer(NAME, this.instrumentationVersion);
  }

  setMeterProvider(_meterProvider: MeterProvider): void {}

  setConfig(config: InstrumentationConfig): void {
    this.#config = { ...config };
  }

  getConfig(): InstrumentationConfig {
    return this.#config;
  }

  enable(): void {
    if (this.#originals.size > 0) return;
    const tracer = (): Tracer => this.#tracer;
    for (const method of STATEMENT_METHODS) {
      const original = StatementSync.prototype[method] as unknown as Method;
      this.#originals.set(`statement.${method}`, original);
      (StatementSync.prototype as unknown as Record<string, Method>)[method] = function (
        this: StatementSync,
        ...args: unknown[]
      ) {
        return traced(tracer(), this.sourceSQL, () => original.apply(this, args));
      };
    }
    const exec = DatabaseSync.prototype.exec as unknown as Method;
    this.#originals.set('database.exec', exec);
    (DatabaseSync.prototype as unknown as Record<string, Method>).exec = function (
      this: DatabaseSync,
      ...args: unknown[]
    ) {
      return traced(tracer(), typeof args[0] === 'string' ? args[0] : '', () => exec.apply(this, args));
    };
  }

  disable(): void {
    for (const [key, original] of this.#originals) {
      const [owner, method] = key.split('.') as [string, string];
      const prototype = owner === 'statement' ? StatementSync.prototype : DatabaseSync.prototype;
      (prototype as unknown as Record<string, Method>)[method] = original;
    }
    this.#originals.clear();
  }
}

/** Runs one synchronous statement inside a client span; errors are recorded and rethrown unchanged. */
function traced<T>(tracer: Tracer, sql: string, work: () => T): T {
  if (!trace.getSpan(context.active())) return work();
  const { operation, collection } = describeSql(sql);
  const span: Span = tracer.startSpan(collection ? `${operation} ${collection}` : operation, {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_DB_SYSTEM_NAME]: 'sqlite',
      [ATTR_DB_OPERATION_NAME]: operation,
      [ATTR_DB_QUERY_TEXT]: sql,
      ...(collection ? { [ATTR_DB_COLLECTION_NAME]: collection } : {}),
    },
  });
  try {
    return work();
  } catch (error) {
    const errcode = (error as { errcode?: unknown }).errcode;
    if (typeof errcode === 'number') span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, String(errcode));
    span.setAttribute(ATTR_ERROR_TYPE, (error as { errstr?: unknown }).errstr?.toString() ?? 'sqlite_error');
    if (error instanceof Error) span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : 'sqlite error' });
    throw error;
  } finally {
    span.end();
  }
}

const TARGET =
  /\b(?:FROM|INTO|UPDATE|TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?)\s+("(?:[^"]|"")+"|\[[^\]]+\]|`[^`]+`|[A-Za-z_][\w.]*)/i;

/** The leading keyword and the first table named, for the span name (bounded: both come from code). */
export function describeSql(sql: string): { operation: string; collection: string | undefined } {
  const operation = /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SQL';
  const raw = TARGET.exec(sql)?.[1];
  const collection = raw?.replace(/^["[`]|["\]`]$/g, '').replace(/""/g, '"');
  return { operation, collection };
}
