import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { type Client, Metadata } from '@grpc/grpc-js';
import { SERVICE_NAME } from '../grpc/health';

const CHECK_PATH = '/grpc.health.v1.Health/Check';
/** grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING */
const SERVING = 1;

/**
 * Asks the upstream's grpc.health.v1 service, over the bridge's own channel, whether IdentityStore is
 * SERVING. The server reports NOT_SERVING while its store does not answer pings and while it drains,
 * so this is "the store is reachable through gRPC". Any failure (refused, timeout) is false.
 */
export function checkUpstreamHealth(client: Client, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    try {
      client.makeUnaryRequest(
        CHECK_PATH,
        (service: string) => Buffer.from(new BinaryWriter().uint32(10).string(service).finish()),
        decodeServingStatus,
        SERVICE_NAME,
        new Metadata(),
        { deadline: Date.now() + timeoutMs },
        (error, servingStatus) => resolve(!error && servingStatus === SERVING),
      );
    } catch {
      resolve(false);
    }
  });
}

/** HealthCheckResponse { ServingStatus status = 1; } */
function decodeServingStatus(bytes: Buffer): number {
  const reader = new BinaryReader(bytes);
  let status = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === 8) status = reader.int32();
    else reader.skip(tag & 7);
  }
  return status;
}
