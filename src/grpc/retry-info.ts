import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';

/**
 * google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1; } — the standard way for a gRPC
 * status to say when a retry can succeed. Encoded by hand (two small messages) rather than adding
 * Duration to the generated code; field numbers are googleapis'.
 */
export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** Encodes a retry delay, rounded up to whole milliseconds. */
export function encodeRetryInfo(delayMs: number): Uint8Array {
  const ms = Math.max(0, Math.ceil(delayMs));
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms % 1000) * 1_000_000;
  const writer = new BinaryWriter();
  writer.uint32(10).fork();
  if (seconds !== 0) writer.uint32(8).int64(seconds);
  if (nanos !== 0) writer.uint32(16).int32(nanos);
  writer.join();
  return writer.finish();
}

/** The retry delay in milliseconds, or undefined when the bytes are not a RetryInfo with a delay. */
export function decodeRetryInfo(bytes: Uint8Array): number | undefined {
  try {
    const reader = new BinaryReader(bytes);
    let delayMs: number | undefined;
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag !== 10) {
        reader.skip(tag & 7);
        continue;
      }
      const duration = new BinaryReader(reader.bytes());
      let seconds = 0;
      let nanos = 0;
      while (duration.pos < duration.len) {
        const field = duration.uint32();
        if (field === 8) seconds = Number(duration.int64());
        else if (field === 16) nanos = duration.int32();
        else duration.skip(field & 7);
      }
      delayMs = seconds * 1000 + nanos / 1_000_000;
    }
    return delayMs !== undefined && Number.isFinite(delayMs) && delayMs >= 0 ? delayMs : undefined;
  } catch {
    return undefined;
  }
}
