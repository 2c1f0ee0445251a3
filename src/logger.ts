import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config';

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

/** JSON lines to stdout (or `destination`), one logger per process, passed to whatever logs. */
export function createLogger(options: { level: LogLevel; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'legacy-identity-adapter' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
