import { trace } from '@opentelemetry/api';
import type { CallContext } from './call-context';
import type { DomainDeps } from './deps';
import { IdentityError, toIdentityError } from './errors';
import type { WriteCondition } from './identity-repository';
import type { MigrationMark, StoredUser } from './user';

export type GuardVerdict = 'present' | 'gone';

/**
 * In `import` mode, decides whether a user found in the legacy store still counts as present: a user
 * whose mark is older than the grace window belongs to Auth0 now and must look absent here, so that a
 * user deleted in Auth0 is never recreated from the legacy store.
 */
export async function migrationVerdict(deps: DomainDeps, user: StoredUser, ctx: CallContext): Promise<GuardVerdict> {
  if (deps.migration.mode !== 'import') return 'present';
  const mark = await deps.repository.getMigrationMark(user.userId, ctx);
  if (!mark) return 'present';
  const age = deps.clock.now().getTime() - mark.migratedAt.getTime();
  if (age <= deps.migration.graceMs) return 'present';
  markSpanMigrated();
  return 'gone';
}

/**
 * Records the migration before the answer leaves. A mark that cannot be written fails the call with
 * `unavailable`: answering without it would let a later deletion in Auth0 be undone.
 */
export async function markMigrated(
  deps: DomainDeps,
  user: StoredUser,
  via: MigrationMark['via'],
  ctx: CallContext,
): Promise<void> {
  if (deps.migration.mode !== 'import') return;
  try {
    await deps.repository.markMigrated(user.userId, deps.clock.now(), via, ctx);
    markSpanMigrated();
  } catch (error) {
    const cause = toIdentityError(error);
    if (cause.code === 'deadline_exceeded') throw cause;
    throw new IdentityError('unavailable', 'could not record the migration mark', { cause });
  }
}

/** The refusal of a change to a user Auth0 owns; stores raise the same when a write's condition fails. */
export function userMigratedError(): IdentityError {
  return new IdentityError('failed_precondition', 'user has migrated to Auth0; change it there');
}

/**
 * In `import` mode, a marked user is owned by Auth0: changes here are refused. This is the early
 * refusal, before any KDF work; the write itself must still go through `writeUnlessMigrated`, since
 * a concurrent Authenticate or GetUser can mark the user after this check.
 */
export async function assertNotMigrated(deps: DomainDeps, user: StoredUser, ctx: CallContext): Promise<void> {
  if (deps.migration.mode !== 'import') return;
  const mark = await deps.repository.getMigrationMark(user.userId, ctx);
  if (mark) {
    markSpanMigrated();
    throw userMigratedError();
  }
}

/**
 * Runs a change to a user. In `import` mode the store makes it conditional on the user having no
 * mark, in the same statement or transaction as the write: a user marked after `assertNotMigrated`
 * (the race between that check and the write) is refused with `failed_precondition`, nothing changed.
 */
export async function writeUnlessMigrated<T>(
  deps: DomainDeps,
  write: (condition: WriteCondition) => Promise<T>,
): Promise<T> {
  if (deps.migration.mode !== 'import') return write({});
  try {
    return await write({ unlessMigrated: true });
  } catch (error) {
    if (error instanceof IdentityError && error.code === 'failed_precondition') markSpanMigrated();
    throw error;
  }
}

/** `identity.migrated` on the use case's span: this call found (or made) the user owned by Auth0. */
function markSpanMigrated(): void {
  trace.getActiveSpan()?.setAttribute('identity.migrated', true);
}
