import sql from 'mssql';
import type { MssqlTuning } from '../../config';
import type { DomainLogger } from '../../domain/deps';
import { IdentityError } from '../../domain/errors';
import { describeTarget, type MssqlSettings, mssqlSettings } from './mssql-config';
import { safeMssqlCause, translateMssqlError } from './translate-error';

export interface OpenedPool {
  readonly pool: sql.ConnectionPool;
  readonly settings: MssqlSettings;
  /** `host:port/db as user`, safe to log. */
  readonly target: string;
}

/**
 * Creates the pool for STORE_URL and makes one connection to prove the settings (mssql's connect
 * does exactly that). Raises IdentityError `unavailable` with a message an operator can act on (the
 * login was refused, the server cannot be reached, the connection timed out), naming the server and
 * user but never the password; an Error for a malformed connection string.
 */
export async function openMssqlPool(
  connectionString: string,
  tuning: MssqlTuning | undefined,
  logger: DomainLogger,
): Promise<OpenedPool> {
  const settings = mssqlSettings(connectionString, tuning);
  const target = describeTarget(settings.target);
  const pool = new sql.ConnectionPool(settings.config);
  // mssql emits 'error' for failed acquisitions as well as rejecting them; without a listener an
  // EventEmitter 'error' would crash the process. The rejection is what the repository handles.
  pool.on('error', () => undefined);
  try {
    await pool.connect();
  } catch (error) {
    const translated = translateMssqlError(error, { deadlineCapped: false, target, operation: 'connect' });
    const reason = translated.operatorHint ?? `cannot connect to SQL Server at ${target}`;
    logger.warn({ event: 'store_unavailable', store: 'mssql', target }, reason);
    await pool.close().catch(() => undefined);
    throw new IdentityError('unavailable', reason, { cause: safeMssqlCause(error, 'connect') });
  }
  return { pool, settings, target };
}
