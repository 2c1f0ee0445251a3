import { availableParallelism } from 'node:os';
import {
  type HostPort,
  isLoopback,
  parseBoolean,
  parseDuration,
  parseHostPort,
  parseInteger,
  parseOneOf,
} from './config-values';
import type { MigrationMode } from './domain/deps';
import { membershipFormatName } from './passwords/membership-format-name';

/**
 * Configuration, read from the environment once by loadConfig and passed to whatever needs it.
 * Nothing else in src/ reads process.env (OpenTelemetry's own OTEL_* variables are read by its SDK).
 */
export interface Config {
  readonly store: StoreConfig;
  readonly schemaProfile: string;
  /** What some schema profiles read: aspnet-membership's application and hash algorithm. */
  readonly profileSettings: ProfileSettings;
  readonly grpc: {
    readonly addr: HostPort;
    /** Refuse to start a plaintext gRPC listener on a non-loopback address unless this is set. */
    readonly allowInsecureRemote: boolean;
  };
  readonly bridge: BridgeConfig | null;
  readonly migration: { readonly mode: MigrationMode; readonly graceMs: number };
  readonly scrypt: ScryptCost;
  readonly kdf: { readonly concurrency: number; readonly queueLimit: number };
  readonly rehashOnLogin: boolean;
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

export interface BridgeConfig {
  readonly addr: HostPort;
  readonly tokens: readonly string[];
  /** gRPC address the bridge calls; null means the server in this process. */
  readonly upstream: string | null;
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
  GRPC_ADDR: 'gRPC listen address; default 127.0.0.1:50051',
  GRPC_ALLOW_INSECURE: 'allow plaintext gRPC on a non-loopback address (on/off); default off',
  HTTP_ADDR: 'bridge listen address, or off to run gRPC only; default 127.0.0.1:8080',
  BRIDGE_TOKENS: `comma-separated bearer tokens the bridge accepts, each at least ${BRIDGE_TOKEN_MIN_LENGTH} characters; required when the bridge runs`,
  BRIDGE_UPSTREAM: 'gRPC address the bridge calls; default the in-process server',
  BRIDGE_TIMEOUT: 'bridge request budget (the gRPC deadline is set below it); default 8s',
  HTTPS_CERT: 'PEM certificate file: the bridge serves HTTPS when this and HTTPS_KEY are set',
  HTTPS_KEY: 'PEM private key file for HTTPS_CERT',
  MIGRATION_MODE: 'legacy or import; default legacy',
  MIGRATION_GRACE: 'how long a migrated user may still log in here (e.g. 10m); default 5m',
  SCRYPT_LOG_N: `log2 of scrypt's N for new hashes (${SCRYPT_MIN_LOG_N}–${SCRYPT_MAX_LOG_N}); default ${SCRYPT_DEFAULT.logN}`,
  SCRYPT_R: `scrypt block size r; default ${SCRYPT_DEFAULT.r}`,
  SCRYPT_P: `scrypt parallelism p; default ${SCRYPT_DEFAULT.p}`,
  KDF_CONCURRENCY: 'password hashes computed at once (each holds 128·N·r bytes); default the CPU count, at most 4',
  KDF_QUEUE_LIMIT:
    'password hashes allowed to wait; beyond it calls fail at once with RESOURCE_EXHAUSTED / 429; default 8 × KDF_CONCURRENCY',
  REHASH_ON_LOGIN: 'on: rewrite weaker hashes to scrypt after a successful login; default off',
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
  if (!isLoopback(grpcAddr.host) && !allowInsecureRemote) {
    throw new ConfigError(
      'GRPC_ADDR',
      `plaintext gRPC on the non-loopback address ${grpcAddr.host} exposes passwords; set GRPC_ALLOW_INSECURE=on behind a trusted network`,
    );
  }

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
    grpc: { addr: grpcAddr, allowInsecureRemote },
    bridge: loadBridge(read, field),
    migration: {
      mode: field('MIGRATION_MODE', 'legacy' as MigrationMode, (v) => parseOneOf(v, ['legacy', 'import'] as const)),
      graceMs: field('MIGRATION_GRACE', 5 * 60_000, parseDuration),
    },
    scrypt: {
      logN: field('SCRYPT_LOG_N', SCRYPT_DEFAULT.logN, (v) => parseInteger(v, SCRYPT_MIN_LOG_N, SCRYPT_MAX_LOG_N)),
      r: field('SCRYPT_R', SCRYPT_DEFAULT.r, (v) => parseInteger(v, 1, 32)),
      p: field('SCRYPT_P', SCRYPT_DEFAULT.p, (v) => parseInteger(v, 1, 16)),
    },
    kdf: { concurrency, queueLimit: field('KDF_QUEUE_LIMIT', concurrency * 8, (v) => parseInteger(v, 0, 100_000)) },
    rehashOnLogin: field('REHASH_ON_LOGIN', false, parseBoolean),
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

function loadBridge(
  read: (key: ConfigKey) => string | undefined,
  field: <T>(key: ConfigKey, fallback: T, parse: (v: string) => T) => T,
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
  return {
    addr,
    tokens,
    upstream: field('BRIDGE_UPSTREAM', null as string | null, (v) => v.trim()),
    https: certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : null,
    requestTimeoutMs,
  };
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
    throw new Error('expected SHA1, SHA256, SHA384, SHA512, HMACSHA1, HMACSHA256, HMACSHA384 or HMACSHA512');
  }
  return algorithm;
}
