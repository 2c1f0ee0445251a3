import type { CallContext } from '../call-context';
import type { DomainDeps } from '../deps';
import { requireByEmail } from '../find-user';
import { assertNotMigrated, writeUnlessMigrated } from '../migration-guard';
import { assertValid, checkLookupEmail } from '../validation';

/** Marks the user's email verified. Raises `not_found`. */
export async function verifyEmail(
  deps: DomainDeps,
  input: { readonly email: string },
  ctx: CallContext,
): Promise<void> {
  assertValid(checkLookupEmail('email', input.email));
  const user = await requireByEmail(deps, input.email, ctx);
  await assertNotMigrated(deps, user, ctx);
  await writeUnlessMigrated(deps, (condition) => deps.repository.setEmailVerified(user.userId, true, ctx, condition));
}
