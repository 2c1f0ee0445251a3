/**
 * `make audit`: `npm audit` of the runtime tree (`--omit=dev`) and the full tree, failing on any
 * high/critical advisory not explained in audit-exceptions.json. Exit codes: see AUDIT_EXIT.
 *
 *   tsx scripts/audit/main.ts [--exceptions FILE] [--registry URL] [--allow-not-run]
 */
import { resolve } from 'node:path';
import { ExceptionsFileError, loadExceptions } from './exceptions';
import { runNpmAudit } from './run-npm-audit';
import { AUDIT_EXIT, type AuditExitCode, decideAudit, type Tree, type TreeRun } from './verdict';

export interface AuditOptions {
  readonly exceptionsFile: string;
  readonly registry?: string;
  /** CI on machines whose registry refuses the advisory endpoint: print the notice, exit 0. */
  readonly allowNotRun: boolean;
}

/** Each npm run may take this long (npm's own fetch timeout is five minutes). */
const NPM_AUDIT_TIMEOUT_MS = 3 * 60 * 1000;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseAuditArgs(argv: readonly string[]): AuditOptions {
  let exceptionsFile = 'audit-exceptions.json';
  let registry: string | undefined;
  let allowNotRun = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--exceptions') exceptionsFile = value();
    else if (arg === '--registry') {
      registry = value();
      if (!/^https?:\/\//.test(registry)) throw new UsageError('--registry must be an http(s) URL');
    } else if (arg === '--allow-not-run') allowNotRun = true;
    else throw new UsageError(`unknown argument ${arg}`);
  }
  return registry === undefined ? { exceptionsFile, allowNotRun } : { exceptionsFile, registry, allowNotRun };
}

export async function runAudit(
  options: AuditOptions,
  cwd: string,
  out: (line: string) => void,
): Promise<AuditExitCode> {
  let exceptions: ReturnType<typeof loadExceptions>;
  try {
    exceptions = loadExceptions(resolve(cwd, options.exceptionsFile));
  } catch (error) {
    if (!(error instanceof ExceptionsFileError)) throw error;
    out(`audit FAILED to run: ${error.message}`);
    return AUDIT_EXIT.error;
  }
  const runs: TreeRun[] = [];
  for (const tree of ['runtime', 'full'] as const satisfies readonly Tree[]) {
    const base = { tree, cwd, timeoutMs: NPM_AUDIT_TIMEOUT_MS };
    const run = await runNpmAudit(options.registry === undefined ? base : { ...base, registry: options.registry });
    runs.push({ tree, run });
    // When the endpoint refused the first tree it will refuse the second: ask once.
    if (run.kind !== 'report') break;
  }
  const verdict = decideAudit(runs, exceptions, new Date().toISOString().slice(0, 10));
  for (const line of verdict.lines) out(line);
  if (verdict.exitCode === AUDIT_EXIT.notRun && options.allowNotRun) {
    out(`audit: --allow-not-run: exit 0 instead of ${AUDIT_EXIT.notRun}; no advisory was checked`);
    return AUDIT_EXIT.clean;
  }
  return verdict.exitCode;
}

if (require.main === module) {
  const print = (line: string) => process.stdout.write(`${line}\n`);
  let options: AuditOptions;
  try {
    options = parseAuditArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(
      `audit: ${error.message}\nusage: audit [--exceptions FILE] [--registry URL] [--allow-not-run]\n`,
    );
    process.exit(AUDIT_EXIT.error);
  }
  runAudit(options, process.cwd(), print).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`audit: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = AUDIT_EXIT.error;
    },
  );
}
