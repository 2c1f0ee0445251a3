import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSchemaProfile } from '../../src/store/load-schema-profile';
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
