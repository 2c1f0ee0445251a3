import { type ChannelCredentials, type ChannelOptions, credentials, type Interceptor } from '@grpc/grpc-js';
import { IdentityStoreClient } from '../../gen/identity/v1/identity_store';
import { bearerTokenInterceptor } from './auth-tokens';

/** What a client needs beyond the address: channel security and the caller token (GRPC_TOKENS). */
export interface IdentityClientOptions {
  /** `authorization: Bearer <token>` on every call; null or absent sends none. */
  readonly token?: string | null;
  /** Name expected in the server's certificate when it differs from the address's host (TLS only). */
  readonly serverName?: string | null;
}

/**
 * A client of IdentityStore (the bridge's, the CLI's, the tests'). Plaintext unless credentials are
 * given (grpc/tls-credentials.ts); the token goes in metadata over either.
 */
export function createIdentityClient(
  address: string,
  creds: ChannelCredentials = credentials.createInsecure(),
  options: IdentityClientOptions = {},
): IdentityStoreClient {
  const interceptors: Interceptor[] = options.token ? [bearerTokenInterceptor(options.token)] : [];
  const channelOptions: ChannelOptions & { interceptors: Interceptor[] } = {
    'grpc.max_receive_message_length': 1024 * 1024,
    'grpc.keepalive_time_ms': 60_000,
    ...(options.serverName ? { 'grpc.ssl_target_name_override': options.serverName } : {}),
    interceptors,
  };
  return new IdentityStoreClient(address, creds, channelOptions);
}
