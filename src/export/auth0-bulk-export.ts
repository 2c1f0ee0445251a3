import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../domain/clock';
import type { StoredUser } from '../domain/user';
import type { Page } from '../store/migration-admin';
import { type NotExportedUser, toAuth0ImportUser } from './auth0-import-user';
import { JsonArrayFile, singleElementFileSize } from './json-array-file';

/**
 * Auth0's limit for one bulk import file is 500 KB. Counted as 500 000 bytes, the smaller reading of
 * "KB", so a file is never refused for being a few bytes over.
 */
export const AUTH0_IMPORT_FILE_MAX_BYTES = 500_000;
/** Users read per page: enough to amortise the queries, few enough to keep memory flat. */
export const EXPORT_PAGE_SIZE = 500;

export const NOT_EXPORTED_FILE = 'not-exported.json';
const IMPORT_FILE = /^users-\d{5}\.json$/;
const importFileName = (n: number) => `users-${String(n).padStart(5, '0')}.json`;

/** Where the export reads users: ids of not-yet-migrated users in pages, and each user as a login reads it. */
export interface ExportSource {
  listPendingIds(after: string | null, limit: number): Promise<Page<string>>;
  findById(userId: string): Promise<StoredUser | null>;
}

export interface ExportOptions {
  /** The folder the files are written to; created when missing, refused when it holds an earlier export. */
  readonly out: string;
  /**
   * With `--mark`: records the users of each file as migrated once that file is on disk. Null marks
   * nothing. Marking after the file is written means a crash can leave exported users unmarked (a
   * re-run exports them again; Auth0 reports them as existing) but never marked users missing from
   * every file, who could then neither log in here nor be found in Auth0.
   */
  readonly mark: ((userIds: readonly string[], at: Date) => Promise<number>) | null;
  readonly clock: Clock;
  readonly maxFileBytes?: number;
  readonly pageSize?: number;
}

export interface ExportSummary {
  /** Import files written, in order (names inside `out`). */
  readonly files: readonly string[];
  readonly exported: number;
  readonly notExported: number;
  readonly marked: number;
  /** Exported users per legacy format name. */
  readonly formats: Readonly<Record<string, number>>;
}

/** Refuses to mix two exports in one folder: a stale file would be imported twice or not at all. */
function prepareFolder(out: string): void {
  mkdirSync(out, { recursive: true });
  const stale = readdirSync(out).filter((name) => IMPORT_FILE.test(name) || name === NOT_EXPORTED_FILE);
  if (stale.length > 0) {
    throw new Error(`${out} already holds an export (${stale[0]}); choose an empty folder`);
  }
}

/**
 * Streams every not-yet-migrated user into Auth0 bulk import files (`users-00001.json`, …), each a JSON
 * array within `maxFileBytes`, and lists users that cannot be imported in `not-exported.json` with the
 * reason. Memory holds one page of ids and the ids of the file being written, whatever the store's size.
 */
export async function exportAuth0Bulk(source: ExportSource, options: ExportOptions): Promise<ExportSummary> {
  const maxBytes = options.maxFileBytes ?? AUTH0_IMPORT_FILE_MAX_BYTES;
  const pageSize = options.pageSize ?? EXPORT_PAGE_SIZE;
  prepareFolder(options.out);

  const files: string[] = [];
  const formats: Record<string, number> = {};
  let exported = 0;
  let notExportedCount = 0;
  let marked = 0;
  let current: { file: JsonArrayFile; userIds: string[] } | null = null;
  const notExported = await JsonArrayFile.create(join(options.out, NOT_EXPORTED_FILE));

  const finishFile = async () => {
    if (!current) return;
    const { file, userIds } = current;
    current = null;
    await file.close();
    if (options.mark) marked += await options.mark(userIds, options.clock.now());
  };
  const skip = async (entry: NotExportedUser) => {
    await notExported.append(JSON.stringify(entry));
    notExportedCount += 1;
  };

  try {
    let after: string | null = null;
    do {
      const page: Page<string> = await source.listPendingIds(after, pageSize);
      for (const id of page.items) {
        const user = await source.findById(id);
        if (!user) continue; // deleted since the listing
        const result = toAuth0ImportUser(user);
        if (!result.ok) {
          await skip(result.entry);
          continue;
        }
        const json = JSON.stringify(result.user);
        if (singleElementFileSize(json) > maxBytes) {
          await skip({
            user_id: user.userId,
            email: user.email,
            format: result.format,
            code: 'too_large',
            reason: `the user's record alone exceeds ${maxBytes} bytes`,
          });
          continue;
        }
        if (current && current.file.sizeWith(json) > maxBytes) await finishFile();
        if (!current) {
          const name = importFileName(files.length + 1);
          if (existsSync(join(options.out, name)))
            throw new Error(`${name} appeared in ${options.out} during the export`);
          current = { file: await JsonArrayFile.create(join(options.out, name)), userIds: [] };
          files.push(name);
        }
        await current.file.append(json);
        current.userIds.push(user.userId);
        exported += 1;
        formats[result.format] = (formats[result.format] ?? 0) + 1;
      }
      after = page.next;
    } while (after !== null);
    await finishFile();
  } finally {
    // On failure the open import file is closed unmarked; it is complete JSON up to its last element
    // only once closed, so a partial export must be discarded (the folder check refuses to reuse it).
    const unfinished = current as { file: JsonArrayFile } | null;
    if (unfinished) await unfinished.file.close().catch(() => undefined);
    await notExported.close();
  }
  return { files, exported, notExported: notExportedCount, marked, formats };
}
