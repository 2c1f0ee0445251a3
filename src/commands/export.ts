import { resolve } from 'node:path';
import { exportAuth0Bulk } from '../export/auth0-bulk-export';
import { openRepository } from '../store/open-repository';
import { parseCommandArgs, UsageError } from './command-args';
import { type CommandIO, EXIT } from './command-io';
import { type MigrationCommandDeps, runMigrationCommand } from './migration-command';

export const EXPORT_USAGE = 'usage: legacy-identity export --format auth0-bulk --out DIR [--mark]';

/**
 * `legacy-identity export --format auth0-bulk --out DIR [--mark]`: writes every not-yet-migrated user
 * to Auth0 bulk import files `DIR/users-00001.json`, … (each at most 500 KB), and the users Auth0
 * cannot import to `DIR/not-exported.json` with the reason. Marks nothing unless `--mark`, which
 * marks each file's users (`via: export`) once the file is on disk. Prints one JSON summary line.
 */
export async function exportCommand(
  args: readonly string[],
  io: CommandIO,
  deps: MigrationCommandDeps = {},
): Promise<number> {
  const parse = () => {
    const { values } = parseCommandArgs(args, {
      format: { type: 'string' },
      out: { type: 'string' },
      mark: { type: 'boolean', default: false },
    });
    if (values.format !== 'auth0-bulk') throw new UsageError('--format auth0-bulk is required (the only format)');
    const out = values.out;
    if (typeof out !== 'string' || out === '') throw new UsageError('--out DIR is required');
    return { out: resolve(out), mark: values.mark === true };
  };
  return runMigrationCommand(
    io,
    EXPORT_USAGE,
    deps,
    parse,
    async ({ config, profile, logger, admin, clock }, { out, mark }) => {
      // Users are read through the repository, exactly as a login reads them (salt, format, lockout).
      const repository = await openRepository(config.store, { profile, logger, clock });
      try {
        const summary = await exportAuth0Bulk(
          {
            listPendingIds: (after, limit) => admin.listPendingIds(after, limit),
            findById: (id) => repository.findById(id),
          },
          {
            out,
            clock,
            mark: mark ? (userIds, at) => admin.markExported(userIds, at) : null,
          },
        );
        io.out(
          JSON.stringify({
            format: 'auth0-bulk',
            out,
            files: summary.files,
            exported: summary.exported,
            not_exported: summary.notExported,
            marked: summary.marked,
            formats: summary.formats,
          }),
        );
        return EXIT.ok;
      } finally {
        await repository.close();
      }
    },
  );
}
