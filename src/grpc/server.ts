import { Server, ServerCredentials } from '@grpc/grpc-js';
import { formatHostPort, type HostPort } from '../config-values';
import type { IdentityService } from '../domain/identity-service';
import type { Logger } from '../logger';
import { createHandlers } from './handlers';
import { HealthReporter } from './health';
import {
  GRPC_KEEPALIVE_TIME_MS,
  GRPC_KEEPALIVE_TIMEOUT_MS,
  GRPC_MAX_CONCURRENT_STREAMS,
  GRPC_MAX_CONNECTION_AGE_GRACE_MS,
  GRPC_MAX_CONNECTION_AGE_MS,
  GRPC_MAX_CONNECTION_IDLE_MS,
  GRPC_MAX_RECEIVE_MESSAGE_BYTES,
  GRPC_MAX_SEND_MESSAGE_BYTES,
} from './limits';
import { addReflection } from './reflection';
import { tolerantServiceDefinition } from './service-definition';
import type { UnaryOptions } from './unary';

export interface GrpcServerDeps {
  readonly service: IdentityService;
  readonly logger: Logger;
  readonly onCall?: UnaryOptions['onCall'];
  readonly describeSubject?: UnaryOptions['describeSubject'];
}

export interface GrpcServerOptions {
  readonly addr: HostPort;
  readonly credentials?: ServerCredentials;
  /** Store probe interval for grpc.health.v1; tests shorten it. */
  readonly healthIntervalMs?: number;
}

export interface GrpcServerHandle {
  readonly port: number;
  /** host:port a client on this machine can dial. */
  readonly address: string;
  readonly health: HealthReporter;
  /**
   * Health goes NOT_SERVING, new calls are refused, in-flight calls finish; after `graceMs` the
   * remaining calls are cancelled.
   */
  close(graceMs?: number): Promise<void>;
}

export async function startGrpcServer(deps: GrpcServerDeps, options: GrpcServerOptions): Promise<GrpcServerHandle> {
  const server = new Server({
    'grpc.max_receive_message_length': GRPC_MAX_RECEIVE_MESSAGE_BYTES,
    'grpc.max_send_message_length': GRPC_MAX_SEND_MESSAGE_BYTES,
    'grpc.max_concurrent_streams': GRPC_MAX_CONCURRENT_STREAMS,
    'grpc.max_connection_idle_ms': GRPC_MAX_CONNECTION_IDLE_MS,
    'grpc.keepalive_time_ms': GRPC_KEEPALIVE_TIME_MS,
    'grpc.keepalive_timeout_ms': GRPC_KEEPALIVE_TIMEOUT_MS,
    'grpc.max_connection_age_ms': GRPC_MAX_CONNECTION_AGE_MS,
    'grpc.max_connection_age_grace_ms': GRPC_MAX_CONNECTION_AGE_GRACE_MS,
  });
  const unaryOptions: UnaryOptions = {
    logger: deps.logger,
    ...(deps.onCall ? { onCall: deps.onCall } : {}),
    ...(deps.describeSubject ? { describeSubject: deps.describeSubject } : {}),
  };
  server.addService(tolerantServiceDefinition(), createHandlers(deps.service, unaryOptions) as never);
  const health = new HealthReporter(deps.service, deps.logger);
  health.implementation.addToServer(server);
  addReflection(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      formatHostPort(options.addr),
      options.credentials ?? ServerCredentials.createInsecure(),
      (err, p) => (err ? reject(err) : resolve(p)),
    );
  });
  health.start(options.healthIntervalMs);
  const host = options.addr.host === '0.0.0.0' || options.addr.host === '::' ? '127.0.0.1' : options.addr.host;
  const address = formatHostPort({ host, port });
  deps.logger.info({ event: 'grpc_listening', address }, 'gRPC server listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    address,
    health,
    close(graceMs = 10_000) {
      closing ??= new Promise<void>((resolve) => {
        health.drain();
        const force = setTimeout(() => {
          deps.logger.warn({ event: 'grpc_force_shutdown' }, 'in-flight calls did not finish in time; cancelling them');
          server.forceShutdown();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closing;
    },
  };
}
