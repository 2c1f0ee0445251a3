import { DatabaseSync } from 'node:sqlite';

/**
 * Every row of every table of a SQLite file, as one comparable string: the store as a whole, so a
 * test can assert that a refused request changed nothing anywhere (users, side tables, anything).
 * Opens its own read-only connection (WAL readers never wait for the server's writes).
 */
export function snapshotDatabase(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all()
      .map((row) => String(row.name));
    const dump: Record<string, unknown[]> = {};
    for (const table of tables) {
      const quoted = `"${table.replaceAll('"', '""')}"`;
      // Sorted here rather than by rowid, so WITHOUT ROWID tables work too.
      dump[table] = db
        .prepare(`SELECT * FROM ${quoted}`)
        .all()
        .map((row) => JSON.stringify(row))
        .sort();
    }
    return JSON.stringify(dump);
  } finally {
    db.close();
  }
}
