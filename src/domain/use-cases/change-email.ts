import type { CallContext } from '../call-context';
import type { DomainDeps } from '../deps';
import { requireByEmail } from '../find-user';
import { assertNotMigrated, writeUnlessMigrated } from '../migration-guard';
import { assertValid, checkEmail, checkLookupEmail } from '../validation';

export interface ChangeEmailInput {
  readonly email: string;
  readonly newEmail: string;
  readonly verified: boolean;
}

/** Moves the user to a new email. Raises `not_found`, `already_exists` (taken by another user). */
export async function changeEmail(deps: DomainDeps, input: ChangeEmailInput, ctx: CallContext): Promise<void> {
  assertValid(checkLookupEmail('email', input.email), checkEmail('new_email', input.newEmail));
  const user = await requireByEmail(deps, input.email, ctx);
  await assertNotMigrated(deps, user, ctx);
  await writeUnlessMigrated(deps, (condition) =>
    deps.repository.changeEmail(user.userId, input.newEmail, input.verified, ctx, condition),
  );
}
