import { isIP } from 'node:net';

/** Parsers for environment values; each throws a plain Error whose message loadConfig prefixes with the key. */

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `host:port`, `[v6]:port`, or `:port` (all interfaces). Port 0 asks the OS for a free port. */
export function parseHostPort(value: string): HostPort {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (!match) throw new Error(`expected host:port, got "${value}"`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`port ${port} is out of range`);
  const host = match[1] ?? (match[2] === '' ? '0.0.0.0' : (match[2] ?? ''));
  return { host, port };
}

export function formatHostPort(addr: HostPort): string {
  return addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `10m`, `2h`, `7d`, or a bare number of milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new Error(`expected a duration such as 30s, 10m or 2h, got "${value}"`);
  const ms = Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1);
  if (!Number.isFinite(ms)) throw new Error('duration is too large');
  return Math.round(ms);
}

export function parseInteger(value: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(value.trim())) throw new Error(`expected an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new Error(`must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function parseOneOf<T extends string>(value: string, allowed: readonly T[]): T {
  const v = value.trim() as T;
  if (!allowed.includes(v)) throw new Error(`expected one of ${allowed.join(', ')}, got "${value}"`);
  return v;
}

export function parseBoolean(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(v)) return true;
  if (['0', 'false', 'off', 'no'].includes(v)) return false;
  throw new Error(`expected on or off, got "${value}"`);
}

/** A rate limit: `count` events per `windowMs`, or null for `off`. */
export interface RateValue {
  readonly count: number;
  readonly windowMs: number;
}

/** `10/15m`, `1200/1m`, `5/30s`, or `off`. */
export function parseRate(value: string): RateValue | null {
  const v = value.trim();
  if (v === 'off') return null;
  const match = /^(\d+)\s*\/\s*(\S+)$/.exec(v);
  if (!match) throw new Error(`expected <count>/<duration> such as 10/15m, or off; got "${value}"`);
  const count = parseInteger(match[1] ?? '', 1, 1_000_000);
  const windowMs = parseDuration(match[2] ?? '');
  if (windowMs < 1_000 || windowMs > 86_400_000) throw new Error('the window must be between 1s and 1d');
  return { count, windowMs };
}

/**
 * Which proxies' X-Forwarded-For the bridge believes (fastify's trustProxy): `off` (the peer address is
 * the client), `on` (every hop: only when nothing else can reach the port), a hop count, or
 * comma-separated proxy addresses and CIDR ranges.
 */
export type TrustProxy = boolean | number | readonly string[];

export function parseTrustProxy(value: string): TrustProxy {
  const v = value.trim().toLowerCase();
  if (['off', 'false', 'no', '0'].includes(v)) return false;
  if (['on', 'true', 'yes'].includes(v)) return true;
  if (/^\d+$/.test(v)) return parseInteger(v, 1, 10);
  const entries = v
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const entry of entries) {
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const prefixOk =
      prefix === undefined ||
      (/^\d+$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32) && rest.length === 0);
    if (family === 0 || !prefixOk) throw new Error(`expected off, on, a hop count, or addresses/CIDRs; got "${entry}"`);
  }
  return entries;
}

/** Comma-separated secrets, each at least `minLength` characters; the message names a position, never a value. */
export function parseTokenList(value: string, minLength: number): string[] {
  const tokens = value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  tokens.forEach((t, i) => {
    if (t.length < minLength) throw new Error(`token #${i + 1} is shorter than ${minLength} characters`);
  });
  return tokens;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/**
 * A size in bytes: `16MiB`, `256 MiB`, `1GiB`, `512KiB`, or a bare number of bytes, between `min` and
 * `max`. Binary units only: `MB` would leave it unclear whether 10^6 or 2^20 was meant.
 */
export function parseByteSize(value: string, min: number, max: number): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|gib)?$/i.exec(value.trim());
  if (!match) throw new Error(`expected a size such as 256MiB or 1GiB (KiB, MiB, GiB), got "${value}"`);
  const bytes = Math.round(Number(match[1]) * (SIZE_UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1));
  if (bytes < min || bytes > max) throw new Error(`must be between ${min} and ${max} bytes, got ${bytes}`);
  return bytes;
}
