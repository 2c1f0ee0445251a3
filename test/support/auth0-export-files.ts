import { readdirSync, readFileSync } from 'node:fs';

/** A JSON file's content, typed as the caller expects it. */
export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** The Auth0 bulk import files an export wrote to `dir` (`users-00001.json`, …), in order. */
export function importFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /^users-\d{5}\.json$/.test(name))
    .sort();
}
