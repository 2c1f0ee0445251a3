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
