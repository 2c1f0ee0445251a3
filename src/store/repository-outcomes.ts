import type { DomainLogger } from '../domain/deps';
import { IdentityError } from '../domain/errors';

// What every repository adapter (SQLite, mssql) reports the same way, whatever its driver.

/** `not_found`: no row answers to the user id. */
export function notFound(): IdentityError {
  return new IdentityError('not_found', 'user not found');
}

/** `already_exists`: the email guard (or a unique index) refused the write. */
export function emailTaken(): IdentityError {
  return new IdentityError('already_exists', 'a user with this email already exists');
}

/**
 * `internal`: LEGACY_LOCKOUT's bookkeeping was asked of a profile that keeps none (start-up refuses that
 * combination: legacy-lockout-columns.ts).
 */
export function noSignInBookkeeping(): IdentityError {
  return new IdentityError('internal', 'the schema profile keeps no failed-attempt count (LEGACY_LOCKOUT)');
}

/** Unwinds a write whose last statement changed nothing, rolling its transaction back. */
export class NothingWritten extends Error {}

/** Logs the names (never the values) of NewUser fields the profile has no column for. */
export function logDroppedFields(logger: DomainLogger, dropped: readonly string[]): void {
  if (dropped.length === 0) return;
  logger.info(
    { event: 'store_fields_not_stored', fields: dropped },
    'the schema profile has no column for these fields; they are not stored',
  );
}

/** Warns about the fields of a user's row that could not be decoded (decodeRow's `unreadable`). */
export function warnUnreadableRow(logger: DomainLogger, userId: string, unreadable: readonly string[]): void {
  if (unreadable.length === 0) return;
  logger.warn(
    { event: 'store_row_unreadable', user_id: userId, fields: unreadable },
    unreadable.includes('lockoutEnd')
      ? 'stored lockout end is not a date; sign-in refused'
      : 'stored metadata is not a JSON object; treated as absent',
  );
}
