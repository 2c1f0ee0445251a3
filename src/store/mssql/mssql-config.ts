import { parse as parseConnectionString } from '@tediousjs/connection-string';
import sql from 'mssql';
import type { MssqlTuning } from '../../config';

/**
 * Defaults for the pool and its timeouts, chosen for an identity store behind Auth0 (every call has
 * a deadline well under Auth0's 20 s):
 * - pool of 10: logins are one indexed lookup each; more connections rarely help a legacy server.
 * - idle connections closed after 30 s.
 * - connect timeout 5 s: a login that takes longer is an outage, reported as UNAVAILABLE.
 * - request timeout 5 s: a ceiling; the caller's remaining deadline lowers it per request.
 * - encrypt on and the certificate verified (trustServerCertificate off): the connection carries
 *   password hashes. Turn verification off only for a server with a self-signed certificate on a
 *   trusted network; encrypt=false only for the TDS test server or a local lab.
 */
export const MSSQL_DEFAULTS = {
  poolMax: 10,
  poolIdleTimeoutMs: 30_000,
  connectTimeoutMs: 5_000,
  requestTimeoutMs: 5_000,
} as const;

/** Where the adapter connects, safe to log: never the password. */
export interface MssqlTarget {
  readonly server: string;
  readonly port: number | undefined;
  readonly database: string | undefined;
  readonly user: string | undefined;
}

export interface MssqlSettings {
  readonly config: sql.config;
  readonly target: MssqlTarget;
  readonly requestTimeoutMs: number;
}

/** Query parameters an `mssql://` URL may carry (case-insensitive). */
const URL_OPTIONS = ['encrypt', 'trustservercertificate', 'instancename', 'applicationname'] as const;

/**
 * Turns STORE_URL into mssql's configuration. Accepts `mssql://user:pass@host:port/db?encrypt=…&
 * trustServerCertificate=…` (user and password URL-encoded) or an ADO-style connection string
 * (`Server=host,1433;Database=db;User Id=…;Password=…;Encrypt=…`). MSSQL_* tuning keys win over the
 * string's own pool and timeout settings, which win over MSSQL_DEFAULTS. Throws an Error that names
 * the problem and never echoes the string (it carries the password).
 */
export function mssqlSettings(connectionString: string, tuning: MssqlTuning = {}): MssqlSettings {
  const parsed = connectionString.trim().startsWith('mssql://')
    ? parseUrl(connectionString.trim())
    : parseAdo(connectionString);
  if (!parsed.server) throw new Error('STORE_URL: the SQL Server connection string names no server');
  const options = parsed.options ?? {};
  const config: sql.config = {
    ...parsed,
    options: {
      ...options,
      encrypt: typeof options.encrypt === 'boolean' ? options.encrypt : true,
      trustServerCertificate:
        typeof options.trustServerCertificate === 'boolean' ? options.trustServerCertificate : false,
      // UNIQUEIDENTIFIER ids read as .NET writes them (Guid.ToString() is lower-case), so a user id
      // is the same text on every store.
      lowerCaseGuids: true,
      useUTC: true,
      appName: options.appName ?? 'legacy-identity-adapter',
    },
    pool: {
      ...parsed.pool,
      min: 0,
      max: tuning.poolMax ?? parsed.pool?.max ?? MSSQL_DEFAULTS.poolMax,
      idleTimeoutMillis: tuning.poolIdleTimeoutMs ?? MSSQL_DEFAULTS.poolIdleTimeoutMs,
    },
    connectionTimeout: tuning.connectTimeoutMs ?? parsed.connectionTimeout ?? MSSQL_DEFAULTS.connectTimeoutMs,
    requestTimeout: tuning.requestTimeoutMs ?? parsed.requestTimeout ?? MSSQL_DEFAULTS.requestTimeoutMs,
  };
  return {
    config,
    target: { server: parsed.server, port: parsed.port, database: parsed.database, user: parsed.user },
    requestTimeoutMs: config.requestTimeout ?? MSSQL_DEFAULTS.requestTimeoutMs,
  };
}

/** `host:port/db as user`, for log lines and error messages. */
export function describeTarget(target: MssqlTarget): string {
  const where = `${target.server}${target.port ? `:${target.port}` : ''}/${target.database ?? '(default database)'}`;
  return target.user ? `${where} as ${target.user}` : where;
}

function parseUrl(value: string): sql.config {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('STORE_URL: not a valid mssql://user:pass@host:port/db URL');
  }
  // A '?' or '#' left unencoded in the password starts the query or the fragment: the message must not
  // quote what follows it, which may be the rest of the password.
  if (url.hash !== '') {
    throw new Error("STORE_URL: has a '#' fragment; percent-encode '#' (%23) in the user name or password");
  }
  const options: NonNullable<sql.config['options']> = {};
  for (const [key, raw] of url.searchParams) {
    const name = key.toLowerCase();
    if (!(URL_OPTIONS as readonly string[]).includes(name)) {
      throw new Error(
        `STORE_URL: unknown query option (expected ${URL_OPTIONS.join(', ')}); percent-encode '?' (%3F) in the user name or password`,
      );
    }
    if (name === 'encrypt' || name === 'trustservercertificate') {
      const flag = parseFlag(raw);
      if (flag === undefined) throw new Error(`STORE_URL: ${key} must be true or false`);
      if (name === 'encrypt') options.encrypt = flag;
      else options.trustServerCertificate = flag;
    } else if (name === 'instancename') {
      options.instanceName = raw;
    } else {
      options.appName = raw;
    }
  }
  const database = decodeUrlPart('database name', url.pathname.replace(/^\//, ''));
  if (database.includes('/')) throw new Error('STORE_URL: the path must be a single database name');
  const port = url.port ? Number(url.port) : undefined;
  return {
    server: decodeUrlPart('host', url.hostname),
    ...(port !== undefined ? { port } : {}),
    ...(database ? { database } : {}),
    ...(url.username ? { user: decodeUrlPart('user name', url.username) } : {}),
    ...(url.password ? { password: decodeUrlPart('password', url.password) } : {}),
    options,
  };
}

/** Percent-decoding that names the part it failed on, never its text. */
function decodeUrlPart(part: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new Error(`STORE_URL: the ${part} has a malformed percent-encoding (a '%' must start %XX)`);
  }
}

/** ADO keywords whose value is a flag, as mssql reads them (it takes any unknown word as true). */
const ADO_FLAGS = { encrypt: 'encrypt', trustservercertificate: 'trustServerCertificate' } as const;

function parseAdo(value: string): sql.config {
  let parsed: sql.config;
  let pairs: ReadonlyMap<string, unknown>;
  try {
    pairs = parseConnectionString(value);
    parsed = sql.ConnectionPool.parseConnectionString(value);
  } catch (error) {
    // The parser's own message may quote the string; only its kind is passed on.
    const kind = error instanceof Error ? error.name : 'Error';
    throw new Error(`STORE_URL: the ADO-style connection string could not be parsed (${kind})`);
  }
  // mssql turns `TrustServerCertificate=off` (or a typo) into true: a typo must not switch certificate
  // checks off. The flags are read here the way the URL form reads them, and anything else is refused.
  const options = { ...parsed.options };
  for (const [keyword, option] of Object.entries(ADO_FLAGS)) {
    const raw = pairs.get(keyword);
    if (raw === undefined) continue;
    const flag = typeof raw === 'boolean' ? raw : parseFlag(String(raw));
    if (flag === undefined) throw new Error(`STORE_URL: ${option} must be true or false`);
    options[option] = flag;
  }
  return { ...parsed, options };
}

function parseFlag(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(v)) return true;
  if (['false', 'no', '0', 'off'].includes(v)) return false;
  return undefined;
}
