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
  // Likewise a '/' ends the authority: '1433/rest-of-password@host' would read as port 1433 and a
  // database named after the rest of the password, which every log line naming the target would show.
  if (url.pathname.includes('@') || url.search.includes('@')) {
    throw new Error(
      "STORE_URL: has an '@' after the host; percent-encode '/', '?', '#' and '@' (%2F, %3F, %23, %40) in the user name or password",
    );
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
      // Named as documented, not as written: the key may be the tail of a password cut at a '?'.
      const option = name === 'encrypt' ? 'encrypt' : 'trustServerCertificate';
      const flag = parseFlag(raw);
      if (flag === undefined) throw new Error(`STORE_URL: ${option} must be true or false`);
      options[option] = flag;
    } else if (name === 'instancename') {
      options.instanceName = raw;
    } else {
      options.appName = raw;
    }
  }
  const database = decodeUrlPart('database name', url.pathname.replace(/^\//, ''));
  if (database.includes('/')) throw new Error('STORE_URL: the path must be a single database name');
  const port = url.port ? Number(url.port) : undefined;
  if (port === 0) throw new Error('STORE_URL: the port must be from 1 to 65535');
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

/**
 * ADO keywords whose value is a flag, as mssql reads them: it takes any word but false/no/0 as true,
 * so `TrustServerCertificate=off` or a typo switched certificate checks off. `fixed` is the only value
 * the adapter works with (it sets that option itself).
 */
const ADO_FLAGS: Readonly<Record<string, { readonly name: string; readonly fixed?: boolean }>> = {
  encrypt: { name: 'Encrypt' },
  trustservercertificate: { name: 'TrustServerCertificate' },
  multisubnetfailover: { name: 'MultiSubnetFailover' },
  useutc: { name: 'UseUTC', fixed: true },
  stream: { name: 'Stream', fixed: false },
  parsejson: { name: 'ParseJSON', fixed: false },
};

/**
 * ADO keywords whose value is a whole number, as mssql reads them: it takes parseInt's answer, so a
 * typo became NaN (a timer that fires at once, a pool of NaN) and an empty value the library's default.
 * Ranges are SqlClient's, narrowed where the adapter needs it (a connect timeout of 0 waits forever; the
 * pool ceiling is MSSQL_POOL_MAX's).
 */
const ADO_NUMBERS: Readonly<
  Record<string, { readonly name: string; readonly min: number; readonly max: number; readonly unit?: string }>
> = {
  'connection timeout': { name: 'Connect Timeout', min: 1, max: 2_147_483, unit: 'seconds' },
  'connect timeout': { name: 'Connect Timeout', min: 1, max: 2_147_483, unit: 'seconds' },
  timeout: { name: 'Connect Timeout', min: 1, max: 2_147_483, unit: 'seconds' },
  'request timeout': { name: 'Request Timeout', min: 100, max: 2_147_483_647, unit: 'milliseconds' },
  'max pool size': { name: 'Max Pool Size', min: 1, max: 200 },
  'min pool size': { name: 'Min Pool Size', min: 0, max: 200 },
  'packet size': { name: 'Packet Size', min: 512, max: 32_768 },
  connectretryinterval: { name: 'ConnectRetryInterval', min: 1, max: 60, unit: 'seconds' },
};

function parseAdo(value: string): sql.config {
  let parsed: sql.config;
  let pairs: ReadonlyMap<string, string>;
  try {
    pairs = parseConnectionString(value) as ReadonlyMap<string, string>;
    parsed = sql.ConnectionPool.parseConnectionString(value);
  } catch (error) {
    // The parser's own message may quote the string; only its kind is passed on.
    const kind = error instanceof Error ? error.name : 'Error';
    throw new Error(`STORE_URL: the ADO-style connection string could not be parsed (${kind})`);
  }
  // The flags and numbers are read here the way the URL form reads them, and anything else is refused;
  // messages name the keyword as documented, never the value.
  const options = { ...parsed.options };
  for (const [keyword, raw] of pairs) {
    const flag = ADO_FLAGS[keyword];
    if (flag) {
      const on = parseFlag(String(raw));
      if (on === undefined) throw new Error(`STORE_URL: ${flag.name} must be true or false`);
      if (flag.fixed !== undefined && on !== flag.fixed) {
        throw new Error(`STORE_URL: ${flag.name}=${on} is not supported (the adapter sets ${flag.fixed})`);
      }
      if (keyword === 'encrypt') options.encrypt = on;
      if (keyword === 'trustservercertificate') options.trustServerCertificate = on;
    }
    const number = ADO_NUMBERS[keyword];
    if (number && parseWhole(String(raw), number.min, number.max) === undefined) {
      const what = number.unit ? `a whole number of ${number.unit}` : 'a whole number';
      throw new Error(`STORE_URL: ${number.name} must be ${what} from ${number.min} to ${number.max}`);
    }
  }
  return { ...parsed, ...adoPort(pairs), options };
}

/** The port of `Server=host,port` (or `host\instance,port`), which mssql read with parseInt too. */
function adoPort(pairs: ReadonlyMap<string, string>): { port?: number } {
  const server = ['data source', 'addr', 'address', 'server', 'network address']
    .map((keyword) => pairs.get(keyword))
    .find((v) => v !== undefined);
  const comma = server?.lastIndexOf(',') ?? -1;
  if (server === undefined || comma < 0) return {};
  const port = parseWhole(server.slice(comma + 1), 1, 65_535);
  if (port === undefined) {
    throw new Error('STORE_URL: the port after the server name must be a whole number from 1 to 65535');
  }
  return { port };
}

function parseWhole(value: string, min: number, max: number): number | undefined {
  const v = value.trim();
  if (!/^\d{1,10}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= min && n <= max ? n : undefined;
}

function parseFlag(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(v)) return true;
  if (['false', 'no', '0', 'off'].includes(v)) return false;
  return undefined;
}
