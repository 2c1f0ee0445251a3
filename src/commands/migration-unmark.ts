import { parseCommandArgs, UsageError } from './command-args';
import { type CommandIO, EXIT } from './command-io';
import { type MigrationCommandDeps, runMigrationCommand } from './migration-command';

export const MIGRATION_UNMARK_USAGE = 'usage: legacy-identity migration unmark --user-id ID';

/**
 * `legacy-identity migration unmark --user-id ID`: removes one user's mark so that the user can migrate
 * again (after an Auth0 user creation that failed, or a bulk import that skipped them). Prints
 * `{"user_id","unmarked","user_exists"}`; exit 0 whether or not there was a mark.
 */
export async function migrationUnmarkCommand(
  args: readonly string[],
  io: CommandIO,
  deps: MigrationCommandDeps = {},
): Promise<number> {
  const parse = () => {
    const { values } = parseCommandArgs(args, { 'user-id': { type: 'string' } });
    const userId = values['user-id'];
    if (typeof userId !== 'string' || userId === '') throw new UsageError('--user-id is required');
    return userId;
  };
  return runMigrationCommand(io, MIGRATION_UNMARK_USAGE, deps, parse, async ({ admin }, userId) => {
    const unmarked = await admin.unmark(userId);
    const userExists = await admin.userExists(userId);
    io.out(JSON.stringify({ user_id: userId, unmarked, user_exists: userExists }));
    return EXIT.ok;
  });
}
