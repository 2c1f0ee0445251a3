import { parseDuration, parseInteger } from '../config-values';
import type { MigrationAdmin } from '../store/migration-admin';
import { PAGE_SIZE_MAX } from '../store/migration-admin-statements';
import { parseCommandArgs, UsageError } from './command-args';
import { type CommandIO, EXIT } from './command-io';
import { type MigrationCommandDeps, runMigrationCommand } from './migration-command';

export const PURGE_USAGE =
  'usage: legacy-identity purge --migrated-before <duration|timestamp> [--archive-table NAME] [--batch-size N] [--dry-run]';

/** Users per batch (and per transaction) unless --batch-size says otherwise. */
export const PURGE_DEFAULT_BATCH_SIZE = 200;

const DURATION = /^\d+(?:\.\d+)?(?:ms|s|m|h|d)$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * `--migrated-before`: a duration back from now (`30d`, `12h`; a unit is required) or an instant
 * (`2026-01-31`, UTC midnight, or an ISO-8601 timestamp with `Z` or an offset; a time without a zone
 * is refused, since it would silently mean the host's local time).
 */
export function parseCutoff(text: string, now: Date): Date {
  const value = text.trim();
  if (DURATION.test(value)) return new Date(now.getTime() - parseDuration(value));
  if (DATE_ONLY.test(value) || TIMESTAMP.test(value)) {
    const at = new Date(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new UsageError(
    `--migrated-before: expected a duration such as 30d or 12h, or a timestamp such as 2026-01-31 or 2026-01-31T12:00:00Z, got "${text}"`,
  );
}

export interface PurgePlan {
  /** Users whose mark is strictly older than this are purged. */
  readonly cutoff: Date;
  readonly archiveTable: string | null;
  readonly batchSize: number;
  readonly dryRun: boolean;
  /** Written to archived rows' ArchivedAt. */
  readonly now: Date;
}

/** What one batch did (or, in a dry run, would do); one JSON line each. */
export interface PurgeBatchReport {
  readonly batch: number;
  readonly users: number;
  readonly first_user_id: string;
  readonly last_user_id: string;
  /** Dry run: the users that would be purged. Otherwise: those purged. */
  readonly purged_user_ids: readonly string[];
  readonly archived: number;
  readonly orphan_marks: readonly string[];
  readonly skipped: readonly string[];
}

export interface PurgeSummary {
  readonly dry_run: boolean;
  readonly cutoff: string;
  readonly archive_table: string | null;
  readonly archive_created: boolean;
  readonly batches: number;
  /** Dry run: would be purged. */
  readonly purged: number;
  readonly orphan_marks: number;
  readonly skipped: number;
}

/**
 * Purges (or, with `dryRun`, only lists) the legacy rows of users marked before the cutoff, in
 * batches of `batchSize` in user-id order, each batch one transaction that also removes the marks.
 * Because a purged user's mark goes in the same transaction as its rows, a re-run after a crash finds
 * exactly the users not yet purged and continues from there; users without a mark are never read
 * nor touched. `afterBatch` runs once a batch has committed (the command prints it).
 */
export async function runPurge(
  admin: MigrationAdmin,
  plan: PurgePlan,
  afterBatch: (report: PurgeBatchReport) => void | Promise<void>,
): Promise<PurgeSummary> {
  let archiveCreated = false;
  if (plan.archiveTable !== null) {
    archiveCreated = plan.dryRun
      ? !(await admin.archiveTableExists(plan.archiveTable))
      : await admin.ensureArchiveTable(plan.archiveTable);
  }
  const archive = plan.archiveTable === null ? null : { table: plan.archiveTable, archivedAt: plan.now };
  let batches = 0;
  let purged = 0;
  let orphans = 0;
  let skippedTotal = 0;
  let after: string | null = null;
  do {
    const page = await admin.listMarkedBefore(plan.cutoff, after, plan.batchSize);
    const ids = page.items.map((mark) => mark.userId);
    if (ids.length === 0) break;
    batches += 1;
    const result = plan.dryRun
      ? { purged: ids, orphanMarks: [], skipped: [] }
      : await admin.purgeBatch(ids, plan.cutoff, archive);
    purged += result.purged.length;
    orphans += result.orphanMarks.length;
    skippedTotal += result.skipped.length;
    await afterBatch({
      batch: batches,
      users: ids.length,
      first_user_id: ids[0] ?? '',
      last_user_id: ids[ids.length - 1] ?? '',
      purged_user_ids: result.purged,
      archived: archive && !plan.dryRun ? result.purged.length : 0,
      orphan_marks: result.orphanMarks,
      skipped: result.skipped,
    });
    // Keyset paging on the user id: skipped users (unmarked meanwhile) are not seen again, and a dry
    // run, which removes nothing, still moves forward.
    after = page.next;
  } while (after !== null);
  return {
    dry_run: plan.dryRun,
    cutoff: plan.cutoff.toISOString(),
    archive_table: plan.archiveTable,
    archive_created: archiveCreated,
    batches,
    purged,
    orphan_marks: orphans,
    skipped: skippedTotal,
  };
}

/**
 * `legacy-identity purge --migrated-before <duration|timestamp> [--archive-table NAME]
 * [--batch-size N] [--dry-run]`: deletes (after copying them to the archive table, created when
 * missing) the legacy rows of users migrated before the cutoff. Prints one JSON line per batch and a
 * summary line. The cutoff must lie at least MIGRATION_GRACE in the past: a user marked more recently
 * may still be in the middle of their migration (Auth0 retrying its user creation).
 */
export async function purgeCommand(
  args: readonly string[],
  io: CommandIO,
  deps: MigrationCommandDeps = {},
): Promise<number> {
  const parse = () => {
    const { values } = parseCommandArgs(args, {
      'migrated-before': { type: 'string' },
      'archive-table': { type: 'string' },
      'batch-size': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    });
    const before = values['migrated-before'];
    if (typeof before !== 'string') throw new UsageError('--migrated-before is required');
    let batchSize = PURGE_DEFAULT_BATCH_SIZE;
    const batchText = values['batch-size'];
    if (typeof batchText === 'string') {
      try {
        batchSize = parseInteger(batchText, 1, PAGE_SIZE_MAX);
      } catch (error) {
        throw new UsageError(`--batch-size: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const archiveTable = values['archive-table'];
    return {
      before,
      batchSize,
      archiveTable: typeof archiveTable === 'string' ? archiveTable : null,
      dryRun: values['dry-run'] === true,
    };
  };
  return runMigrationCommand(io, PURGE_USAGE, deps, parse, async ({ config, admin, clock }, options) => {
    const now = clock.now();
    const cutoff = parseCutoff(options.before, now);
    const latest = new Date(now.getTime() - config.migration.graceMs);
    if (cutoff.getTime() > latest.getTime()) {
      throw new UsageError(
        `--migrated-before must be at least MIGRATION_GRACE (${config.migration.graceMs} ms) ago, i.e. ${latest.toISOString()} or earlier: users marked since may still be finishing their migration`,
      );
    }
    const summary = await runPurge(
      admin,
      { cutoff, archiveTable: options.archiveTable, batchSize: options.batchSize, dryRun: options.dryRun, now },
      (report) => io.out(JSON.stringify(report)),
    );
    io.out(JSON.stringify(summary));
    return EXIT.ok;
  });
}
