import type { ServiceDefinition } from '@grpc/grpc-js';
import { IdentityStoreService } from '../../gen/identity/v1/identity_store';
import { UNDECODABLE } from './unary';

/**
 * The generated service definition with deserialisers that never throw: grpc-js answers a throwing
 * deserialiser with INTERNAL, but a request that does not decode is the caller's fault, so the
 * handler receives UNDECODABLE and answers INVALID_ARGUMENT.
 */
export function tolerantServiceDefinition(): ServiceDefinition {
  const definition: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(IdentityStoreService)) {
    definition[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch {
          return UNDECODABLE;
        }
      },
    };
  }
  return definition as unknown as ServiceDefinition;
}
