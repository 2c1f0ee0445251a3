import { type ChannelCredentials, experimental, ServerCredentials } from '@grpc/grpc-js';
import type { Logger } from '../logger';
import { createTokenInterceptor } from './auth-tokens';
import { bundledRoots, ReloadingTlsFiles } from './tls-files';

/** The gRPC server's TLS files (GRPC_TLS_CERT, GRPC_TLS_KEY, and GRPC_TLS_CLIENT_CA for mutual TLS). */
export interface GrpcServerTls {
  readonly certFile: string;
  readonly keyFile: string;
  /** When set, every client must present a certificate issued by this CA (mutual TLS). */
  readonly clientCaFile: string | null;
}

/** How a gRPC client (the bridge) reaches a TLS server (BRIDGE_UPSTREAM_CA, _CERT, _KEY, _SERVER_NAME). */
export interface GrpcClientTls {
  /** CA bundle the server's certificate must chain to; null uses Node's bundled roots. */
  readonly caFile: string | null;
  /** Client certificate and key for mutual TLS; null presents none. */
  readonly identity: { readonly certFile: string; readonly keyFile: string } | null;
  /** Name expected in the server's certificate when it differs from the address's host. */
  readonly serverName: string | null;
}

/**
 * Server credentials that re-read the files while running (ReloadingTlsFiles): a renewed
 * certificate or CA bundle is used for new connections without a restart.
 */
export function createServerTlsCredentials(
  tls: GrpcServerTls,
  logger: Logger,
  reloadIntervalMs?: number,
): { credentials: ServerCredentials; files: ReloadingTlsFiles } {
  const files = new ReloadingTlsFiles({
    files: {
      cert: { file: tls.certFile, key: 'GRPC_TLS_CERT' },
      key: { file: tls.keyFile, key: 'GRPC_TLS_KEY' },
      ca: tls.clientCaFile === null ? undefined : { file: tls.clientCaFile, key: 'GRPC_TLS_CLIENT_CA' },
    },
    label: 'grpc server',
    logger,
    ...(reloadIntervalMs === undefined ? {} : { reloadIntervalMs }),
  });
  const mutual = tls.clientCaFile !== null;
  // grpc-js 1.14 declares this function's first two parameters as (ca, identity) but passes them on
  // as (identity, ca): the first argument is the identity provider. One provider serves both here.
  const credentials = experimental.createCertificateProviderServerCredentials(files, mutual ? files : null, mutual);
  return { credentials, files };
}

/** Channel credentials for a TLS (or mutual TLS) upstream, reloading the files like the server does. */
export function createClientTlsCredentials(
  tls: GrpcClientTls,
  logger: Logger,
  reloadIntervalMs?: number,
): { credentials: ChannelCredentials; files: ReloadingTlsFiles } {
  const files = new ReloadingTlsFiles({
    files: {
      cert: tls.identity ? { file: tls.identity.certFile, key: 'BRIDGE_UPSTREAM_CERT' } : undefined,
      key: tls.identity ? { file: tls.identity.keyFile, key: 'BRIDGE_UPSTREAM_KEY' } : undefined,
      ca: tls.caFile === null ? undefined : { file: tls.caFile, key: 'BRIDGE_UPSTREAM_CA' },
    },
    label: 'bridge upstream',
    logger,
    defaultCa: bundledRoots(),
    ...(reloadIntervalMs === undefined ? {} : { reloadIntervalMs }),
  });
  const credentials = experimental.createCertificateProviderChannelCredentials(files, files.hasIdentity ? files : null);
  return { credentials, files };
}

/**
 * The gRPC server's credentials from its configuration: TLS (reloading) or plaintext, with the
 * GRPC_TOKENS check as a server interceptor when tokens are configured. Plaintext on a non-loopback
 * address is refused earlier, by loadConfig, unless GRPC_ALLOW_INSECURE is set.
 */
export function createGrpcServerCredentials(options: {
  readonly tls: GrpcServerTls | null;
  readonly tokens: readonly string[];
  readonly logger: Logger;
  readonly reloadIntervalMs?: number;
}): ServerCredentials {
  const base = options.tls
    ? createServerTlsCredentials(options.tls, options.logger, options.reloadIntervalMs).credentials
    : ServerCredentials.createInsecure();
  if (options.tokens.length === 0) return base;
  return experimental.createServerCredentialsWithInterceptors(base, [
    createTokenInterceptor(options.tokens, options.logger),
  ]);
}
