import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainLogger } from '../../src/domain/deps';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import type { SchemaProfile } from '../../src/store/schema-profile';
import { initSqliteStore } from '../../src/store/sqlite/init';
import { openSqliteRepository } from '../../src/store/sqlite/open-sqlite-repository';
import { type ContractOptions, describeRepositoryContract } from '../contract/repository-contract';

const SILENT: DomainLogger = { warn: () => undefined, info: () => undefined };

/** The shared contract on a fresh SQLite file initialised for `profile`, one per test. */
function contractOn(label: string, profile: SchemaProfile, options: ContractOptions = {}): void {
  describeRepositoryContract(
    `sqlite (temp file, ${label})`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lia-profile-contract-'));
      const path = join(dir, 'legacy.db');
      initSqliteStore(path, { profile, createLegacyTables: true });
      let repository = openSqliteRepository(path, { profile, logger: SILENT });
      return {
        get repository() {
          return repository;
        },
        async reopen() {
          await repository.close();
          repository = openSqliteRepository(path, { profile, logger: SILENT });
          return repository;
        },
        async close() {
          await repository.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    options,
  );
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
