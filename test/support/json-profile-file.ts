import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
import { parseJsonProfile } from '../../src/store/profiles/json-profile';
import type { SchemaProfile } from '../../src/store/schema-profile';

/** Writes JSON text to a temp file and loads it as SCHEMA_PROFILE=<that file> would; the file is removed. */
export function loadJsonProfileText(text: string): SchemaProfile {
  const dir = mkdtempSync(join(tmpdir(), 'lia-json-profile-'));
  try {
    const path = join(dir, 'custom.json');
    writeFileSync(path, text);
    return loadSchemaProfile(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The smallest valid custom JSON profile (table People: Id, Email, Hash, Verified), for variations. */
export const MINIMAL_JSON_PROFILE = {
  table: 'People',
  id: { column: { name: 'Id', type: 'text', maxLength: 64 } },
  email: { column: { name: 'Email', type: 'text', maxLength: 256 } },
  passwordHash: { name: 'Hash', type: 'text', maxLength: 'max' },
  emailVerified: { name: 'Verified', type: 'bool' },
};

/** Asserts that parsing `json` as the file custom.json fails with a message matching `pattern` (file, JSON path). */
export function refusesJsonProfile(json: unknown, pattern: RegExp): void {
  assert.throws(() => parseJsonProfile(json, 'custom.json'), pattern);
}
