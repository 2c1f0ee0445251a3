import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ErrorInfo } from '../../gen/google/rpc/error_details';
import { Status as RpcStatus } from '../../gen/google/rpc/status';
import { type IdentityStoreServer, IdentityStoreService } from '../../gen/identity/v1/identity_store';
import { MAX_HEADER_BYTES } from '../../src/bridge/limits';
import { type BridgeHandle, startBridge } from '../../src/bridge/server';
import type { BridgeConfig } from '../../src/config';
import { IdentityError } from '../../src/domain/errors';
import { createIdentityClient } from '../../src/grpc/client';
import { SERVICE_NAME } from '../../src/grpc/health';
import { toServiceError } from '../../src/grpc/status';
import { createClientTlsCredentials } from '../../src/grpc/tls-credentials';
import { createLogger } from '../../src/logger';
import { LogCapture } from '../support/log-capture';

const TOKEN = 'upstream-test-token-0123456789abcdefghijklmnop';
/** Small budget so a hung upstream ends the test quickly: the gRPC deadline is 80 % of it. */
const REQUEST_TIMEOUT_MS = 600;
const SECRET_DETAIL = 'secret-detail-from-upstream';

type Behaviour = (rpc: string, callback: sendUnaryData<never>) => void;

/**
 * A stand-in IdentityStore on a real grpc-js server whose every RPC does what `behaviour` says, so each
 * gRPC status the bridge may meet can be produced on demand.
 */
async function startStubUpstream(): Promise<{
  address: string;
  health: HealthImplementation;
  setBehaviour(b: Behaviour): void;
  close(): void;
}> {
  let behaviour: Behaviour = (_rpc, callback) => callback({ code: status.UNIMPLEMENTED });
  const handler =
    (rpc: string) =>
    (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<never>): void =>
      behaviour(rpc, callback);
  const implementation: IdentityStoreServer = {
    authenticate: handler('authenticate'),
    getUser: handler('getUser'),
    createUser: handler('createUser'),
    verifyEmail: handler('verifyEmail'),
    changePassword: handler('changePassword'),
    deleteUser: handler('deleteUser'),
    changeEmail: handler('changeEmail'),
  };
  const server = new Server();
  server.addService(IdentityStoreService, implementation);
  const health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    health,
    setBehaviour: (b) => {
      behaviour = b;
    },
    close: () => server.forceShutdown(),
  };
}

function bridgeConfig(overrides: Partial<BridgeConfig> = {}): BridgeConfig {
  return {
    addr: { host: '127.0.0.1', port: 0 },
    tokens: [TOKEN],
    upstream: null,
    upstreamTls: null,
    upstreamToken: null,
    https: null,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    rateLimits: { credentials: null, other: null },
    trustProxy: false,
    ...overrides,
  };
}

const fail =
  (error: Partial<ServiceError>): Behaviour =>
  (_rpc, callback) =>
    callback(error);

describe('HTTP bridge: every upstream gRPC status, mapped once', () => {
  let upstream: Awaited<ReturnType<typeof startStubUpstream>>;
  let bridge: BridgeHandle;
  let client: ReturnType<typeof createIdentityClient>;
  const logs = new LogCapture();

  before(async () => {
    upstream = await startStubUpstream();
    client = createIdentityClient(upstream.address);
    bridge = await startBridge({
      client,
      config: bridgeConfig(),
      logger: createLogger({ level: 'info', destination: logs }),
    });
  });
  after(async () => {
    await bridge.close();
    client.close();
    upstream.close();
  });

  async function post(path: string, body: unknown) {
    const response = await fetch(`http://127.0.0.1:${bridge.port}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      headers: response.headers,
      json: (await response.json()) as Record<string, unknown>,
    };
  }

  const login = () => post('/v1/login', { username_or_email: 'someone@example.com', password: 'pw-123456' });
  const getUser = () => post('/v1/get-user', { email: 'someone@example.com' });

  const create = () => post('/v1/create', { email: 'someone@example.com', password: 'pw-123456' });

  const domain = (code: ConstructorParameters<typeof IdentityError>[0]) =>
    toServiceError(new IdentityError(code, SECRET_DETAIL));

  /** A status with a google.rpc.ErrorInfo of the given domain and reason, as another gRPC service would send. */
  const withErrorInfo = (code: status, errorDomain: string, reason: string): Partial<ServiceError> => {
    const info = ErrorInfo.encode({ reason, domain: errorDomain, metadata: {} }).finish();
    const details = [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(info) }];
    const metadata = new Metadata();
    metadata.set('grpc-status-details-bin', Buffer.from(RpcStatus.encode({ code, message: '', details }).finish()));
    return { code, details: SECRET_DETAIL, metadata };
  };

  const table: { name: string; error: Partial<ServiceError>; status: number; code: string; call?: typeof login }[] = [
    { name: 'NOT_FOUND', error: domain('not_found'), status: 404, code: 'not_found', call: getUser },
    {
      name: 'NOT_FOUND without the IdentityStore’s ErrorInfo (BRIDGE_UPSTREAM pointing at another service)',
      error: { code: status.NOT_FOUND, details: SECRET_DETAIL },
      status: 500,
      code: 'internal',
      call: getUser,
    },
    {
      name: 'NOT_FOUND with another service’s ErrorInfo (domain other than identity.v1)',
      error: withErrorInfo(status.NOT_FOUND, 'example.com', 'NOT_FOUND'),
      status: 500,
      code: 'internal',
      call: getUser,
    },
    {
      name: 'NOT_FOUND whose identity.v1 ErrorInfo names another reason',
      error: withErrorInfo(status.NOT_FOUND, 'identity.v1', 'ALREADY_EXISTS'),
      status: 500,
      code: 'internal',
      call: getUser,
    },
    { name: 'ALREADY_EXISTS', error: domain('already_exists'), status: 409, code: 'user_exists', call: create },
    {
      name: 'ALREADY_EXISTS without the IdentityStore’s ErrorInfo',
      error: { code: status.ALREADY_EXISTS, details: SECRET_DETAIL },
      status: 500,
      code: 'internal',
      call: create,
    },
    {
      name: 'ALREADY_EXISTS with another service’s ErrorInfo',
      error: withErrorInfo(status.ALREADY_EXISTS, 'example.com', 'ALREADY_EXISTS'),
      status: 500,
      code: 'internal',
      call: create,
    },
    {
      name: 'FAILED_PRECONDITION without the IdentityStore’s ErrorInfo',
      error: { code: status.FAILED_PRECONDITION, details: SECRET_DETAIL },
      status: 500,
      code: 'internal',
    },
    {
      name: 'RESOURCE_EXHAUSTED without the IdentityStore’s ErrorInfo (e.g. grpc-js’s own size limit)',
      error: { code: status.RESOURCE_EXHAUSTED, details: SECRET_DETAIL },
      status: 500,
      code: 'internal',
    },
    {
      name: 'RESOURCE_EXHAUSTED with another service’s ErrorInfo',
      error: withErrorInfo(status.RESOURCE_EXHAUSTED, 'example.com', 'RESOURCE_EXHAUSTED'),
      status: 500,
      code: 'internal',
    },
    { name: 'FAILED_PRECONDITION', error: domain('failed_precondition'), status: 409, code: 'user_migrated' },
    { name: 'RESOURCE_EXHAUSTED', error: domain('resource_exhausted'), status: 429, code: 'rate_limited' },
    { name: 'UNAVAILABLE', error: domain('unavailable'), status: 503, code: 'unavailable' },
    { name: 'CANCELLED', error: { code: status.CANCELLED, details: SECRET_DETAIL }, status: 503, code: 'unavailable' },
    { name: 'DEADLINE_EXCEEDED', error: domain('deadline_exceeded'), status: 504, code: 'timeout' },
    { name: 'INTERNAL', error: domain('internal'), status: 500, code: 'internal' },
    { name: 'UNKNOWN', error: { code: status.UNKNOWN, details: SECRET_DETAIL }, status: 500, code: 'internal' },
    {
      name: 'UNIMPLEMENTED',
      error: { code: status.UNIMPLEMENTED, details: SECRET_DETAIL },
      status: 500,
      code: 'internal',
    },
    {
      name: 'PERMISSION_DENIED',
      error: { code: status.PERMISSION_DENIED, details: SECRET_DETAIL },
      status: 500,
      code: 'internal',
    },
    { name: 'ABORTED', error: { code: status.ABORTED, details: SECRET_DETAIL }, status: 500, code: 'internal' },
    {
      name: 'OUT_OF_RANGE',
      error: { code: status.OUT_OF_RANGE, details: SECRET_DETAIL },
      status: 500,
      code: 'internal',
    },
    { name: 'DATA_LOSS', error: { code: status.DATA_LOSS, details: SECRET_DETAIL }, status: 500, code: 'internal' },
    {
      name: 'UNAUTHENTICATED from the domain, on Authenticate',
      error: toServiceError(new IdentityError('invalid_credentials', 'invalid credentials')),
      status: 401,
      code: 'invalid_credentials',
    },
    {
      name: 'UNAUTHENTICATED without the domain reason (e.g. the bridge’s own gRPC credentials refused)',
      error: { code: status.UNAUTHENTICATED, details: SECRET_DETAIL },
      status: 500,
      code: 'internal',
    },
    {
      name: 'UNAUTHENTICATED on an RPC other than Authenticate',
      error: toServiceError(new IdentityError('invalid_credentials', 'invalid credentials')),
      status: 500,
      code: 'internal',
      call: getUser,
    },
    {
      name: 'INVALID_ARGUMENT on password only',
      error: toServiceError(
        IdentityError.invalidArgument([{ field: 'password', description: 'must not contain NUL' }]),
      ),
      status: 400,
      code: 'password_rejected',
    },
    {
      name: 'INVALID_ARGUMENT on another field',
      error: toServiceError(
        IdentityError.invalidArgument([
          { field: 'login', description: 'must not contain control characters' },
          { field: 'password', description: 'is required' },
        ]),
      ),
      status: 400,
      code: 'invalid_request',
    },
    {
      name: 'INVALID_ARGUMENT without details',
      error: { code: status.INVALID_ARGUMENT, details: SECRET_DETAIL },
      status: 400,
      code: 'invalid_request',
    },
  ];

  for (const row of table) {
    it(`${row.name} → ${row.status} ${row.code}`, async () => {
      upstream.setBehaviour(fail(row.error));
      const answer = await (row.call ?? login)();
      assert.equal(answer.status, row.status);
      assert.equal(answer.json.error, row.code);
      assert.ok(!JSON.stringify(answer.json).includes(SECRET_DETAIL), 'upstream details leaked to the caller');
      assert.equal(answer.headers.get('retry-after'), row.status === 429 ? '1' : null);
    });
  }

  it('names the rejected fields (never their values) in the invalid_request message', async () => {
    upstream.setBehaviour(
      fail(
        toServiceError(
          IdentityError.invalidArgument([{ field: 'email', description: 'must be a valid email address' }]),
        ),
      ),
    );
    const answer = await getUser();
    assert.deepEqual(answer.json, { error: 'invalid_request', message: 'email must be a valid email address' });
  });

  it('answers 504 timeout when the upstream never answers (gRPC deadline below the request budget)', async () => {
    upstream.setBehaviour(() => {
      // Never calls back.
    });
    const answer = await getUser();
    assert.equal(answer.status, 504);
    assert.deepEqual(answer.json, { error: 'timeout', message: 'identity store did not answer in time' });
  });

  it('answers 500 internal when the upstream claims success for Authenticate but sends no user', async () => {
    upstream.setBehaviour((_rpc, callback) => callback(null, {} as never));
    const answer = await login();
    assert.equal(answer.status, 500);
    assert.equal(answer.json.error, 'internal');
  });

  it('logs faults with the gRPC status, but never a password or the token', () => {
    const lines = logs.entries().filter((l) => l.event === 'upstream_failure');
    assert.ok(lines.length > 0);
    assert.ok(lines.some((l) => l.grpc_code === status.UNAVAILABLE && l.rpc === 'authenticate'));
    assert.ok(!logs.text.includes('pw-123456'));
    assert.ok(!logs.text.includes(TOKEN));
  });

  it('is ready only while the upstream reports IdentityStore SERVING', async () => {
    const readyz = async () => (await fetch(`http://127.0.0.1:${bridge.port}/readyz`)).status;
    assert.equal(await readyz(), 200);
    upstream.health.setStatus(SERVICE_NAME, 'NOT_SERVING');
    assert.equal(await readyz(), 503);
    upstream.health.setStatus(SERVICE_NAME, 'SERVING');
    assert.equal(await readyz(), 200);
  });
});

describe('HTTP bridge with its upstream down', () => {
  it('answers 503 unavailable on every route and is not ready, but stays live', async () => {
    const upstream = await startStubUpstream();
    const address = upstream.address;
    upstream.close();
    const client = createIdentityClient(address);
    const bridge = await startBridge({ client, config: bridgeConfig(), logger: createLogger({ level: 'silent' }) });
    try {
      const base = `http://127.0.0.1:${bridge.port}`;
      const bodies: Record<string, unknown> = {
        '/v1/login': { username_or_email: 'a@example.com', password: 'pw-123456' },
        '/v1/get-user': { email: 'a@example.com' },
        '/v1/create': { email: 'a@example.com', password: 'pw-123456' },
        '/v1/verify': { email: 'a@example.com' },
        '/v1/change-password': { email: 'a@example.com', new_password: 'pw-654321' },
        '/v1/delete': { user_id: '42' },
        '/v1/change-email': { email: 'a@example.com', new_email: 'b@example.com', verified: true },
      };
      for (const [path, body] of Object.entries(bodies)) {
        const response = await fetch(base + path, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 503, path);
        assert.equal(((await response.json()) as { error: string }).error, 'unavailable', path);
      }
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    } finally {
      await bridge.close();
      client.close();
    }
  });
});

/** Sends raw bytes, waits until the server closes the connection, and splits what came back. */
async function rawExchange(
  port: number,
  bytes: string,
): Promise<{ statusLine: string; headers: Map<string, string>; body: string }> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (c: Buffer) => {
    received += c.toString('latin1');
  });
  socket.on('error', () => {
    // A reset after the answer is fine; the assertions below check what arrived.
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(bytes);
  await closed;
  const split = received.indexOf('\r\n\r\n');
  assert.ok(split > 0, `no complete HTTP response: ${JSON.stringify(received.slice(0, 200))}`);
  const [statusLine = '', ...lines] = received.slice(0, split).split('\r\n');
  const headers = new Map(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { statusLine, headers, body: received.slice(split + 4) };
}

describe('HTTP bridge and slow or malformed clients (Node refuses them before fastify sees a request)', () => {
  let bridge: BridgeHandle;
  let client: ReturnType<typeof createIdentityClient>;
  const logs = new LogCapture();
  before(async () => {
    client = createIdentityClient('127.0.0.1:1');
    bridge = await startBridge({
      client,
      config: bridgeConfig(),
      logger: createLogger({ level: 'info', destination: logs }),
    });
  });
  after(async () => {
    await bridge.close();
    client.close();
  });

  /** Asserts a complete response with the bridge's JSON error body and `connection: close`. */
  function assertJsonFailure(answer: Awaited<ReturnType<typeof rawExchange>>, status: number, error: string): void {
    assert.match(answer.statusLine, new RegExp(`^HTTP/1\\.1 ${status} `));
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(answer.headers.get('connection'), 'close');
    assert.equal(Number(answer.headers.get('content-length')), Buffer.byteLength(answer.body, 'latin1'));
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['error', 'message']);
    assert.equal(body.error, error);
    assert.equal(typeof body.message, 'string');
  }

  it('answers 408 {"error":"timeout"} and closes when a request body never completes (slow-loris)', async () => {
    const answer = await rawExchange(
      bridge.port,
      `POST /v1/get-user HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":',
    );
    assertJsonFailure(answer, 408, 'timeout');
  });

  it('answers 408 {"error":"timeout"} when the headers never complete', async () => {
    assertJsonFailure(await rawExchange(bridge.port, 'POST /v1/get-user HTTP/1.1\r\nHost: x\r\n'), 408, 'timeout');
  });

  it('answers 400 {"error":"invalid_request"} to bytes that are not HTTP', async () => {
    assertJsonFailure(await rawExchange(bridge.port, 'NOT HTTP AT ALL\r\n\r\n'), 400, 'invalid_request');
  });

  it('answers 431 {"error":"invalid_request"} to a header block over the limit', async () => {
    const answer = await rawExchange(
      bridge.port,
      `POST /v1/get-user HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(MAX_HEADER_BYTES + 1)}\r\n\r\n`,
    );
    assertJsonFailure(answer, 431, 'invalid_request');
  });

  it('logs each refusal with Node’s error code, never the bytes the client sent', async () => {
    await rawExchange(
      bridge.port,
      `BOGUS /v1/login?password=pw-123456 HTTP/1.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
    );
    const lines = logs.entries().filter((l) => l.event === 'client_error');
    assert.ok(lines.some((l) => l.node_code === 'ERR_HTTP_REQUEST_TIMEOUT' && l.status === 408));
    assert.ok(lines.some((l) => l.node_code === 'HPE_HEADER_OVERFLOW' && l.status === 431));
    assert.ok(lines.some((l) => String(l.node_code).startsWith('HPE_') && l.status === 400));
    assert.ok(!logs.text.includes('pw-123456'));
    assert.ok(!logs.text.includes(TOKEN));
  });
});

describe('HTTP bridge over HTTPS', () => {
  let dir: string;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'lia-bridge-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
    } catch {
      this.skip();
    }
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the routes over TLS with the configured certificate', async () => {
    const upstream = await startStubUpstream();
    upstream.setBehaviour(fail(toServiceError(new IdentityError('not_found', 'user not found'))));
    const client = createIdentityClient(upstream.address);
    const https = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
    const bridge = await startBridge({
      client,
      config: bridgeConfig({ https }),
      logger: createLogger({ level: 'silent' }),
    });
    try {
      const ca = readFileSync(https.certFile);
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: bridge.port,
            path: '/v1/get-user',
            method: 'POST',
            ca,
            headers: {
              authorization: `Bearer ${TOKEN}`,
              'content-type': 'application/json',
            },
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => {
              body += c.toString('utf8');
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ email: 'a@example.com' }));
      });
      assert.equal(answer.status, 404);
      assert.deepEqual(JSON.parse(answer.body), { error: 'not_found', message: 'user not found' });
      await assert.rejects(fetch(`http://127.0.0.1:${bridge.port}/healthz`));
    } finally {
      await bridge.close();
      client.close();
      upstream.close();
    }
  });

  it('refuses to start when a certificate file cannot be read or is not PEM, naming the key and file', async () => {
    const client = createIdentityClient('127.0.0.1:1');
    try {
      await assert.rejects(
        startBridge({
          client,
          config: bridgeConfig({ https: { certFile: join(dir, 'missing.pem'), keyFile: join(dir, 'key.pem') } }),
          logger: createLogger({ level: 'silent' }),
        }),
        /HTTPS_CERT: cannot read .*missing\.pem \(ENOENT\)/,
      );
      // Files that are there but are not PEM: the key and file are named, the content never.
      const garbage = join(dir, 'garbage.pem');
      writeFileSync(garbage, 'not-a-pem-GARBAGE-CONTENT');
      for (const [https, key] of [
        [{ certFile: garbage, keyFile: join(dir, 'key.pem') }, 'HTTPS_CERT'],
        [{ certFile: join(dir, 'cert.pem'), keyFile: garbage }, 'HTTPS_KEY'],
      ] as const) {
        await assert.rejects(
          startBridge({ client, config: bridgeConfig({ https }), logger: createLogger({ level: 'silent' }) }),
          (e: unknown) =>
            e instanceof Error &&
            e.message.startsWith(`${key} (${garbage}): not a PEM`) &&
            !e.message.includes('GARBAGE'),
        );
      }
      // A key of another pair: both keys and files are named, and OpenSSL's code, not its text.
      const otherKey = join(dir, 'other-key.pem');
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      writeFileSync(otherKey, privateKey.export({ type: 'pkcs8', format: 'pem' }));
      await assert.rejects(
        startBridge({
          client,
          config: bridgeConfig({ https: { certFile: join(dir, 'cert.pem'), keyFile: otherKey } }),
          logger: createLogger({ level: 'silent' }),
        }),
        (e: unknown) =>
          e instanceof Error &&
          e.message ===
            `HTTPS_KEY (${otherKey}) does not belong to HTTPS_CERT (${join(dir, 'cert.pem')}) (ERR_OSSL_X509_KEY_VALUES_MISMATCH)`,
      );
    } finally {
      client.close();
    }
  });

  it('BRIDGE_UPSTREAM_CA, _CERT and _KEY: a file that is not PEM is named with its key, its content never', () => {
    const garbage = join(dir, 'upstream-garbage.pem');
    writeFileSync(garbage, 'not-a-pem-GARBAGE-CONTENT');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    const logger = createLogger({ level: 'silent' });
    for (const [tls, name] of [
      [{ caFile: garbage, identity: null, serverName: null }, 'BRIDGE_UPSTREAM_CA'],
      [{ caFile: cert, identity: { certFile: garbage, keyFile: key }, serverName: null }, 'BRIDGE_UPSTREAM_CERT'],
      [{ caFile: cert, identity: { certFile: cert, keyFile: garbage }, serverName: null }, 'BRIDGE_UPSTREAM_KEY'],
    ] as const) {
      assert.throws(
        () => createClientTlsCredentials(tls, logger),
        (e: unknown) =>
          e instanceof Error &&
          e.message.startsWith(`${name} (${garbage}): not a PEM`) &&
          !e.message.includes('GARBAGE'),
        name,
      );
    }
  });
});
