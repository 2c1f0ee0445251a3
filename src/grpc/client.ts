import { type ChannelCredentials, credentials } from '@grpc/grpc-js';
import { IdentityStoreClient } from '../../gen/identity/v1/identity_store';

/** A client of IdentityStore (the bridge's, the CLI's, the tests'). Plaintext unless credentials are given. */
export function createIdentityClient(
  address: string,
  creds: ChannelCredentials = credentials.createInsecure(),
): IdentityStoreClient {
  return new IdentityStoreClient(address, creds, {
    'grpc.max_receive_message_length': 1024 * 1024,
    'grpc.keepalive_time_ms': 60_000,
  });
}
