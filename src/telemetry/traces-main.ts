/**
 * `make traces` (`npm run traces`): an OTLP/HTTP receiver on 127.0.0.1:4318 (or OTLP_RECEIVER_PORT)
 * that prints every finished trace as an indented tree. Point the service at it with
 * `OTEL_TRACES_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318`. Ctrl-C stops it.
 */
import { startOtlpReceiver } from './otlp/otlp-receiver';
import { formatTraceTree } from './otlp/trace-tree';

async function main(): Promise<void> {
  const port = Number(process.env.OTLP_RECEIVER_PORT ?? 4318);
  const receiver = await startOtlpReceiver({
    port,
    quietMs: 1000,
    onTrace: (spans) => process.stdout.write(`\n${formatTraceTree(spans)}\n`),
    onError: (error) => process.stderr.write(`could not decode an export: ${error.message}\n`),
  });
  process.stdout.write(
    `OTLP/HTTP receiver listening on ${receiver.endpoint} (protobuf and JSON, POST /v1/traces)\n` +
      `start the service with: OTEL_TRACES_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT=${receiver.endpoint} make run\n`,
  );
  const stop = () => {
    receiver.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`traces: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
