import { parseBoolean, parseDuration, parseInteger } from './config-values';
import {
  DEFAULT_ATTEMPT_WINDOW_MS,
  DEFAULT_LOCKOUT_MS,
  DEFAULT_MAX_FAILED_ATTEMPTS,
  type LockoutPolicy,
} from './domain/lockout-policy';

/**
 * LEGACY_LOCKOUT and its limits: whether Authenticate keeps the legacy schema's failed-attempt counters
 * and lockout as the legacy framework's own sign-in does (domain/sign-in-bookkeeping.ts), and with
 * which limits. Set them to what the legacy site is configured with (Identity's LockoutOptions,
 * Membership's provider attributes in web.config). Off by default: nothing is written.
 */

/** Most failed attempts before a lockout that is accepted: beyond it a lockout would never happen in practice. */
export const LEGACY_LOCKOUT_MAX_ATTEMPTS_LIMIT = 1000;
/** Shortest lockout and window: below a second they would not outlast the next request. */
export const LEGACY_LOCKOUT_MIN_DURATION_MS = 1_000;
/** Longest lockout and window: a year (a permanent lock is Membership's, or an administrator's, decision). */
export const LEGACY_LOCKOUT_MAX_DURATION_MS = 365 * 86_400_000;

/** One line per key, in the style of config.ts's CONFIG_KEYS (which spreads these in). */
export const LEGACY_LOCKOUT_CONFIG_KEYS = {
  LEGACY_LOCKOUT:
    "on: Authenticate counts failed attempts and locks accounts in the legacy tables as the legacy framework's own sign-in does (aspnet-identity, aspnet-membership, or a JSON profile mapping signIn.accessFailedCount); default off",
  LEGACY_LOCKOUT_MAX_ATTEMPTS: `with LEGACY_LOCKOUT=on: failed attempts that lock the account (Identity MaxFailedAccessAttempts, Membership maxInvalidPasswordAttempts; 1–${LEGACY_LOCKOUT_MAX_ATTEMPTS_LIMIT}); default ${DEFAULT_MAX_FAILED_ATTEMPTS}`,
  LEGACY_LOCKOUT_DURATION:
    'with LEGACY_LOCKOUT=on: how long a lockout lasts where the schema keeps an end (Identity DefaultLockoutTimeSpan, LockoutEnd; 1s–365d); default 5m',
  LEGACY_LOCKOUT_WINDOW:
    'with LEGACY_LOCKOUT=on: failures further apart than this start the count again where the schema keeps a window (Membership passwordAttemptWindow; 1s–365d); default 10m',
} as const;

export type LegacyLockoutConfigKey = keyof typeof LEGACY_LOCKOUT_CONFIG_KEYS;

/** A bad LEGACY_LOCKOUT* value; `key` names it and the message never echoes anything but the value's shape. */
export class LegacyLockoutConfigError extends Error {
  override readonly name = 'LegacyLockoutConfigError';
  constructor(
    readonly key: LegacyLockoutConfigKey,
    readonly reason: string,
  ) {
    super(`${key}: ${reason}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The lockout policy the environment asks for, or null when LEGACY_LOCKOUT is off (the default).
 * Raises LegacyLockoutConfigError naming the first bad key.
 */
export function parseLegacyLockoutConfig(env: Env): LockoutPolicy | null {
  const read = (key: LegacyLockoutConfigKey): string | undefined => {
    const v = env[key];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const field = <T>(key: LegacyLockoutConfigKey, fallback: T, parse: (v: string) => T): T => {
    const raw = read(key);
    if (raw === undefined) return fallback;
    try {
      return parse(raw);
    } catch (error) {
      throw new LegacyLockoutConfigError(key, error instanceof Error ? error.message : String(error));
    }
  };

  // The limits are checked whether or not the switch is on, as config.ts checks every key it reads:
  // a typo is reported now, not on the day the lockout is turned on.
  const on = field('LEGACY_LOCKOUT', false, parseBoolean);
  const policy: LockoutPolicy = {
    maxFailedAttempts: field('LEGACY_LOCKOUT_MAX_ATTEMPTS', DEFAULT_MAX_FAILED_ATTEMPTS, (v) =>
      parseInteger(v, 1, LEGACY_LOCKOUT_MAX_ATTEMPTS_LIMIT),
    ),
    lockoutMs: field('LEGACY_LOCKOUT_DURATION', DEFAULT_LOCKOUT_MS, parseLockoutDuration),
    attemptWindowMs: field('LEGACY_LOCKOUT_WINDOW', DEFAULT_ATTEMPT_WINDOW_MS, parseLockoutDuration),
  };
  return on ? policy : null;
}

function parseLockoutDuration(value: string): number {
  const ms = parseDuration(value);
  if (ms < LEGACY_LOCKOUT_MIN_DURATION_MS || ms > LEGACY_LOCKOUT_MAX_DURATION_MS) {
    throw new Error('must be between 1s and 365d');
  }
  return ms;
}
