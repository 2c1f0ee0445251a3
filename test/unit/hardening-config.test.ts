import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config';

const BRIDGE = { HTTP_ADDR: '127.0.0.1:0', BRIDGE_TOKENS: 'bridge-token-0123456789abcdefghijklmnopqrstu' };
const GRPC_TOKEN = 'grpc-token-0123456789abcdefghijklmnopqrstuv';
const TLS = { GRPC_TLS_CERT: '/certs/server.pem', GRPC_TLS_KEY: '/certs/server.key' };

function refuses(env: Record<string, string>, key: string): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.key, key, error.message);
    return error;
  }
  assert.fail(`expected ${key} to be refused`);
}

describe('hardening configuration', () => {
  it('has rate limits on by default, each separately configurable or off', () => {
    const c = loadConfig(BRIDGE);
    assert.deepEqual(c.loginRateLimit, { count: 10, windowMs: 900_000 });
    assert.deepEqual(c.bridge?.rateLimits, {
      credentials: { count: 1200, windowMs: 60_000 },
      other: { count: 6000, windowMs: 60_000 },
    });
    const custom = loadConfig({
      ...BRIDGE,
      RATE_LIMIT_LOGIN: '5/30s',
      RATE_LIMIT_IP_LOGIN: 'off',
      RATE_LIMIT_IP: '100 / 1m',
    });
    assert.deepEqual(custom.loginRateLimit, { count: 5, windowMs: 30_000 });
    assert.deepEqual(custom.bridge?.rateLimits, { credentials: null, other: { count: 100, windowMs: 60_000 } });
    refuses({ ...BRIDGE, RATE_LIMIT_LOGIN: '10' }, 'RATE_LIMIT_LOGIN');
    refuses({ ...BRIDGE, RATE_LIMIT_IP: '0/1m' }, 'RATE_LIMIT_IP');
    refuses({ ...BRIDGE, RATE_LIMIT_IP_LOGIN: '10/100ms' }, 'RATE_LIMIT_IP_LOGIN');
  });

  it('parses BRIDGE_TRUST_PROXY as off, on, a hop count or addresses/CIDRs', () => {
    assert.equal(loadConfig(BRIDGE).bridge?.trustProxy, false);
    assert.equal(loadConfig({ ...BRIDGE, BRIDGE_TRUST_PROXY: 'on' }).bridge?.trustProxy, true);
    assert.equal(loadConfig({ ...BRIDGE, BRIDGE_TRUST_PROXY: '2' }).bridge?.trustProxy, 2);
    assert.deepEqual(loadConfig({ ...BRIDGE, BRIDGE_TRUST_PROXY: '10.0.0.0/8, 192.0.2.7,::1' }).bridge?.trustProxy, [
      '10.0.0.0/8',
      '192.0.2.7',
      '::1',
    ]);
    refuses({ ...BRIDGE, BRIDGE_TRUST_PROXY: '10.0.0.0/33' }, 'BRIDGE_TRUST_PROXY');
    refuses({ ...BRIDGE, BRIDGE_TRUST_PROXY: 'proxy.example.com' }, 'BRIDGE_TRUST_PROXY');
  });

  it('allows a non-loopback GRPC_ADDR with TLS, and refuses half a TLS configuration', () => {
    assert.throws(() => loadConfig({ HTTP_ADDR: 'off', GRPC_ADDR: '0.0.0.0:50051' }), /GRPC_TLS_CERT/);
    const c = loadConfig({ HTTP_ADDR: 'off', GRPC_ADDR: '0.0.0.0:50051', ...TLS, GRPC_TLS_CLIENT_CA: '/certs/ca.pem' });
    assert.deepEqual(c.grpc.tls, {
      certFile: '/certs/server.pem',
      keyFile: '/certs/server.key',
      clientCaFile: '/certs/ca.pem',
    });
    refuses({ HTTP_ADDR: 'off', GRPC_TLS_CERT: '/certs/server.pem' }, 'GRPC_TLS_KEY');
    refuses({ HTTP_ADDR: 'off', GRPC_TLS_CLIENT_CA: '/certs/ca.pem' }, 'GRPC_TLS_CLIENT_CA');
  });

  it('requires long GRPC_TOKENS and never echoes one', () => {
    const short = refuses({ HTTP_ADDR: 'off', GRPC_TOKENS: `${GRPC_TOKEN},short-secret` }, 'GRPC_TOKENS');
    assert.ok(!short.message.includes('short-secret'));
    assert.deepEqual(loadConfig({ HTTP_ADDR: 'off', GRPC_TOKENS: ` ${GRPC_TOKEN} ` }).grpc.tokens, [GRPC_TOKEN]);
  });

  it('gives the in-process bridge the first gRPC token, and a remote upstream only its own', () => {
    assert.equal(loadConfig({ ...BRIDGE, GRPC_TOKENS: GRPC_TOKEN }).bridge?.upstreamToken, GRPC_TOKEN);
    assert.equal(
      loadConfig({ ...BRIDGE, GRPC_TOKENS: GRPC_TOKEN, BRIDGE_UPSTREAM: '127.0.0.1:50052' }).bridge?.upstreamToken,
      null,
    );
    refuses({ ...BRIDGE, BRIDGE_UPSTREAM_TOKEN: 'too-short' }, 'BRIDGE_UPSTREAM_TOKEN');
  });

  it('refuses a plaintext upstream off this host unless GRPC_ALLOW_INSECURE, and calls it over TLS with a CA', () => {
    refuses({ ...BRIDGE, BRIDGE_UPSTREAM: 'identity.internal:50051' }, 'BRIDGE_UPSTREAM');
    assert.equal(
      loadConfig({ ...BRIDGE, BRIDGE_UPSTREAM: 'identity.internal:50051', GRPC_ALLOW_INSECURE: 'on' }).bridge
        ?.upstreamTls,
      null,
    );
    assert.equal(loadConfig({ ...BRIDGE, BRIDGE_UPSTREAM: 'localhost:50051' }).bridge?.upstreamTls, null);
    const tls = loadConfig({
      ...BRIDGE,
      BRIDGE_UPSTREAM: 'identity.internal:50051',
      BRIDGE_UPSTREAM_CA: '/certs/ca.pem',
      BRIDGE_UPSTREAM_CERT: '/certs/bridge.pem',
      BRIDGE_UPSTREAM_KEY: '/certs/bridge.key',
      BRIDGE_UPSTREAM_SERVER_NAME: 'identity',
    }).bridge?.upstreamTls;
    assert.deepEqual(tls, {
      caFile: '/certs/ca.pem',
      identity: { certFile: '/certs/bridge.pem', keyFile: '/certs/bridge.key' },
      serverName: 'identity',
    });
    refuses({ ...BRIDGE, BRIDGE_UPSTREAM_CERT: '/certs/bridge.pem' }, 'BRIDGE_UPSTREAM_KEY');
  });

  it('makes the in-process bridge verify a TLS server, and present a certificate under mutual TLS', () => {
    refuses({ ...BRIDGE, ...TLS }, 'BRIDGE_UPSTREAM_CA');
    refuses(
      { ...BRIDGE, ...TLS, GRPC_TLS_CLIENT_CA: '/certs/ca.pem', BRIDGE_UPSTREAM_CA: '/certs/ca.pem' },
      'BRIDGE_UPSTREAM_CERT',
    );
    const c = loadConfig({ ...BRIDGE, ...TLS, BRIDGE_UPSTREAM_CA: '/certs/ca.pem' });
    assert.deepEqual(c.bridge?.upstreamTls, { caFile: '/certs/ca.pem', identity: null, serverName: null });
  });
});
