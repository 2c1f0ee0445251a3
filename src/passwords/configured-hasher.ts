import type { ScryptCost } from '../config';
import type { DomainLogger } from '../domain/deps';
import { KdfLimiter } from './kdf-limiter';
import { createLegacyFormats } from './legacy-formats';
import type { MembershipMachineKey } from './membership-machine-key';
import { createPasswordHasher } from './password-hasher';

/**
 * The hasher every entry point uses: scrypt at the configured cost for new hashes, every supported
 * legacy format for verification, stored hashes held to `maxMemoryBytes` (KDF_MAX_MEMORY; its default
 * for `cost` when absent). Commands that hash or verify one password pass no limiter and get a small one of their own.
 * `membershipMachineKey` (MEMBERSHIP_DECRYPTION_KEY) lets Membership's encrypted passwords verify;
 * absent or null, they are refused with a warning.
 */
export function createConfiguredHasher(options: {
  cost: ScryptCost;
  logger: DomainLogger;
  kdf?: KdfLimiter;
  maxMemoryBytes?: number;
  membershipMachineKey?: MembershipMachineKey | null;
}) {
  return createPasswordHasher({
    cost: options.cost,
    // Two slots: a stored hash cheaper than the dummy scrypt is verified beside it (timing cover).
    kdf: options.kdf ?? new KdfLimiter({ concurrency: 2, queueLimit: 2 }),
    ...(options.maxMemoryBytes === undefined ? {} : { maxMemoryBytes: options.maxMemoryBytes }),
    logger: options.logger,
    legacyFormats: createLegacyFormats({ membershipMachineKey: options.membershipMachineKey ?? null }),
  });
}
