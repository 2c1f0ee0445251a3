import type { CallContext } from '../call-context';
import type { DomainDeps } from '../deps';
import { requireByEmail } from '../find-user';
import { assertNotMigrated, writeUnlessMigrated } from '../migration-guard';
import { assertValid, checkLookupEmail, checkPassword } from '../validation';

export interface ChangePasswordInput {
  readonly email: string;
  readonly newPassword: string;
}

/** Stores a new scrypt hash; the old password stops working. Raises `not_found`, `invalid_argument`. */
export async function changePassword(deps: DomainDeps, input: ChangePasswordInput, ctx: CallContext): Promise<void> {
  assertValid(checkLookupEmail('email', input.email), checkPassword('new_password', input.newPassword));
  const user = await requireByEmail(deps, input.email, ctx);
  await assertNotMigrated(deps, user, ctx);
  const password = await deps.hasher.hash(input.newPassword, ctx);
  await writeUnlessMigrated(deps, (condition) =>
    deps.repository.updatePassword(user.userId, password, undefined, ctx, condition),
  );
}
