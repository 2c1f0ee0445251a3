/**
 * Preload entry: `node --require ./dist/src/telemetry/register.js dist/src/cli.js serve`. Starts tracing
 * from the OTEL_* variables before the application loads `http` or `@grpc/grpc-js`, so their
 * instrumentations take hold. Does nothing when no exporter is configured; a bad OTEL_* value stops the
 * process with exit code 2 and a message naming the key, as a bad application setting does.
 *
 * Flushing is the application's part: `serve` calls shutdownTelemetry() after draining on SIGTERM.
 */
import { startTelemetry } from './start-telemetry';
import { TelemetryConfigError } from './telemetry-settings';

try {
  startTelemetry(process.env);
} catch (error) {
  if (!(error instanceof TelemetryConfigError)) throw error;
  process.stderr.write(`configuration error: ${error.message}\n`);
  process.exit(2);
}
