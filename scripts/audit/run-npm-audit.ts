import { execFile } from 'node:child_process';
import { type AuditRun, readAuditOutput } from './npm-audit-output';
import type { Tree } from './verdict';

export interface NpmAuditOptions {
  readonly tree: Tree;
  /** The project folder (its package-lock.json is what is audited). */
  readonly cwd: string;
  /** `--registry` for npm; otherwise npm's own configuration (`.npmrc`, `npm_config_registry`). */
  readonly registry?: string;
  /** Kill npm after this long and report the audit as not run. */
  readonly timeoutMs: number;
}

/** Longest `npm audit --json` output accepted (a report lists every vulnerable path; 64 MiB is far beyond any). */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** The npm arguments for one tree. */
export function npmAuditArgs(tree: Tree, registry?: string): string[] {
  return [
    'audit',
    '--json',
    '--audit-level=high',
    ...(tree === 'runtime' ? ['--omit=dev'] : []),
    ...(registry === undefined ? [] : [`--registry=${registry}`]),
  ];
}

/** Runs `npm audit --json` for one tree with the `npm` on PATH and reads its outcome. */
export function runNpmAudit(options: NpmAuditOptions): Promise<AuditRun> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      npmAuditArgs(options.tree, options.registry),
      { cwd: options.cwd, maxBuffer: MAX_OUTPUT_BYTES, timeout: options.timeoutMs, encoding: 'utf8' },
      (error, stdout) => {
        // npm exits 1 both for findings and for errors: the printed JSON tells them apart.
        const code = (error as (NodeJS.ErrnoException & { killed?: boolean }) | null)?.code;
        if (code === 'ENOENT') return resolve({ kind: 'failed', reason: 'npm not found on PATH' });
        if (error?.killed) {
          return resolve({ kind: 'not-run', reason: `npm audit did not finish within ${options.timeoutMs / 1000} s` });
        }
        resolve(readAuditOutput(stdout));
      },
    );
  });
}
