import { type OtlpReceiver, startOtlpReceiver } from '../../src/telemetry/otlp/otlp-receiver';
import type { ReceivedSpan } from '../../src/telemetry/otlp/received-span';

export interface TestOtlpReceiver extends OtlpReceiver {
  /** The spans of one trace received so far. */
  trace(traceId: string): ReceivedSpan[];
  /** Waits until the trace's spans satisfy `ready` (polling), or fails with what did arrive. */
  waitForTrace(traceId: string, ready: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Every byte exporters sent, for grepping for secrets. */
  allBytes(): Buffer;
}

/** The `make traces` receiver on a free loopback port, with helpers for assertions. */
export async function startTestOtlpReceiver(): Promise<TestOtlpReceiver> {
  const receiver = await startOtlpReceiver({ port: 0 });
  const trace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
  return {
    get port() {
      return receiver.port;
    },
    get endpoint() {
      return receiver.endpoint;
    },
    get spans() {
      return receiver.spans;
    },
    get bodies() {
      return receiver.bodies;
    },
    close: () => receiver.close(),
    trace,
    async waitForTrace(traceId, ready, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const spans = trace(traceId);
        if (ready(spans)) return spans;
        if (Date.now() > deadline) {
          throw new Error(`trace ${traceId} incomplete after ${timeoutMs} ms: ${spans.map((s) => s.name).join(', ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    allBytes: () => Buffer.concat(receiver.bodies),
  };
}
