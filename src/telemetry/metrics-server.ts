import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { formatHostPort, type HostPort } from '../config-values';
import type { Logger } from '../logger';

export interface MetricsServerHandle {
  readonly port: number;
  /** `http://host:port/metrics`, for the start-up line and for tests. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` in the Prometheus text format on `addr` (port 0 picks a free port); anything
 * else is 404. Plain HTTP without authentication: bind it to loopback or a scrape-only network.
 */
export async function startMetricsServer(
  registry: Registry,
  addr: HostPort,
  logger: Logger,
): Promise<MetricsServerHandle> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => {
        logger.error(
          { event: 'metrics_failed', err: error instanceof Error ? error.message : String(error) },
          'could not collect metrics',
        );
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      },
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = addr.host === '0.0.0.0' || addr.host === '::' ? '127.0.0.1' : addr.host;
  const url = `http://${formatHostPort({ host, port })}/metrics`;
  logger.info({ event: 'metrics_listening', url }, 'Prometheus metrics endpoint listening');
  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
