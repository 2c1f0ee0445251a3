import type { MssqlTuning } from '../../config';
import type { Clock } from '../../domain/clock';
import type { DomainLogger } from '../../domain/deps';
import { IdentityError } from '../../domain/errors';
import {
  applicationMissing,
  membershipApplicationCheck,
  warnMissingApplication,
} from '../membership-application-check';
import { schemaMismatchError } from '../schema-mismatch';
import type { SchemaProfile } from '../schema-profile';
import { schemaCheckSql } from './mssql-catalog';
import { mssqlDialect } from './mssql-dialect';
import { MssqlRepository } from './mssql-repository';
import { newRequest, queryOn } from './mssql-request';
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
 * aspnet-membership: logs a warning when APPLICATION_NAME matches no application while
 * aspnet_Applications holds others (every user would look absent).
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
    const check = membershipApplicationCheck(options.profile, mssqlDialect);
    if (check && options.profile.kind === 'membership') {
      const query = queryOn(pool, settings.requestTimeoutMs);
      try {
        const counts = (await query(check.counts)).recordset[0];
        if (applicationMissing(counts)) {
          const others = (await query(check.others)).recordset;
          warnMissingApplication(options.logger, options.profile.applicationName, counts, others);
        }
      } catch (error) {
        throw translateMssqlError(error, { deadlineCapped: false, target, operation: 'open' }).error;
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
