import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/config';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { initMssqlStore } from '../../src/store/mssql/init';
import { mssqlDialect } from '../../src/store/mssql/mssql-dialect';
import { sqlTypeOf } from '../../src/store/mssql/mssql-request';
import { openMssqlRepository } from '../../src/store/mssql/open-mssql-repository';
import { profileStatements } from '../../src/store/profile-statements';
import type { UsersTableProfile } from '../../src/store/schema-profile';
import { describePasswordColumnsContract } from '../contract/password-columns-contract';
import {
  type ContractOptions,
  describeRepositoryContract,
  type RepositoryHandle,
} from '../contract/repository-contract';
import { SILENT_LOGGER } from '../support/silent-logger';
import { startTdsServer, type TdsServer } from '../support/tds/tds-server';

const FIXTURES = join(__dirname, '..', 'fixtures', 'profiles');

type MssqlStore = Extract<StoreConfig, { kind: 'mssql' }>;

/**
 * The repository contract and the password-columns contract for a profile with salt and format
 * columns, on the mssql adapter over its own TDS test server (tables from db init --create-legacy-schema).
 */
function overTds(file: string, options: ContractOptions): void {
  const profile = loadSchemaProfile(join(FIXTURES, file)) as UsersTableProfile;
  describe(`mssql adapter over the TDS test server: ${file}`, () => {
    let server: TdsServer;
    let store: MssqlStore;
    before(async () => {
      server = await startTdsServer();
      store = { kind: 'mssql', connectionString: server.storeUrl() };
      await initMssqlStore(store, { profile, createLegacyTables: true, logger: SILENT_LOGGER });
    });
    after(async () => {
      await server.close();
    });
    const open = async (): Promise<RepositoryHandle> => {
      let repository = await openMssqlRepository(store, { profile, logger: SILENT_LOGGER });
      return {
        get repository() {
          return repository;
        },
        async reopen() {
          await repository.close();
          repository = await openMssqlRepository(store, { profile, logger: SILENT_LOGGER });
          return repository;
        },
        async close() {
          await repository.close();
        },
      };
    };
    describeRepositoryContract(`mssql over TDS (${file})`, open, options);
    describePasswordColumnsContract(`mssql over TDS (${file})`, profile, open);
  });
}

describe('SQL Server parameters of the password columns', () => {
  it('are typed from the profile’s columns: NVARCHAR of the salt and format columns’ own lengths', () => {
    const profile = loadSchemaProfile(join(FIXTURES, 'salted-column.json'));
    const s = profileStatements(profile, mssqlDialect);
    const now = new Date('2026-01-01T00:00:00.000Z');
    const id = '00000000-0000-4000-8000-000000000000';
    const [cas] = s.updatePassword(id, { hash: 'n', format: 'scrypt' }, { hash: 'o', salt: 's' }, now);
    assert.match(
      cas?.sql ?? '',
      /SET \[Hash\] = @hash, \[Salt\] = @salt, \[HashFormat\] = @format, \[UpdatedAt\] = @now WHERE \[LoginId\] = @userId AND \[Hash\] = @expectedHash COLLATE Latin1_General_100_BIN2 AND COALESCE\(\[Salt\], ''\) = @expectedSalt COLLATE Latin1_General_100_BIN2$/,
    );
    const lengthOf = (name: string) => {
      const type = cas?.params[name]?.type;
      assert.ok(type, name);
      return (sqlTypeOf(type) as { length?: number }).length;
    };
    assert.deepEqual(['salt', 'expectedSalt', 'format', 'hash'].map(lengthOf), [128, 128, 100, 512]);
  });
});

overTds('salted-column.json', {});
// salted-fixed.json has no metadata columns.
overTds('salted-fixed.json', { metadata: false });
