import { isIPv4, isIPv6 } from 'node:net';
import { KeyedRateLimiter, type Rate } from '../domain/keyed-rate-limiter';
import { type BridgeFailure, bridgeFailure } from './status';

/**
 * Routes that run the KDF (a password is checked or hashed): they get the stricter per-address
 * budget, since each costs tens of milliseconds of CPU and 128·N·r bytes while it runs.
 */
export const CREDENTIAL_ROUTES: ReadonlySet<string> = new Set(['/v1/login', '/v1/change-password', '/v1/create']);

/** Per-client-address budgets (RATE_LIMIT_IP_LOGIN, RATE_LIMIT_IP; defaults in config.ts); null turns one off. */
export interface IpRateLimits {
  /** Login, change-password, create: stricter. */
  readonly credentials: Rate | null;
  /** Every other request, including unknown routes and refused tokens: a coarse flood guard. */
  readonly other: Rate | null;
}

/**
 * IPv6 clients are counted per /64 (four groups): one host usually owns a whole /64 and could
 * otherwise rotate addresses to escape the limit.
 */
export const IPV6_PREFIX_GROUPS = 4;

/**
 * The bridge's per-address limiter: `check` spends one unit of the budget of the request's class
 * and returns the 429 `rate_limited` failure (with Retry-After) when it is spent, else null. The
 * address is `request.ip`, which honours BRIDGE_TRUST_PROXY.
 */
export function createIpRateLimit(
  limits: IpRateLimits,
  now: () => number,
): (request: { readonly ip: string; readonly route: string | undefined }) => BridgeFailure | null {
  const credentials = limits.credentials ? new KeyedRateLimiter(limits.credentials, now) : null;
  const other = limits.other ? new KeyedRateLimiter(limits.other, now) : null;
  return ({ ip, route }) => {
    const limiter = route !== undefined && CREDENTIAL_ROUTES.has(route) ? credentials : other;
    if (!limiter) return null;
    const taken = limiter.take(clientKey(ip));
    if (taken.allowed) return null;
    return { ...bridgeFailure('rate_limited'), retryAfterSeconds: Math.ceil(taken.retryAfterMs / 1000) };
  };
}

/** The key a client address is counted under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64. */
export function clientKey(ip: string): string {
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip;
  const groups = expandIPv6(ip);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return `${groups
    .slice(0, IPV6_PREFIX_GROUPS)
    .map((g) => g.toString(16))
    .join(':')}::/${IPV6_PREFIX_GROUPS * 16}`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone id dropped, a dotted IPv4 tail converted). */
function expandIPv6(address: string): number[] {
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = new Array<number>(Math.max(0, 8 - left.length - right.length)).fill(0);
  return [...left, ...zeros, ...right];
}
