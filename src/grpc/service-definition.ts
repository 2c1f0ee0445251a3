import { BinaryReader } from '@bufbuild/protobuf/wire';
import type { ServiceDefinition } from '@grpc/grpc-js';
import {
  AuthenticateRequest,
  ChangeEmailRequest,
  ChangePasswordRequest,
  CreateUserRequest,
  DeleteUserRequest,
  GetUserRequest,
  IdentityStoreService,
  VerifyEmailRequest,
} from '../../gen/identity/v1/identity_store';
import { UNDECODABLE } from './unary';

/** Each RPC's request codec, to decode with a strict reader. */
const REQUESTS: Record<keyof typeof IdentityStoreService, { decode(reader: BinaryReader): unknown }> = {
  authenticate: AuthenticateRequest,
  getUser: GetUserRequest,
  createUser: CreateUserRequest,
  verifyEmail: VerifyEmailRequest,
  changePassword: ChangePasswordRequest,
  deleteUser: DeleteUserRequest,
  changeEmail: ChangeEmailRequest,
};

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The generated service definition with two changes to request decoding. Strings are decoded
 * strictly: protobuf requires UTF-8, and the default reader would silently turn invalid bytes into
 * U+FFFD, so a password with a stray byte would be hashed as a different password. And a request
 * that does not decode is the caller's fault: grpc-js answers a throwing deserialiser with INTERNAL,
 * so the handler receives UNDECODABLE instead and answers INVALID_ARGUMENT.
 */
export function tolerantServiceDefinition(): ServiceDefinition {
  const definition: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(IdentityStoreService)) {
    const codec = REQUESTS[name as keyof typeof IdentityStoreService];
    definition[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return codec.decode(new BinaryReader(bytes, (b) => strictUtf8.decode(b)));
        } catch {
          return UNDECODABLE;
        }
      },
    };
  }
  return definition as unknown as ServiceDefinition;
}
