import {
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
} from '@opentelemetry/semantic-conventions';
import { describeSql } from './node-sqlite-instrumentation';

/**
 * A span whose status never carries a message: instrumentation-tedious sets the driver's error text
 * as the status message, and SQL Server's can quote data (error 2628, string truncation, prints the
 * start of the value — part of an email or a hash). The error number stays in
 * `db.response.status_code` and the error class in `error.type`.
 */
function withoutDriverMessages(span: Span): Span {
  const setStatus = span.setStatus.bind(span);
  span.setStatus = (status) => setStatus({ code: status.code });
  return span;
}

/**
 * The tracer provider given to instrumentation-tedious, so SQL Server spans follow the same rules as
 * the node:sqlite spans:
 *
 * - made only under an existing span (a request): the readiness probe's `SELECT 1 AS [ok]` every few
 *   seconds and the start-up schema checks would otherwise each export a trace of their own;
 * - named `<operation> <table>` (`SELECT Users`, `UPDATE Users`) with `db.operation.name` the
 *   statement's leading keyword and `db.collection.name` its first table, both read from
 *   `db.query.text` (the statement's source, placeholders only). instrumentation-tedious 0.43 sets
 *   `db.operation.name` to the tedious method (`execSql`) and names every span `execSql <database>`,
 *   which tells an SRE nothing about which statement was slow.
 *
 * Everything else the instrumentation records (`db.system.name`, `db.namespace`, `db.query.text`,
 * `server.*`, error status without its message, `db.response.status_code`) passes through. Only `startSpan`
 * is filtered: it is the one call instrumentation-tedious makes.
 */
export function sqlServerTracerProvider(provider: TracerProvider): TracerProvider {
  return {
    getTracer(name, version, options) {
      const tracer = provider.getTracer(name, version, options);
      return {
        startSpan(spanName: string, spanOptions: SpanOptions = {}, ctx: Context = context.active()): Span {
          if (!trace.getSpan(ctx)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
          const sql = spanOptions.attributes?.[ATTR_DB_QUERY_TEXT];
          if (typeof sql !== 'string') return tracer.startSpan(spanName, spanOptions, ctx);
          const { operation, collection } = describeSql(sql);
          return withoutDriverMessages(
            tracer.startSpan(
              collection ? `${operation} ${collection}` : operation,
              {
                ...spanOptions,
                attributes: {
                  ...spanOptions.attributes,
                  [ATTR_DB_OPERATION_NAME]: operation,
                  ...(collection ? { [ATTR_DB_COLLECTION_NAME]: collection } : {}),
                },
              },
              ctx,
            ),
          );
        },
        startActiveSpan: tracer.startActiveSpan.bind(tracer) as Tracer['startActiveSpan'],
      };
    },
  };
}
