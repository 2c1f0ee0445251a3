import { parseCommandArgs } from './command-args';
import type { CommandIO } from './command-io';
import { EXIT } from './command-io';
import { type MigrationCommandDeps, runMigrationCommand } from './migration-command';

export const MIGRATION_STATUS_USAGE = 'usage: legacy-identity migration status';

/**
 * `legacy-identity migration status`: one JSON line
 * `{"total","migrated","pending","marked_last_24h"}` — legacy users, of them marked, not marked, and
 * marked in the last 24 hours.
 */
export async function migrationStatusCommand(
  args: readonly string[],
  io: CommandIO,
  deps: MigrationCommandDeps = {},
): Promise<number> {
  const parse = () => parseCommandArgs(args, {});
  return runMigrationCommand(io, MIGRATION_STATUS_USAGE, deps, parse, async ({ admin, clock }) => {
    const status = await admin.status(clock.now());
    io.out(
      JSON.stringify({
        total: status.total,
        migrated: status.migrated,
        pending: status.pending,
        marked_last_24h: status.markedLast24h,
      }),
    );
    return EXIT.ok;
  });
}
