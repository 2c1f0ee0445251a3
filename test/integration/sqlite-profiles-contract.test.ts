import { join } from 'node:path';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import type { SchemaProfile } from '../../src/store/schema-profile';
import { type ContractOptions, describeRepositoryContract, lockoutOf } from '../contract/repository-contract';
import { openTempSqliteRepository } from '../support/temp-sqlite-repository';

/** The shared contract on a fresh SQLite file initialised for `profile`, one per test. */
function contractOn(label: string, profile: SchemaProfile, options: ContractOptions = {}): void {
  describeRepositoryContract(
    `sqlite (temp file, ${label})`,
    () => openTempSqliteRepository(profile, { prefix: 'lia-profile-contract-' }),
    { ...lockoutOption(profile), ...options },
  );
}

/** The profile's LEGACY_LOCKOUT bookkeeping, as the contract's option (none: its tests are pending). */
function lockoutOption(profile: SchemaProfile): ContractOptions {
  const lockout = lockoutOf(profile);
  return lockout ? { lockout } : {};
}

// AspNetUsers and aspnet_Membership have no metadata columns; both have user names.
contractOn('aspnet-identity profile', loadSchemaProfile('aspnet-identity'), { metadata: false });
contractOn(
  'aspnet-membership profile, application /Shop',
  loadSchemaProfile('aspnet-membership', { applicationName: '/Shop', membershipHashAlgorithm: 'SHA1' }),
  { metadata: false },
);
contractOn(
  'custom JSON profile test/fixtures/profiles/acme-members.json',
  loadSchemaProfile(join(__dirname, '..', 'fixtures', 'profiles', 'acme-members.json')),
);
contractOn(
  'custom JSON profile test/fixtures/profiles/acme-lockout.json (Membership-style lockout columns)',
  loadSchemaProfile(join(__dirname, '..', 'fixtures', 'profiles', 'acme-lockout.json')),
  { metadata: false },
);
