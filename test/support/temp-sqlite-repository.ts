import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainLogger } from '../../src/domain/deps';
import type { SchemaProfile } from '../../src/store/schema-profile';
import { initSqliteStore } from '../../src/store/sqlite/init';
import { openSqliteRepository } from '../../src/store/sqlite/open-sqlite-repository';
import type { RepositoryHandle } from '../contract/repository-contract';
import { SILENT_LOGGER } from './silent-logger';

/**
 * The repository contract's handle on a fresh SQLite file (in `<os tmpdir>/<prefix>XXXXXX`) with the
 * profile's tables created: `reopen` opens the same file again, `close` closes it and removes the folder.
 */
export async function openTempSqliteRepository(
  profile: SchemaProfile,
  options: { readonly prefix: string; readonly logger?: DomainLogger },
): Promise<RepositoryHandle> {
  const logger = options.logger ?? SILENT_LOGGER;
  const dir = mkdtempSync(join(tmpdir(), options.prefix));
  const path = join(dir, 'legacy.db');
  initSqliteStore(path, { profile, createLegacyTables: true });
  let repository = openSqliteRepository(path, { profile, logger });
  return {
    get repository() {
      return repository;
    },
    async reopen() {
      await repository.close();
      repository = openSqliteRepository(path, { profile, logger });
      return repository;
    },
    async close() {
      await repository.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
