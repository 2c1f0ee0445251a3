import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as healthProtoPath } from 'grpc-health-check';

export const PROTO_FILE = 'identity/v1/identity_store.proto';

/** The repository's proto/ folder, found upwards from this file (src/grpc or dist/src/grpc). */
export function protoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, PROTO_FILE))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find proto/${PROTO_FILE} above ${from}`);
    dir = parent;
  }
}

/** Serves grpc.reflection (v1 and v1alpha) for the IdentityStore and health services. */
export function addReflection(server: Server): void {
  const definition = loadSync([PROTO_FILE, healthProtoPath], {
    includeDirs: [protoRoot(), dirname(healthProtoPath)],
    keepCase: true,
    defaults: true,
    oneofs: true,
  });
  new ReflectionService(definition).addToServer(server);
}
