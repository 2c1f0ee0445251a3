import { availableParallelism } from 'node:os';
import { LEGACY_LOCKOUT_CONFIG_KEYS, LegacyLockoutConfigError, parseLegacyLockoutConfig } from './config-lockout';
import {
  type HostPort,
  isLoopback,
  parseBoolean,
  parseByteSize,
  parseDuration,
  parseHostPort,
  parseInteger,
  parseOneOf,
  parseRate,
  parseTokenList,
  parseTrustProxy,
  type RateValue,
  type TrustProxy,
} from './config-values';
import type { MigrationMode } from './domain/deps';
import type { LockoutPolicy } from './domain/lockout-policy';
import {
  defaultKdfMaxMemory,
  formatBytes,
  KDF_MAX_MEMORY_DEFAULT_FLOOR,
  KDF_MAX_MEMORY_LIMIT,
  scryptMemoryBytes,
} from './passwords/kdf-memory';
import { membershipFormatName } from './passwords/membership-format-name';
import {
  type MembershipDecryption,
  type MembershipMachineKey,
  parseMembershipDecryption,
  parseMembershipMachineKey,
} from './passwords/membership-machine-key';
import { mssqlSettings } from './store/mssql/mssql-config';

/**
 * Configuration, read from the environment once by loadConfig and passed to whatever needs it.
 * Nothing else in src/ reads process.env (OpenTelemetry's own OTEL_* variables are read by its SDK).
 */
export interface Config {
  readonly store: StoreConfig;
  readonly schemaProfile: string;
  /** What some schema profiles read: aspnet-membership's application and hash algorithm. */
  readonly profileSettings: ProfileSettings;
  /**
   * MEMBERSHIP_DECRYPTION_KEY and MEMBERSHIP_DECRYPTION: the site's machineKey, with which Membership
   * PasswordFormat 2 (encrypted) rows verify; null refuses them. The key is a secret.
   */
  readonly membershipMachineKey: MembershipMachineKey | null;
  readonly grpc: {
    readonly addr: HostPort;
    /** Refuse to start a plaintext gRPC listener on a non-loopback address unless this is set. */
    readonly allowInsecureRemote: boolean;
    /** TLS (mutual with a client CA) from PEM files, reloaded while running; null is plaintext. */
    readonly tls: GrpcTlsConfig | null;
    /** Caller tokens every call but health must carry (`authorization: Bearer …`); empty: none required. */
    readonly tokens: readonly string[];
  };
  /** Failed logins allowed per login identifier (gRPC Authenticate and so /v1/login); null: unlimited. */
  readonly loginRateLimit: RateValue | null;
  readonly bridge: BridgeConfig | null;
  readonly migration: { readonly mode: MigrationMode; readonly graceMs: number };
  readonly scrypt: ScryptCost;
  readonly kdf: {
    readonly concurrency: number;
    readonly queueLimit: number;
    /**
     * KDF_MAX_MEMORY: the most memory one hash may take (scrypt 128·N·r·p, argon2 m); a stored hash
     * needing more is refused before any work. At least the configured scrypt cost's memory.
     */
    readonly maxMemoryBytes: number;
  };
  readonly rehashOnLogin: boolean;
  /** LEGACY_LOCKOUT: keep the legacy schema's failed-attempt counts and lockout at sign-in; null: off. */
  readonly legacyLockout: LockoutPolicy | null;
  readonly metricsAddr: HostPort | null;
  /** How spans and log lines name a request's user (telemetry/subject-attribute.ts). */
  readonly telemetry: {
    /** Record emails and usernames as they are (personal data) instead of a keyed hash. */
    readonly recordEmail: boolean;
    /** HMAC key of those hashes; null draws a random key per process (hashes match within it only). */
    readonly emailHashKey: string | null;
  };
  readonly logLevel: LogLevel;
  /** How long SIGTERM waits for in-flight calls before forcing the exit. */
  readonly shutdownTimeoutMs: number;
}

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'mssql'; readonly connectionString: string; readonly tuning?: MssqlTuning };

/**
 * Pool and timeouts of the mssql store, from the MSSQL_* keys; an unset key leaves the connection
 * string's own setting or the adapter's default (src/store/mssql/mssql-config.ts).
 */
export interface MssqlTuning {
  readonly poolMax?: number;
  readonly poolIdleTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

/** Configuration some schema profiles read (store/load-schema-profile.ts). */
export interface ProfileSettings {
  /** APPLICATION_NAME: the Membership application whose users the adapter serves. */
  readonly applicationName: string;
  /** MEMBERSHIP_HASH_ALGORITHM: the site's `hashAlgorithmType` for PasswordFormat 1 rows. */
  readonly membershipHashAlgorithm: string;
}

/** Membership's own defaults: the root application, and SHA1 (SqlMembershipProvider in Framework20 mode). */
export const DEFAULT_PROFILE_SETTINGS: ProfileSettings = { applicationName: '/', membershipHashAlgorithm: 'SHA1' };

export interface ScryptCost {
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

export interface GrpcTlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** Clients must present a certificate issued by this CA (mutual TLS); null: no client certificate. */
  readonly clientCaFile: string | null;
}

/** How the bridge's gRPC client reaches a TLS upstream. */
export interface UpstreamTlsConfig {
  /** CA bundle the upstream's certificate must chain to; null: Node's bundled roots. */
  readonly caFile: string | null;
  /** Client certificate and key for mutual TLS. */
  readonly identity: { readonly certFile: string; readonly keyFile: string } | null;
  /** Name expected in the upstream's certificate when the address's host is not in it. */
  readonly serverName: string | null;
}

export interface BridgeConfig {
  readonly addr: HostPort;
  readonly tokens: readonly string[];
  /** gRPC address the bridge calls; null means the server in this process. */
  readonly upstream: string | null;
  /** TLS towards the upstream; null is plaintext (loopback, or GRPC_ALLOW_INSECURE). */
  readonly upstreamTls: UpstreamTlsConfig | null;
  /** Token the bridge sends upstream; for the in-process server, the first of GRPC_TOKENS by default. */
  readonly upstreamToken: string | null;
  /** Per-client-address budgets: login, change-password and create; and every other request. */
  readonly rateLimits: { readonly credentials: RateValue | null; readonly other: RateValue | null };
  /** Which proxies' X-Forwarded-For gives the client address. */
  readonly trustProxy: TrustProxy;
  readonly https: { readonly certFile: string; readonly keyFile: string } | null;
  /** Whole-request budget of the bridge, kept well below Auth0's 20 s script limit. */
  readonly requestTimeoutMs: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * OWASP's current minimum for scrypt (N = 2^17, r = 8, p = 1): 128 MiB and roughly 0.4 s per hash on
 * the 2-vCPU machines this was measured on.
 */
export const SCRYPT_DEFAULT: ScryptCost = { logN: 17, r: 8, p: 1 };
/** Below this a new hash is too cheap to be worth storing; tests use it, production should not. */
export const SCRYPT_MIN_LOG_N = 10;
/** 2^20 × r 8 = 1 GiB per hash: beyond that a misconfiguration would take the host down. */
export const SCRYPT_MAX_LOG_N = 20;
/** An email-hash key shorter than this (≈ 128 bits of base64) would let hashes of guessed addresses be brute-forced. */
export const EMAIL_HASH_KEY_MIN_LENGTH = 22;
/** A bridge token shorter than this (≈ 192 bits in base64url) is refused: tokens are the only caller authentication. */
export const BRIDGE_TOKEN_MIN_LENGTH = 32;
/** The same floor for gRPC caller tokens (GRPC_TOKENS, BRIDGE_UPSTREAM_TOKEN). */
export const GRPC_TOKEN_MIN_LENGTH = 32;
/**
 * Failed logins per identifier: 10, refilling one per 90 s. A real user who mistypes a few times never
 * notices; a guesser gets ~960 tries a day per account whatever addresses it uses.
 */
export const DEFAULT_LOGIN_RATE: RateValue = { count: 10, windowMs: 15 * 60_000 };
/**
 * Per client address, routes that run the KDF (login, change-password, create): sized for a whole
 * Auth0 tenant's traffic from Auth0's few egress addresses (20/s sustained, a minute's burst).
 */
export const DEFAULT_IP_CREDENTIALS_RATE: RateValue = { count: 1200, windowMs: 60_000 };
/** Per client address, every other request (look-ups, refused tokens, unknown routes): 100/s. */
export const DEFAULT_IP_OTHER_RATE: RateValue = { count: 6000, windowMs: 60_000 };

/** One line per key: what it means and its default. The README's table is checked against this list. */
export const CONFIG_KEYS = {
  STORE_URL:
    'sqlite:<path> or mssql://user:pass@host:port/db?… (or an ADO-style connection string); default sqlite:./data/legacy.db',
  MSSQL_POOL_MAX: 'mssql store: most connections in the pool (1–200); default 10',
  MSSQL_POOL_IDLE_TIMEOUT: 'mssql store: how long an idle pooled connection is kept; default 30s',
  MSSQL_CONNECT_TIMEOUT: 'mssql store: connect and login timeout; a slower server is reported UNAVAILABLE; default 5s',
  MSSQL_REQUEST_TIMEOUT: "mssql store: longest query; each call's remaining deadline lowers it; default 5s",
  SCHEMA_PROFILE: 'default, aspnet-identity, aspnet-membership, or a path to a JSON profile; default default',
  APPLICATION_NAME: 'aspnet-membership: the Membership application (ApplicationName) whose users are served; default /',
  MEMBERSHIP_HASH_ALGORITHM:
    "aspnet-membership: the site's hashAlgorithmType for PasswordFormat 1 (SHA1, SHA256, HMACSHA256 …); default SHA1",
  MEMBERSHIP_DECRYPTION_KEY:
    "aspnet-membership: the site's machineKey decryptionKey (hex; a secret) so PasswordFormat 2 (encrypted) rows verify; default none (those rows are refused)",
  MEMBERSHIP_DECRYPTION:
    "the site's machineKey decryption for MEMBERSHIP_DECRYPTION_KEY: AES, 3DES or Auto (AES); default AES",
  GRPC_ADDR: 'gRPC listen address; default 127.0.0.1:50051',
  GRPC_ALLOW_INSECURE: 'allow plaintext gRPC on a non-loopback address, served or called (on/off); default off',
  GRPC_TLS_CERT:
    'PEM certificate chain: the gRPC server serves TLS when this and GRPC_TLS_KEY are set (re-read every 30 s)',
  GRPC_TLS_KEY: 'PEM private key for GRPC_TLS_CERT',
  GRPC_TLS_CLIENT_CA: 'PEM CA bundle: with it, every gRPC client must present a certificate it issued (mutual TLS)',
  GRPC_TOKENS: `comma-separated caller tokens (each at least ${GRPC_TOKEN_MIN_LENGTH} characters) every gRPC call but health must send as authorization: Bearer; default none required`,
  RATE_LIMIT_LOGIN: `failed logins per login identifier, as count/window refilling evenly (e.g. 10/15m), or off; gRPC Authenticate and /v1/login; default ${DEFAULT_LOGIN_RATE.count}/15m`,
  HTTP_ADDR: 'bridge listen address, or off to run gRPC only; default 127.0.0.1:8080',
  BRIDGE_TOKENS: `comma-separated bearer tokens the bridge accepts, each at least ${BRIDGE_TOKEN_MIN_LENGTH} characters; required when the bridge runs`,
  BRIDGE_UPSTREAM: 'gRPC address the bridge calls; default the in-process server',
  BRIDGE_TIMEOUT: 'bridge request budget (the gRPC deadline is set below it); default 8s',
  BRIDGE_UPSTREAM_CA: 'PEM CA bundle to verify the gRPC upstream: the bridge calls it over TLS',
  BRIDGE_UPSTREAM_CERT: 'PEM client certificate the bridge presents upstream (mutual TLS), with BRIDGE_UPSTREAM_KEY',
  BRIDGE_UPSTREAM_KEY: 'PEM private key for BRIDGE_UPSTREAM_CERT',
  BRIDGE_UPSTREAM_SERVER_NAME: "name expected in the upstream's certificate when the address's host is not in it",
  BRIDGE_UPSTREAM_TOKEN:
    'caller token the bridge sends upstream; default the first of GRPC_TOKENS for the in-process server',
  RATE_LIMIT_IP_LOGIN: `requests per client address to /v1/login, /v1/change-password and /v1/create (count/window, or off); default ${DEFAULT_IP_CREDENTIALS_RATE.count}/1m`,
  RATE_LIMIT_IP: `every other bridge request per client address (count/window, or off); default ${DEFAULT_IP_OTHER_RATE.count}/1m`,
  BRIDGE_TRUST_PROXY:
    'whose X-Forwarded-For names the client: off, on, a hop count, or comma-separated proxy addresses/CIDRs; default off',
  HTTPS_CERT: 'PEM certificate file: the bridge serves HTTPS when this and HTTPS_KEY are set',
  HTTPS_KEY: 'PEM private key file for HTTPS_CERT',
  MIGRATION_MODE: 'legacy or import; default legacy',
  MIGRATION_GRACE: 'how long a migrated user may still log in here (e.g. 10m); default 5m',
  SCRYPT_LOG_N: `log2 of scrypt's N for new hashes (${SCRYPT_MIN_LOG_N}–${SCRYPT_MAX_LOG_N}); default ${SCRYPT_DEFAULT.logN}`,
  SCRYPT_R: `scrypt block size r; default ${SCRYPT_DEFAULT.r}`,
  SCRYPT_P: `scrypt parallelism p; default ${SCRYPT_DEFAULT.p}`,
  KDF_CONCURRENCY:
    'password hashes computed at once (each holds at most KDF_MAX_MEMORY); default the CPU count, at most 4',
  KDF_QUEUE_LIMIT:
    'password hashes allowed to wait; beyond it calls fail at once with RESOURCE_EXHAUSTED / 429; default 8 × KDF_CONCURRENCY',
  KDF_MAX_MEMORY: `most memory one password hash may take (scrypt 128·N·r·p, argon2 m), e.g. 256MiB; a stored hash needing more is a non-match (with a warning) refused before any work; at least the configured scrypt cost's, at most ${formatBytes(KDF_MAX_MEMORY_LIMIT)}; default the larger of that and ${formatBytes(KDF_MAX_MEMORY_DEFAULT_FLOOR)}`,
  REHASH_ON_LOGIN: 'on: rewrite weaker hashes to scrypt after a successful login; default off',
  ...LEGACY_LOCKOUT_CONFIG_KEYS,
  METRICS_ADDR: 'Prometheus endpoint address, or off; default 127.0.0.1:9464',
  OTEL_RECORD_EMAIL:
    'true: put emails and usernames in spans and log lines as they are; default false (a keyed hash, identity.email_hash)',
  EMAIL_HASH_KEY: `HMAC key (at least ${EMAIL_HASH_KEY_MIN_LENGTH} characters) for the email hash in spans and logs, so hashes match across instances and restarts; default a random key per process`,
  LOG_LEVEL: `pino level (${LOG_LEVELS.join(', ')}); default info`,
  SHUTDOWN_TIMEOUT: 'how long SIGTERM waits for in-flight calls before exiting anyway; default 10s',
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** Raised at start-up for a bad value; the message names the key and never echoes a secret. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly key: ConfigKey,
    reason: string,
  ) {
    super(`${key}: ${reason}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env): Config {
  const read = (key: ConfigKey): string | undefined => {
    const v = env[key];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const field = <T>(key: ConfigKey, fallback: T, parse: (v: string) => T): T => {
    const raw = read(key);
    if (raw === undefined) return fallback;
    try {
      return parse(raw);
    } catch (error) {
      throw new ConfigError(key, error instanceof Error ? error.message : String(error));
    }
  };

  const cpu = Math.min(4, Math.max(1, availableParallelism()));
  const concurrency = field('KDF_CONCURRENCY', cpu, (v) => parseInteger(v, 1, 64));
  const grpcAddr = field('GRPC_ADDR', { host: '127.0.0.1', port: 50051 }, parseHostPort);
  const allowInsecureRemote = field('GRPC_ALLOW_INSECURE', false, parseBoolean);
  const grpcTls = loadGrpcTls(read);
  if (!isLoopback(grpcAddr.host) && !allowInsecureRemote && grpcTls === null) {
    throw new ConfigError(
      'GRPC_ADDR',
      `plaintext gRPC on the non-loopback address ${grpcAddr.host} exposes passwords; set GRPC_TLS_CERT and GRPC_TLS_KEY, or GRPC_ALLOW_INSECURE=on behind a trusted network`,
    );
  }
  const grpcTokens = field('GRPC_TOKENS', [] as string[], (v) => parseTokenList(v, GRPC_TOKEN_MIN_LENGTH));

  const scrypt: ScryptCost = {
    logN: field('SCRYPT_LOG_N', SCRYPT_DEFAULT.logN, (v) => parseInteger(v, SCRYPT_MIN_LOG_N, SCRYPT_MAX_LOG_N)),
    r: field('SCRYPT_R', SCRYPT_DEFAULT.r, (v) => parseInteger(v, 1, 32)),
    p: field('SCRYPT_P', SCRYPT_DEFAULT.p, (v) => parseInteger(v, 1, 16)),
  };

  const membershipDecryption = field('MEMBERSHIP_DECRYPTION', 'AES' as MembershipDecryption, parseMembershipDecryption);
  const store = field('STORE_URL', { kind: 'sqlite', path: './data/legacy.db' } as StoreConfig, parseStoreUrl);
  const optional = <T>(key: ConfigKey, parse: (v: string) => T): T | undefined => field(key, undefined, parse);
  const tuning: MssqlTuning = Object.fromEntries(
    Object.entries({
      poolMax: optional('MSSQL_POOL_MAX', (v) => parseInteger(v, 1, 200)),
      poolIdleTimeoutMs: optional('MSSQL_POOL_IDLE_TIMEOUT', (v) => parseDurationAtLeast(v, 1_000)),
      connectTimeoutMs: optional('MSSQL_CONNECT_TIMEOUT', (v) => parseDurationAtLeast(v, 100)),
      requestTimeoutMs: optional('MSSQL_REQUEST_TIMEOUT', (v) => parseDurationAtLeast(v, 100)),
    }).filter(([, v]) => v !== undefined),
  );

  return {
    store: store.kind === 'mssql' ? { ...store, tuning } : store,
    schemaProfile: field('SCHEMA_PROFILE', 'default', (v) => v.trim()),
    profileSettings: {
      applicationName: field('APPLICATION_NAME', DEFAULT_PROFILE_SETTINGS.applicationName, parseApplicationName),
      membershipHashAlgorithm: field(
        'MEMBERSHIP_HASH_ALGORITHM',
        DEFAULT_PROFILE_SETTINGS.membershipHashAlgorithm,
        parseMembershipHashAlgorithm,
      ),
    },
    // The key is a secret: parseMembershipMachineKey's messages give its length, never its value.
    membershipMachineKey: field('MEMBERSHIP_DECRYPTION_KEY', null as MembershipMachineKey | null, (v) =>
      parseMembershipMachineKey(membershipDecryption, v),
    ),
    grpc: { addr: grpcAddr, allowInsecureRemote, tls: grpcTls, tokens: grpcTokens },
    loginRateLimit: field('RATE_LIMIT_LOGIN', DEFAULT_LOGIN_RATE as RateValue | null, parseRate),
    bridge: loadBridge(read, field, { tls: grpcTls, tokens: grpcTokens, allowInsecureRemote }),
    migration: {
      mode: field('MIGRATION_MODE', 'legacy' as MigrationMode, (v) => parseOneOf(v, ['legacy', 'import'] as const)),
      graceMs: field('MIGRATION_GRACE', 5 * 60_000, parseDuration),
    },
    scrypt,
    kdf: {
      concurrency,
      queueLimit: field('KDF_QUEUE_LIMIT', concurrency * 8, (v) => parseInteger(v, 0, 100_000)),
      maxMemoryBytes: loadKdfMaxMemory(field, scrypt),
    },
    rehashOnLogin: field('REHASH_ON_LOGIN', false, parseBoolean),
    legacyLockout: loadLegacyLockout(env),
    metricsAddr: field('METRICS_ADDR', { host: '127.0.0.1', port: 9464 } as HostPort | null, (v) =>
      v.trim() === 'off' ? null : parseHostPort(v),
    ),
    telemetry: {
      recordEmail: field('OTEL_RECORD_EMAIL', false, parseBoolean),
      emailHashKey: field('EMAIL_HASH_KEY', null as string | null, (v) => {
        // The message never echoes the key: it is a secret.
        if (v.trim().length < EMAIL_HASH_KEY_MIN_LENGTH) {
          throw new Error(`must be at least ${EMAIL_HASH_KEY_MIN_LENGTH} characters`);
        }
        return v.trim();
      }),
    },
    logLevel: field('LOG_LEVEL', 'info' as LogLevel, (v) => parseOneOf(v, LOG_LEVELS)),
    shutdownTimeoutMs: field('SHUTDOWN_TIMEOUT', 10_000, parseDuration),
  };
}

/** LEGACY_LOCKOUT and its limits (config-lockout.ts); a bad value is a ConfigError naming its key. */
function loadLegacyLockout(env: Env): LockoutPolicy | null {
  try {
    return parseLegacyLockoutConfig(env);
  } catch (error) {
    if (error instanceof LegacyLockoutConfigError) throw new ConfigError(error.key, error.reason);
    throw error;
  }
}

/**
 * KDF_MAX_MEMORY, never below what one hash at the configured scrypt cost needs: the service must be
 * able to verify its own hashes (and the dummy every unknown user pays).
 */
function loadKdfMaxMemory(
  field: <T>(key: ConfigKey, fallback: T, parse: (v: string) => T) => T,
  scrypt: ScryptCost,
): number {
  const needed = scryptMemoryBytes(scrypt);
  const max = field('KDF_MAX_MEMORY', defaultKdfMaxMemory(scrypt), (v) => parseByteSize(v, 1, KDF_MAX_MEMORY_LIMIT));
  if (max < needed) {
    throw new ConfigError(
      'KDF_MAX_MEMORY',
      `${formatBytes(max)} is below the ${formatBytes(needed)} one hash at the configured scrypt cost needs (128·N·r·p with SCRYPT_LOG_N=${scrypt.logN}, SCRYPT_R=${scrypt.r}, SCRYPT_P=${scrypt.p}); raise it or lower the cost`,
    );
  }
  return max;
}

function loadBridge(
  read: (key: ConfigKey) => string | undefined,
  field: <T>(key: ConfigKey, fallback: T, parse: (v: string) => T) => T,
  grpc: { tls: GrpcTlsConfig | null; tokens: readonly string[]; allowInsecureRemote: boolean },
): BridgeConfig | null {
  const addr = field('HTTP_ADDR', { host: '127.0.0.1', port: 8080 } as HostPort | null, (v) =>
    v.trim() === 'off' ? null : parseHostPort(v),
  );
  if (addr === null) return null;
  const tokens = (read('BRIDGE_TOKENS') ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (tokens.length === 0) {
    throw new ConfigError('BRIDGE_TOKENS', 'the bridge needs at least one token (or set HTTP_ADDR=off)');
  }
  // The message names the token's position, never its value.
  tokens.forEach((t, i) => {
    if (t.length < BRIDGE_TOKEN_MIN_LENGTH) {
      throw new ConfigError('BRIDGE_TOKENS', `token #${i + 1} is shorter than ${BRIDGE_TOKEN_MIN_LENGTH} characters`);
    }
  });
  const certFile = read('HTTPS_CERT');
  const keyFile = read('HTTPS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(
      certFile === undefined ? 'HTTPS_CERT' : 'HTTPS_KEY',
      'HTTPS needs both HTTPS_CERT and HTTPS_KEY',
    );
  }
  const requestTimeoutMs = field('BRIDGE_TIMEOUT', 8_000, parseDuration);
  if (requestTimeoutMs < 500 || requestTimeoutMs > 15_000) {
    throw new ConfigError('BRIDGE_TIMEOUT', 'must be between 500ms and 15s (Auth0 stops a script after 20 s)');
  }
  const upstream = field('BRIDGE_UPSTREAM', null as string | null, (v) => v.trim());
  return {
    addr,
    tokens,
    upstream,
    upstreamTls: loadUpstreamTls(read, upstream, grpc),
    upstreamToken: field(
      'BRIDGE_UPSTREAM_TOKEN',
      upstream === null ? (grpc.tokens[0] ?? null) : null,
      (v) => parseTokenList(v, GRPC_TOKEN_MIN_LENGTH)[0] ?? null,
    ),
    https: certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : null,
    requestTimeoutMs,
    rateLimits: {
      credentials: field('RATE_LIMIT_IP_LOGIN', DEFAULT_IP_CREDENTIALS_RATE as RateValue | null, parseRate),
      other: field('RATE_LIMIT_IP', DEFAULT_IP_OTHER_RATE as RateValue | null, parseRate),
    },
    trustProxy: field('BRIDGE_TRUST_PROXY', false as TrustProxy, parseTrustProxy),
  };
}

/** Both PEM files or neither; a client CA only on top of a server certificate. */
function loadGrpcTls(read: (key: ConfigKey) => string | undefined): GrpcTlsConfig | null {
  const certFile = read('GRPC_TLS_CERT')?.trim();
  const keyFile = read('GRPC_TLS_KEY')?.trim();
  const clientCaFile = read('GRPC_TLS_CLIENT_CA')?.trim() ?? null;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(
      certFile === undefined ? 'GRPC_TLS_CERT' : 'GRPC_TLS_KEY',
      'TLS needs both GRPC_TLS_CERT and GRPC_TLS_KEY',
    );
  }
  if (certFile === undefined || keyFile === undefined) {
    if (clientCaFile !== null)
      throw new ConfigError('GRPC_TLS_CLIENT_CA', 'mutual TLS needs GRPC_TLS_CERT and GRPC_TLS_KEY too');
    return null;
  }
  return { certFile, keyFile, clientCaFile };
}

/**
 * TLS towards the upstream: on when a BRIDGE_UPSTREAM_* file is given, and required when the upstream
 * is the in-process server and it serves TLS. A plaintext remote upstream needs GRPC_ALLOW_INSECURE.
 */
function loadUpstreamTls(
  read: (key: ConfigKey) => string | undefined,
  upstream: string | null,
  grpc: { tls: GrpcTlsConfig | null; allowInsecureRemote: boolean },
): UpstreamTlsConfig | null {
  const caFile = read('BRIDGE_UPSTREAM_CA')?.trim() ?? null;
  const certFile = read('BRIDGE_UPSTREAM_CERT')?.trim();
  const keyFile = read('BRIDGE_UPSTREAM_KEY')?.trim();
  const serverName = read('BRIDGE_UPSTREAM_SERVER_NAME')?.trim() ?? null;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(
      certFile === undefined ? 'BRIDGE_UPSTREAM_CERT' : 'BRIDGE_UPSTREAM_KEY',
      'a client certificate needs both BRIDGE_UPSTREAM_CERT and BRIDGE_UPSTREAM_KEY',
    );
  }
  const identity = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : null;
  const inProcess = upstream === null;
  if (inProcess && grpc.tls !== null) {
    if (caFile === null) {
      throw new ConfigError(
        'BRIDGE_UPSTREAM_CA',
        "the in-process bridge verifies the gRPC server's certificate: set the CA that issued GRPC_TLS_CERT",
      );
    }
    if (grpc.tls.clientCaFile !== null && identity === null) {
      throw new ConfigError(
        'BRIDGE_UPSTREAM_CERT',
        'GRPC_TLS_CLIENT_CA requires client certificates: give the in-process bridge one (and BRIDGE_UPSTREAM_KEY)',
      );
    }
  }
  if (caFile === null && identity === null && !(inProcess && grpc.tls !== null)) {
    if (!inProcess && !isLoopbackTarget(upstream) && !grpc.allowInsecureRemote) {
      throw new ConfigError(
        'BRIDGE_UPSTREAM',
        'a plaintext upstream off this host exposes passwords; set BRIDGE_UPSTREAM_CA (TLS) or GRPC_ALLOW_INSECURE=on',
      );
    }
    return null;
  }
  return { caFile, identity, serverName };
}

/** Whether a gRPC target is on this host: a loopback host:port, or a unix socket. */
function isLoopbackTarget(target: string): boolean {
  if (target.startsWith('unix:')) return true;
  try {
    return isLoopback(parseHostPort(target.replace(/^(dns|ipv4|ipv6):(\/\/\/)?/, '')).host);
  } catch {
    return false;
  }
}

function parseDurationAtLeast(value: string, minMs: number): number {
  const ms = parseDuration(value);
  if (ms < minMs) throw new Error(`must be at least ${minMs}ms`);
  return ms;
}

/** Never echoes the value: a connection string carries the database password. */
export function parseStoreUrl(value: string): StoreConfig {
  const v = value.trim();
  if (v.startsWith('sqlite:')) {
    const path = v.slice('sqlite:'.length);
    if (path === '') throw new Error('sqlite: needs a file path (sqlite:./data/legacy.db) or :memory:');
    return { kind: 'sqlite', path };
  }
  if (v.startsWith('mssql://') || /(^|;)\s*(server|data source)\s*=/i.test(v)) {
    // Parsed now, so a malformed string is a configuration error naming the key (exit 2) rather than
    // a start-up failure; the messages never quote the string (it carries the password).
    try {
      mssqlSettings(v);
    } catch (error) {
      throw new Error(error instanceof Error ? error.message.replace(/^STORE_URL: /, '') : 'could not be parsed');
    }
    return { kind: 'mssql', connectionString: v };
  }
  throw new Error('expected sqlite:<path>, mssql://user:pass@host:port/db, or an ADO-style connection string');
}

/** Membership's ApplicationName: NVARCHAR(256), no control characters (a stray newline is a typo). */
function parseApplicationName(value: string): string {
  const name = value.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (name.length > 256 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new Error('expected 1–256 characters without control characters (Membership ApplicationName)');
  }
  return name;
}

/** One of the algorithms the Membership password formats implement, as web.config spells it. */
function parseMembershipHashAlgorithm(value: string): string {
  const algorithm = value.trim();
  if (membershipFormatName(1, algorithm) === undefined) {
    throw new Error('expected SHA1, SHA256, SHA384, SHA512, MD5, HMACSHA1, HMACSHA256, HMACSHA384 or HMACSHA512');
  }
  return algorithm;
}
