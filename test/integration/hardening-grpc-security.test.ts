import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChannelCredentials, credentials, Metadata, status } from '@grpc/grpc-js';
import type { IdentityStoreClient } from '../../gen/identity/v1/identity_store';
import { startBridge } from '../../src/bridge/server';
import { UpstreamError } from '../../src/bridge/upstream';
import { loadConfig } from '../../src/config';
import { IdentityService } from '../../src/domain/identity-service';
import { CALLER_UNAUTHENTICATED_REASON } from '../../src/grpc/auth-tokens';
import { createIdentityClient } from '../../src/grpc/client';
import { type GrpcServerHandle, startGrpcServer } from '../../src/grpc/server';
import {
  createClientTlsCredentials,
  createGrpcServerCredentials,
  type GrpcServerTls,
} from '../../src/grpc/tls-credentials';
import { createLogger } from '../../src/logger';
import { createTestCa, type TestCa } from '../support/certs';
import { FakeHasher } from '../support/fake-hasher';
import { callError, promiseClient } from '../support/grpc-call';
import { HealthCheckRequest, HealthCheckResponse_ServingStatus, HealthClient } from '../support/health-client';
import { LogCapture } from '../support/log-capture';
import { MemoryRepository } from '../support/memory-repository';
import { startStack, TEST_BRIDGE_TOKEN } from '../support/stack';

const GRPC_TOKEN = 'grpc-caller-token-0123456789abcdefghijklmnop';
const OTHER_TOKEN = 'grpc-other-token-0123456789abcdefghijklmnopq';
const BRIDGE_TOKEN = 'bridge-token-for-grpc-security-0123456789abc';

describe('internal gRPC security: TLS, mutual TLS, certificate reload, caller tokens', () => {
  let dir: string;
  let serverCa: TestCa;
  let otherCa: TestCa;
  let clientCa: TestCa;
  const servers: GrpcServerHandle[] = [];
  const clients: { close(): void }[] = [];
  let logs: LogCapture;

  before(function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'lia-grpc-tls-'));
    serverCa = createTestCa(dir, 'server');
    otherCa = createTestCa(dir, 'other');
    clientCa = createTestCa(dir, 'client');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    logs = new LogCapture();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.close(1_000);
  });

  async function start(options: { tls?: GrpcServerTls | null; tokens?: string[]; reloadIntervalMs?: number } = {}) {
    const logger = createLogger({ level: 'info', destination: logs });
    const repository = new MemoryRepository();
    const service = new IdentityService({
      repository,
      hasher: new FakeHasher(),
      clock: { now: () => new Date() },
      logger,
      migration: { mode: 'legacy', graceMs: 0 },
      rehashOnLogin: false,
    });
    await service.createUser({ email: 'alice@example.com', password: 'alice password' });
    const server = await startGrpcServer(
      { service, logger },
      {
        addr: { host: '127.0.0.1', port: 0 },
        credentials: createGrpcServerCredentials({
          tls: options.tls ?? null,
          tokens: options.tokens ?? [],
          logger,
          ...(options.reloadIntervalMs === undefined ? {} : { reloadIntervalMs: options.reloadIntervalMs }),
        }),
      },
    );
    servers.push(server);
    return server;
  }

  function tlsClient(
    server: GrpcServerHandle,
    caFile: string | null,
    identity: { certFile: string; keyFile: string } | null = null,
    token: string | null = null,
  ): IdentityStoreClient {
    const logger = createLogger({ level: 'silent' });
    const creds: ChannelCredentials = createClientTlsCredentials(
      { caFile, identity, serverName: null },
      logger,
    ).credentials;
    const client = createIdentityClient(`localhost:${server.port}`, creds, { token });
    clients.push(client);
    return client;
  }

  function plainClient(server: GrpcServerHandle, token: string | null = null): IdentityStoreClient {
    const client = createIdentityClient(server.address, credentials.createInsecure(), { token });
    clients.push(client);
    return client;
  }

  async function reaches(client: IdentityStoreClient): Promise<boolean> {
    try {
      const user = await promiseClient(client).getUser(
        { email: 'alice@example.com', login: '' },
        { deadlineMs: 3_000 },
      );
      return user.email === 'alice@example.com';
    } catch {
      return false;
    }
  }

  describe('TLS', () => {
    it('serves clients that trust its CA, and refuses plaintext and clients trusting another CA', async () => {
      const leaf = serverCa.issue('grpc-server', 'server');
      const server = await start({ tls: { certFile: leaf.certFile, keyFile: leaf.keyFile, clientCaFile: null } });
      assert.equal(await reaches(tlsClient(server, serverCa.certFile)), true);
      const plain = await callError(
        promiseClient(plainClient(server)).getUser({ email: 'alice@example.com', login: '' }, { deadlineMs: 3_000 }),
      );
      assert.ok([status.UNAVAILABLE, status.DEADLINE_EXCEEDED].includes(plain.code), `plaintext got ${plain.code}`);
      assert.equal(await reaches(tlsClient(server, otherCa.certFile)), false);
    });

    it('stops start-up with a message naming the key when a file is missing or does not match', () => {
      const logger = createLogger({ level: 'silent' });
      const leaf = serverCa.issue('mismatch', 'server');
      const other = otherCa.issue('mismatch', 'server');
      assert.throws(
        () =>
          createGrpcServerCredentials({
            tls: { certFile: join(dir, 'absent.pem'), keyFile: leaf.keyFile, clientCaFile: null },
            tokens: [],
            logger,
          }),
        /GRPC_TLS_CERT: cannot read/,
      );
      assert.throws(
        () =>
          createGrpcServerCredentials({
            tls: { certFile: leaf.certFile, keyFile: other.keyFile, clientCaFile: null },
            tokens: [],
            logger,
          }),
        /^Error: GRPC_TLS_KEY \(.*other-mismatch\.key\) does not belong to GRPC_TLS_CERT \(.*\) \(ERR_OSSL_X509_KEY_VALUES_MISMATCH\)$/,
      );
      // A file that is not PEM at all: the key and file are named, the content never.
      const garbage = join(dir, 'garbage.pem');
      writeFileSync(garbage, 'not-a-pem-GARBAGE-CONTENT');
      for (const [tls, key] of [
        [{ certFile: garbage, keyFile: leaf.keyFile, clientCaFile: null }, 'GRPC_TLS_CERT'],
        [{ certFile: leaf.certFile, keyFile: garbage, clientCaFile: null }, 'GRPC_TLS_KEY'],
        [{ certFile: leaf.certFile, keyFile: leaf.keyFile, clientCaFile: garbage }, 'GRPC_TLS_CLIENT_CA'],
      ] as const) {
        assert.throws(
          () => createGrpcServerCredentials({ tls, tokens: [], logger }),
          (e: unknown) =>
            e instanceof Error &&
            e.message.startsWith(`${key} (${garbage}): not a PEM`) &&
            !e.message.includes('GARBAGE'),
          key,
        );
      }
    });
  });

  describe('mutual TLS', () => {
    it('serves only clients presenting a certificate from GRPC_TLS_CLIENT_CA', async () => {
      const leaf = serverCa.issue('mtls-server', 'server');
      const server = await start({
        tls: { certFile: leaf.certFile, keyFile: leaf.keyFile, clientCaFile: clientCa.certFile },
      });
      const bridgeCert = clientCa.issue('bridge', 'client');
      const strangerCert = otherCa.issue('stranger', 'client');
      assert.equal(await reaches(tlsClient(server, serverCa.certFile, bridgeCert)), true);
      assert.equal(await reaches(tlsClient(server, serverCa.certFile)), false, 'no client certificate');
      assert.equal(
        await reaches(tlsClient(server, serverCa.certFile, strangerCert)),
        false,
        'certificate from another CA',
      );
    });
  });

  describe('certificate reload', () => {
    it('serves a replaced certificate to new connections without a restart, and keeps the old one when the new files are broken', async function () {
      this.timeout(20_000);
      const first = serverCa.issue('reload-1', 'server');
      const second = otherCa.issue('reload-2', 'server');
      const certFile = join(dir, 'live.pem');
      const keyFile = join(dir, 'live.key');
      copyFileSync(first.certFile, certFile);
      copyFileSync(first.keyFile, keyFile);
      const server = await start({ tls: { certFile, keyFile, clientCaFile: null }, reloadIntervalMs: 100 });
      assert.equal(await reaches(tlsClient(server, serverCa.certFile)), true);
      assert.equal(await reaches(tlsClient(server, otherCa.certFile)), false);

      // A half-done rotation: new certificate, old key. It must not take the server down.
      copyFileSync(second.certFile, certFile);
      while (!logs.text.includes('"event":"tls_reload_failed"')) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await reaches(tlsClient(server, serverCa.certFile)), true, 'still serving the old certificate');

      copyFileSync(second.keyFile, keyFile);
      while (!(await reaches(tlsClient(server, otherCa.certFile)))) await new Promise((r) => setTimeout(r, 100));
      assert.equal(
        await reaches(tlsClient(server, serverCa.certFile)),
        false,
        'new connections get the new certificate',
      );
      assert.ok(logs.text.includes('"event":"tls_reloaded"'));
      assert.ok(!logs.text.includes('PRIVATE KEY'), 'no key material in the logs');
    });
  });

  describe('caller tokens (GRPC_TOKENS)', () => {
    it('refuses calls without a valid token with UNAUTHENTICATED and reason CALLER_UNAUTHENTICATED, never INVALID_CREDENTIALS', async () => {
      const server = await start({ tokens: [GRPC_TOKEN, OTHER_TOKEN] });
      for (const token of [null, 'wrong-token-0123456789abcdefghijklmnopqrstu', GRPC_TOKEN.slice(0, -1)]) {
        const error = await callError(
          promiseClient(plainClient(server, token)).authenticate({
            login: 'alice@example.com',
            password: 'alice password',
          }),
        );
        assert.equal(error.code, status.UNAUTHENTICATED);
        const upstream = new UpstreamError('authenticate', error);
        assert.equal(upstream.reason, CALLER_UNAUTHENTICATED_REASON);
      }
      // Either configured token works (rotation).
      assert.equal(await reaches(plainClient(server, GRPC_TOKEN)), true);
      assert.equal(await reaches(plainClient(server, OTHER_TOKEN)), true);
      assert.ok(!logs.text.includes(GRPC_TOKEN.slice(0, 20)), 'no token in the logs');
      assert.ok(logs.text.includes('"event":"grpc_caller_refused"'));
    });

    it('leaves health open to probes without a token', async () => {
      const server = await start({ tokens: [GRPC_TOKEN] });
      const health = new HealthClient(server.address, credentials.createInsecure());
      clients.push(health);
      const answer = await new Promise<number>((resolve, reject) =>
        health.check(HealthCheckRequest.create({ service: '' }), new Metadata(), (error, response) =>
          error ? reject(error) : resolve(response.status),
        ),
      );
      assert.equal(answer, HealthCheckResponse_ServingStatus.SERVING);
    });

    it('a bridge with a wrong upstream token answers 500 internal, never 401 invalid_credentials', async () => {
      const server = await start({ tokens: [GRPC_TOKEN] });
      const config = loadConfig({ HTTP_ADDR: '127.0.0.1:0', BRIDGE_TOKENS: BRIDGE_TOKEN, METRICS_ADDR: 'off' });
      assert.ok(config.bridge);
      const logger = createLogger({ level: 'silent' });
      for (const [token, expected] of [
        ['misconfigured-token-0123456789abcdefghijklmnop', { status: 500, error: 'internal' }],
        [GRPC_TOKEN, { status: 200 }],
      ] as const) {
        const client = createIdentityClient(server.address, credentials.createInsecure(), { token });
        clients.push(client);
        const bridge = await startBridge({ client, config: config.bridge, logger });
        try {
          const response = await fetch(`http://127.0.0.1:${bridge.port}/v1/login`, {
            method: 'POST',
            headers: { authorization: `Bearer ${BRIDGE_TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({ username_or_email: 'alice@example.com', password: 'alice password' }),
          });
          const body = (await response.json()) as Record<string, unknown>;
          assert.equal(response.status, expected.status, JSON.stringify(body));
          if ('error' in expected) assert.equal(body.error, expected.error);
        } finally {
          await bridge.close();
        }
      }
    });

    it('works over mutual TLS with a token at once', async () => {
      const leaf = serverCa.issue('both-server', 'server');
      const server = await start({
        tls: { certFile: leaf.certFile, keyFile: leaf.keyFile, clientCaFile: clientCa.certFile },
        tokens: [GRPC_TOKEN],
      });
      const cert = clientCa.issue('both-client', 'client');
      assert.equal(await reaches(tlsClient(server, serverCa.certFile, cert, GRPC_TOKEN)), true);
      assert.equal(await reaches(tlsClient(server, serverCa.certFile, cert, null)), false);
    });
  });

  describe('configured through the environment (serve)', () => {
    it('runs gRPC with mutual TLS and tokens, and the in-process bridge calls it with its certificate and token', async function () {
      this.timeout(30_000);
      const leaf = serverCa.issue('env-server', 'server');
      const bridgeCert = clientCa.issue('env-bridge', 'client');
      const stack = await startStack({
        bridge: true,
        env: {
          GRPC_TLS_CERT: leaf.certFile,
          GRPC_TLS_KEY: leaf.keyFile,
          GRPC_TLS_CLIENT_CA: clientCa.certFile,
          GRPC_TOKENS: GRPC_TOKEN,
          BRIDGE_UPSTREAM_CA: serverCa.certFile,
          BRIDGE_UPSTREAM_CERT: bridgeCert.certFile,
          BRIDGE_UPSTREAM_KEY: bridgeCert.keyFile,
          BRIDGE_UPSTREAM_SERVER_NAME: 'localhost',
        },
      });
      try {
        const post = (path: string, body: unknown) =>
          fetch(`${stack.bridgeUrl}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
        assert.equal((await post('/v1/create', { email: 'env@example.com', password: 'env password' })).status, 201);
        assert.equal(
          (await post('/v1/login', { username_or_email: 'env@example.com', password: 'env password' })).status,
          200,
        );
        assert.equal((await fetch(`${stack.bridgeUrl}/readyz`)).status, 200);
        // A plaintext caller, even with the token, is not served.
        const plaintext = createIdentityClient(stack.grpcAddress, credentials.createInsecure(), { token: GRPC_TOKEN });
        clients.push(plaintext);
        assert.equal(await reaches(plaintext), false);
        // A caller with a certificate but no token is refused.
        const noToken = createIdentityClient(
          `localhost:${stack.running.grpc.port}`,
          createClientTlsCredentials(
            { caFile: serverCa.certFile, identity: bridgeCert, serverName: null },
            createLogger({ level: 'silent' }),
          ).credentials,
        );
        clients.push(noToken);
        const refused = await callError(promiseClient(noToken).getUser({ email: 'env@example.com', login: '' }));
        assert.equal(refused.code, status.UNAUTHENTICATED);
      } finally {
        await stack.close();
      }
    });
  });
});
