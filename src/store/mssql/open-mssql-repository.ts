import type { MssqlTuning } from '../../config';
import type { Clock } from '../../domain/clock';
import type { DomainLogger } from '../../domain/deps';
import { IdentityError } from '../../domain/errors';
import { schemaMismatchError } from '../schema-mismatch';
import type { SchemaProfile } from '../schema-profile';
import { schemaCheckSql } from './mssql-catalog';
import { MssqlRepository } from './mssql-repository';
import { newRequest } from './mssql-request';
import { openMssqlPool } from './open-mssql-pool';
import { translateMssqlError } from './translate-error';

export interface OpenMssqlRepositoryOptions {
  readonly profile: SchemaProfile;
  readonly logger: DomainLogger;
  readonly clock?: Clock;
}

/**
 * Opens the mssql store for serving: connects once (a refused login or an unreachable server raises
 * IdentityError `unavailable`, so `serve` exits non-zero with the reason), then selects every column
 * the profile and the side table use (`SELECT TOP (0) …`), so tables or columns that do not match
 * the profile are reported at start-up (an Error naming what SQL Server said) rather than per request.
 * Serving never creates or alters a table: `legacy-identity db init` does.
 */
export async function openMssqlRepository(
  store: { readonly connectionString: string; readonly tuning?: MssqlTuning },
  options: OpenMssqlRepositoryOptions,
): Promise<MssqlRepository> {
  const { pool, settings, target } = await openMssqlPool(store.connectionString, store.tuning, options.logger);
  try {
    for (const probe of schemaCheckSql(options.profile)) {
      try {
        await newRequest(pool, settings.requestTimeoutMs).query(probe);
      } catch (error) {
        const translated = translateMssqlError(error, { deadlineCapped: false, target });
        if (translated.error.code === 'unavailable') throw translated.error;
        throw schemaMismatchError(`SQL Server database ${target}`, options.profile.name, error);
      }
    }
  } catch (error) {
    await pool.close().catch(() => undefined);
    if (error instanceof IdentityError || error instanceof Error) throw error;
    throw new Error(String(error));
  }
  return new MssqlRepository(pool, {
    profile: options.profile,
    logger: options.logger,
    ...(options.clock ? { clock: options.clock } : {}),
    requestTimeoutMs: settings.requestTimeoutMs,
    target,
  });
}
