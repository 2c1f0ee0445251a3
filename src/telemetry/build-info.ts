import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface BuildInfo {
  /** The package version (package.json), or `unknown` when it cannot be found. */
  readonly version: string;
  /** The Node.js runtime, e.g. `v24.21.0`. */
  readonly node: string;
}

const PACKAGE_NAME = 'legacy-identity-adapter';

/**
 * The running build: found by walking up from this file to the project's package.json, which works the
 * same from `src/` under tsx and from `dist/src/` after `npm run build`.
 */
export function readBuildInfo(from: string = __dirname): BuildInfo {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string')
        return { version: pkg.version, node: process.version };
    } catch {
      // not here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return { version: 'unknown', node: process.version };
}
