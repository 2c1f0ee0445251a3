import type { MigrationMark } from '../domain/user';

/** The counts `legacy-identity migration status` prints. */
export interface MigrationStatus {
  /** Users in the profile's legacy tables. */
  readonly total: number;
  /** Of them, users with a migration mark. */
  readonly migrated: number;
  /** Of them, users without a mark: `total - migrated`. */
  readonly pending: number;
  /** Of the migrated, those marked in the 24 hours before `now`. */
  readonly markedLast24h: number;
}

/** One page of a keyset-paged listing; `next` is opaque and null after the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | null;
}

/** Where `purgeBatch` copies rows before deleting them. */
export interface ArchiveTarget {
  /** A validated table name (see `assertArchiveTableName`), created by `ensureArchiveTable`. */
  readonly table: string;
  /** Written to every copied row's `ArchivedAt`. */
  readonly archivedAt: Date;
}

/** What one purge batch did, by user id. */
export interface PurgeBatchResult {
  /** Legacy rows deleted (copied to the archive first when one was given), marks removed with them. */
  readonly purged: readonly string[];
  /** Marks whose legacy row was already gone (deleted by the legacy application): the mark was removed. */
  readonly orphanMarks: readonly string[];
  /** Ids left alone because their mark disappeared or is no longer older than the cutoff (unmarked meanwhile). */
  readonly skipped: readonly string[];
}

/**
 * The operator's side of automatic migration, beside the domain's IdentityRepository: counts, the
 * purge of migrated users, and the streaming of not-yet-migrated users for a bulk export. Used only by
 * the command line (`migration …`, `purge`, `export`), never while serving.
 *
 * Every method may raise IdentityError `unavailable` (store unreachable or locked) and `internal`
 * (schema mismatch, a bug); the purge's writes are all-or-nothing per batch.
 */
export interface MigrationAdmin {
  /** Counts of legacy users and of their marks at `now`. */
  status(now: Date): Promise<MigrationStatus>;

  /**
   * Marks older than `cutoff` (strictly), in user-id order, after the cursor `after` (null: from the
   * start), at most `limit` of them. Reads only the adapter's side table.
   */
  listMarkedBefore(cutoff: Date, after: string | null, limit: number): Promise<Page<MigrationMark>>;

  /** Whether the archive table exists. */
  archiveTableExists(table: string): Promise<boolean>;

  /**
   * Creates the archive table when missing (the profile's mapped columns plus `ArchivedAt`) and checks
   * that an existing one has those columns. Returns true when it was created. Raises `invalid_argument`
   * for a name that is not a plain identifier or names one of the store's own tables, `internal` when
   * an existing table lacks a column.
   */
  ensureArchiveTable(table: string): Promise<boolean>;

  /**
   * In ONE transaction, for each id whose mark is still older than `cutoff`: copies the legacy row(s) to
   * the archive (when given), deletes them as the profile deletes a user, and removes the mark. Users
   * without such a mark are never touched. A failure rolls the whole batch back, so a batch is either
   * done or not started, and a re-run picks up exactly where the last committed batch ended.
   */
  purgeBatch(userIds: readonly string[], cutoff: Date, archive: ArchiveTarget | null): Promise<PurgeBatchResult>;

  /**
   * Ids of users without a mark, in user-id order, after the cursor `after` (null: from the start), at
   * most `limit` of them. Ids are as the store holds them; read each user through the
   * IdentityRepository's `findById`, so it is exported exactly as Authenticate sees it (password with
   * salt and format, `canLogin`).
   */
  listPendingIds(after: string | null, limit: number): Promise<Page<string>>;

  /**
   * Marks these users as migrated `via: 'export'` at `at`, in one transaction. A user already marked
   * keeps its first mark. Returns how many marks were new.
   */
  markExported(userIds: readonly string[], at: Date): Promise<number>;

  /** Removes the user's mark; false when there was none. */
  unmark(userId: string): Promise<boolean>;

  /** Whether a legacy user with this id exists. */
  userExists(userId: string): Promise<boolean>;

  /** Releases the connection. */
  close(): Promise<void>;
}
