/**
 * Reads what `npm audit --json` printed (npm 7 … 11, `auditReportVersion: 2`). Three outcomes, kept
 * apart on purpose so that an audit that never happened can never read as a clean one.
 */

/** The severities that fail the audit (`--audit-level=high`). */
export const BLOCKING_SEVERITIES = ['high', 'critical'] as const;
export type BlockingSeverity = (typeof BLOCKING_SEVERITIES)[number];
const SEVERITIES = ['info', 'low', 'moderate', ...BLOCKING_SEVERITIES] as const;

/** One advisory at or above the bar, against one vulnerable package. */
export interface Finding {
  /** `GHSA-xxxx-xxxx-xxxx` taken from the advisory URL, or `npm:<source>` when the URL has none. */
  readonly id: string;
  /** npm's numeric advisory id (`via[].source`). */
  readonly source: number;
  /** The package the advisory is about (`via[].name`), not the packages that merely depend on it. */
  readonly package: string;
  readonly severity: BlockingSeverity;
  readonly title: string;
  readonly url: string;
  /** Vulnerable versions, as npm states them. */
  readonly range: string;
  /** Where it is installed (`node_modules/…`). */
  readonly nodes: readonly string[];
}

export type AuditRun =
  /** The advisory database answered: every high/critical advisory, and how many below the bar. */
  | { readonly kind: 'report'; readonly findings: readonly Finding[]; readonly belowBar: number }
  /** The advisory endpoint could not be asked (refused, e.g. 405, or unreachable): nothing is known. */
  | { readonly kind: 'not-run'; readonly reason: string }
  /** npm failed before asking (no lock file, unreadable output …): a fault to fix, not a network matter. */
  | { readonly kind: 'failed'; readonly reason: string };

const GHSA = /GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}/i;

/** `https://user:secret@host/` → `https://***@host/`: a registry URL may carry credentials. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSeverity(value: unknown): value is (typeof SEVERITIES)[number] {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

function isBlocking(severity: string): severity is BlockingSeverity {
  return (BLOCKING_SEVERITIES as readonly string[]).includes(severity);
}

/** The GHSA id of an advisory URL, or `npm:<source>`. */
export function advisoryId(url: string, source: number): string {
  const match = GHSA.exec(url);
  return match ? `GHSA${match[0].slice(4).toLowerCase()}` : `npm:${source}`;
}

/** Reads the stdout of `npm audit --json`; npm's exit code is not needed (nor trusted) to tell the outcomes apart. */
export function readAuditOutput(stdout: string): AuditRun {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    const start = stdout.trim().slice(0, 200);
    return { kind: 'failed', reason: `npm audit printed no JSON${start ? `: ${redactUrlCredentials(start)}` : ''}` };
  }
  if (!isRecord(parsed)) return { kind: 'failed', reason: 'npm audit printed JSON that is not an object' };

  if (parsed.auditReportVersion === 2) return readReport(parsed);
  // npm's audit-error: `{ message, method, uri, headers, statusCode, body }` for an HTTP error, only
  // `{ message }` for a network error (ECONNREFUSED, ENOTFOUND, a timeout).
  if (typeof parsed.message === 'string') {
    return { kind: 'not-run', reason: redactUrlCredentials(parsed.message) };
  }
  // npm's own error output: `{ error: { code, summary, detail } }`.
  if (isRecord(parsed.error)) {
    const { code, summary } = parsed.error;
    const text = [code, summary].filter((s) => typeof s === 'string' && s !== '').join(': ');
    return { kind: 'failed', reason: redactUrlCredentials(`npm audit failed${text ? `: ${text}` : ''}`) };
  }
  if (typeof parsed.auditReportVersion !== 'undefined') {
    return { kind: 'failed', reason: `unsupported auditReportVersion ${JSON.stringify(parsed.auditReportVersion)}` };
  }
  return { kind: 'failed', reason: 'npm audit printed JSON of an unknown shape' };
}

function readReport(report: Record<string, unknown>): AuditRun {
  const { vulnerabilities } = report;
  if (!isRecord(vulnerabilities)) return { kind: 'failed', reason: 'audit report has no "vulnerabilities" object' };
  const findings = new Map<string, Finding>();
  const below = new Set<string>();
  for (const [key, vulnerability] of Object.entries(vulnerabilities)) {
    if (!isRecord(vulnerability) || !Array.isArray(vulnerability.via)) {
      return { kind: 'failed', reason: `audit report entry "${key}" has no "via" list` };
    }
    for (const via of vulnerability.via) {
      // A string names another entry this one depends on; the advisory itself is listed there.
      if (typeof via === 'string') continue;
      if (!isRecord(via) || typeof via.name !== 'string' || typeof via.source !== 'number') {
        return { kind: 'failed', reason: `audit report entry "${key}" has an advisory without name or source` };
      }
      if (!isSeverity(via.severity)) {
        // An unknown severity is not quietly taken as harmless.
        return {
          kind: 'failed',
          reason: `advisory ${via.source} on ${via.name} has unknown severity ${String(via.severity)}`,
        };
      }
      const url = typeof via.url === 'string' ? via.url : '';
      const id = advisoryId(url, via.source);
      const identity = `${id} ${via.name}`;
      if (!isBlocking(via.severity)) {
        below.add(identity);
        continue;
      }
      const entry = vulnerabilities[via.name];
      const nodes =
        isRecord(entry) && Array.isArray(entry.nodes) ? entry.nodes.filter((n) => typeof n === 'string') : [];
      findings.set(identity, {
        id,
        source: via.source,
        package: via.name,
        severity: via.severity,
        title: typeof via.title === 'string' ? via.title : '',
        url,
        range: typeof via.range === 'string' ? via.range : '',
        nodes,
      });
    }
  }
  return { kind: 'report', findings: [...findings.values()], belowBar: below.size };
}
