import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config';
import { traceLogFields } from './telemetry/trace-log-fields';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log object: a belt to the braces of never logging
 * request bodies or headers in the first place.
 */
export const REDACTED_PATHS = [
  'password',
  'new_password',
  'newPassword',
  'token',
  'authorization',
  '*.password',
  '*.new_password',
  '*.newPassword',
  '*.token',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  'connectionString',
  '*.connectionString',
];

/**
 * JSON lines to stdout (or `destination`), one logger per process, passed to whatever logs. Every line
 * written while a span is active carries its `trace_id` and `span_id`, so logs and traces join.
 */
export function createLogger(options: { level: LogLevel; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'legacy-identity-adapter' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceLogFields,
    },
    options.destination,
  );
}
