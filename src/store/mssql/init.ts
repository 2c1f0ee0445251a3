import type { MssqlTuning } from '../../config';
import type { DomainLogger } from '../../domain/deps';
import type { SchemaProfile } from '../schema-profile';
import { initDdl, tableExistsSql, tablesGuardedBy } from './mssql-catalog';
import { newRequest } from './mssql-request';
import { openMssqlPool } from './open-mssql-pool';
import { translateMssqlError } from './translate-error';

export interface MssqlInitOptions {
  readonly profile: SchemaProfile;
  /** Also create the profile's legacy tables where missing (`db init --create-legacy-schema`). */
  readonly createLegacyTables: boolean;
  readonly logger: DomainLogger;
}

/**
 * What `legacy-identity db init` does on SQL Server: creates the adapter's side table (and with
 * `createLegacyTables` the profile's legacy tables) where missing, each guarded by
 * `IF OBJECT_ID(…) IS NULL`, so a second run creates nothing. Existing tables are never dropped or
 * altered. Returns the tables that did not exist before. Raises IdentityError `unavailable` when the
 * server cannot be reached, an Error when a DDL batch fails (with SQL Server's message).
 */
export async function initMssqlStore(
  store: { readonly connectionString: string; readonly tuning?: MssqlTuning },
  options: MssqlInitOptions,
): Promise<{ readonly created: readonly string[] }> {
  const batches = initDdl(options.profile, options.createLegacyTables);
  const { pool, settings, target } = await openMssqlPool(store.connectionString, store.tuning, options.logger);
  const exists = async (table: string) =>
    (await newRequest(pool, settings.requestTimeoutMs).query<{ id: unknown }>(tableExistsSql(table))).recordset[0]
      ?.id != null;
  try {
    const created: string[] = [];
    for (const batch of batches) {
      const tables = tablesGuardedBy(batch);
      const missing: string[] = [];
      for (const table of tables) if (!(await exists(table))) missing.push(table);
      try {
        await newRequest(pool, settings.requestTimeoutMs).batch(batch);
      } catch (error) {
        const translated = translateMssqlError(error, { deadlineCapped: false, target });
        if (translated.error.code === 'unavailable') throw translated.error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`db init on ${target} failed for ${tables.join(', ') || 'a DDL batch'}: ${reason}`);
      }
      for (const table of missing) if (await exists(table)) created.push(table);
    }
    return { created };
  } finally {
    await pool.close();
  }
}
