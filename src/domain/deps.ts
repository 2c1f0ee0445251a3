import type { BackgroundWork } from './background-work';
import type { Clock } from './clock';
import type { IdentityRepository } from './identity-repository';
import type { LockoutPolicy } from './lockout-policy';
import type { LoginThrottle } from './login-throttle';
import type { PasswordHasher } from './password-hasher';

export type MigrationMode = 'legacy' | 'import';

/** The few log calls the domain makes; pino's logger satisfies it. */
export interface DomainLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Everything a use case needs, passed in by main.ts (or a test). */
export interface DomainDeps {
  readonly repository: IdentityRepository;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  readonly logger: DomainLogger;
  readonly migration: {
    readonly mode: MigrationMode;
    /** How long after its mark a migrated user may still log in / be found here. */
    readonly graceMs: number;
  };
  /** Rewrite weaker hashes to the current scrypt cost after a successful login. */
  readonly rehashOnLogin: boolean;
  /** Where work that outlives a request runs (hash upgrades); shutdown settles it. */
  readonly background: BackgroundWork;
  /** Failed-login budget per identifier (RATE_LIMIT_LOGIN); absent means unthrottled. */
  readonly loginThrottle?: LoginThrottle;
  /**
   * LEGACY_LOCKOUT: keep the legacy schema's failed-attempt counters and lockout as the legacy
   * framework's sign-in does (sign-in-bookkeeping.ts); absent means off (nothing is written).
   */
  readonly legacyLockout?: LockoutPolicy;
}
