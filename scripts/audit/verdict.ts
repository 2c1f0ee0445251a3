import { type AuditException, exceptionInForce, exceptionMatches } from './exceptions';
import type { AuditRun, Finding } from './npm-audit-output';

/** Exit codes of `make audit`. `notRun` is distinct so that an audit that could not ask is never a pass. */
export const AUDIT_EXIT = { clean: 0, findings: 1, error: 2, notRun: 3 } as const;
export type AuditExitCode = (typeof AUDIT_EXIT)[keyof typeof AUDIT_EXIT];

/** The dependency trees audited: `runtime` is `--omit=dev` (what ships), `full` adds the dev tools. */
export type Tree = 'runtime' | 'full';

export interface TreeRun {
  readonly tree: Tree;
  readonly run: AuditRun;
}

export interface Verdict {
  readonly exitCode: AuditExitCode;
  readonly lines: readonly string[];
}

function describe(finding: Finding, scope: string): string {
  const where = finding.nodes.length > 0 ? ` at ${finding.nodes.join(', ')}` : '';
  return `${finding.severity} ${finding.id} ${finding.package} ${finding.range} (${scope}${where}): ${finding.title} ${finding.url}`.trim();
}

/**
 * Decides the audit from the runs of each tree, the reviewed exceptions and today's date (`YYYY-MM-DD`,
 * UTC). Unexplained high/critical advisories fail (1); a run npm could not complete is an error (2);
 * an advisory endpoint that could not be asked leaves the audit not run (3); otherwise clean (0).
 */
export function decideAudit(runs: readonly TreeRun[], exceptions: readonly AuditException[], today: string): Verdict {
  const lines: string[] = [];
  const findings = new Map<string, { finding: Finding; trees: Tree[] }>();
  let belowBar = 0;
  const failed: string[] = [];
  const notRun: string[] = [];
  for (const { tree, run } of runs) {
    switch (run.kind) {
      case 'report':
        belowBar = Math.max(belowBar, run.belowBar);
        for (const finding of run.findings) {
          const key = `${finding.id} ${finding.package}`;
          const seen = findings.get(key);
          if (seen) seen.trees.push(tree);
          else findings.set(key, { finding, trees: [tree] });
        }
        break;
      case 'not-run':
        notRun.push(`${tree} tree: ${run.reason}`);
        break;
      case 'failed':
        failed.push(`${tree} tree: ${run.reason}`);
        break;
      default: {
        const unreachable: never = run;
        throw new Error(`unknown audit run ${JSON.stringify(unreachable)}`);
      }
    }
  }

  const unexplained: string[] = [];
  const used = new Set<AuditException>();
  for (const { finding, trees } of findings.values()) {
    const scope = trees.includes('runtime') ? 'runtime' : 'dev only';
    const matching = exceptions.filter((e) => exceptionMatches(e, finding));
    const inForce = matching.find((e) => exceptionInForce(e, today));
    for (const e of matching) used.add(e);
    if (inForce) {
      lines.push(`excepted    ${describe(finding, scope)}`);
      lines.push(`            until ${inForce.expires} (reviewed ${inForce.reviewed}): ${inForce.reason}`);
    } else {
      const expired = matching.map((e) => ` (exception expired ${e.expires}: review it again)`).join('');
      unexplained.push(`UNEXPLAINED ${describe(finding, scope)}${expired}`);
    }
  }
  lines.push(...unexplained);

  const allReported = runs.length > 0 && notRun.length === 0 && failed.length === 0;
  if (allReported) {
    for (const e of exceptions) {
      if (!used.has(e)) lines.push(`note: exception ${e.id} on ${e.package} matched no advisory; remove it`);
    }
  }
  if (belowBar > 0)
    lines.push(`note: ${belowBar} advisory(ies) below high severity, not blocking (npm audit lists them)`);

  for (const reason of failed) lines.push(`audit FAILED to run: ${reason}`);
  for (const reason of notRun) lines.push(`audit NOT run: ${reason}`);

  if (unexplained.length > 0) {
    lines.push(
      `audit: ${unexplained.length} unexplained high/critical advisory(ies): upgrade, or add a reviewed exception to audit-exceptions.json`,
    );
    return { exitCode: AUDIT_EXIT.findings, lines };
  }
  if (failed.length > 0 || runs.length === 0) return { exitCode: AUDIT_EXIT.error, lines };
  if (notRun.length > 0) {
    lines.push('audit: NOT run, no verdict: the advisory endpoint could not be asked (see above)');
    return { exitCode: AUDIT_EXIT.notRun, lines };
  }
  const trees = runs.map((r) => r.tree).join(' and ');
  lines.push(`audit: clean: no unexplained high/critical advisory in the ${trees} tree${runs.length > 1 ? 's' : ''}`);
  return { exitCode: AUDIT_EXIT.clean, lines };
}
