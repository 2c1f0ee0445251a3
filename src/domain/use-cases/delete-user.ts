import type { CallContext } from '../call-context';
import type { DomainDeps } from '../deps';
import { IdentityError } from '../errors';
import { assertNotMigrated, writeUnlessMigrated } from '../migration-guard';
import { assertValid, checkUserId } from '../validation';

/** Deletes the user. Raises `not_found`. */
export async function deleteUser(
  deps: DomainDeps,
  input: { readonly userId: string },
  ctx: CallContext,
): Promise<void> {
  assertValid(checkUserId('user_id', input.userId));
  const user = await deps.repository.findById(input.userId, ctx);
  if (!user) throw new IdentityError('not_found', 'user not found');
  await assertNotMigrated(deps, user, ctx);
  await writeUnlessMigrated(deps, (condition) => deps.repository.delete(user.userId, ctx, condition));
}
