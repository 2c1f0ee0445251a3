import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type AuditException, exceptionInForce, parseExceptions } from '../../scripts/audit/exceptions';
import { type AuditRun, readAuditOutput } from '../../scripts/audit/npm-audit-output';
import { AUDIT_EXIT, decideAudit } from '../../scripts/audit/verdict';

const GHSA = 'GHSA-8r9q-7v3j-jr4g';

/** An `npm audit --json` report (auditReportVersion 2) with one advisory on `name`. */
function report(name: string, severity: string, ghsa = GHSA): string {
  return JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities: {
      [name]: {
        name,
        severity,
        via: [
          {
            source: 1_096_543,
            name,
            title: 'Something bad',
            url: `https://github.com/advisories/${ghsa}`,
            severity,
            range: '<1.2.3',
          },
        ],
        nodes: [`node_modules/${name}`],
      },
      dependent: { name: 'dependent', severity, via: [name], nodes: ['node_modules/dependent'] },
    },
    metadata: {},
  });
}

const exception = (fields: Partial<AuditException> = {}): AuditException => ({
  id: GHSA,
  package: 'fastify',
  reason: 'the vulnerable option is never set',
  reviewed: '2026-12-01',
  expires: '2027-03-01',
  ...fields,
});

describe('make audit: reading npm audit --json', () => {
  it('takes a high advisory from the package it names, not from the packages that depend on it', () => {
    const run = readAuditOutput(report('fastify', 'high'));
    assert.equal(run.kind, 'report');
    assert.deepEqual(run.kind === 'report' ? run.findings.map((f) => [f.id, f.package, f.severity, f.nodes]) : [], [
      [GHSA, 'fastify', 'high', ['node_modules/fastify']],
    ]);
  });

  it('counts moderate advisories below the bar, and refuses an unknown severity instead of ignoring it', () => {
    const moderate = readAuditOutput(report('pino', 'moderate'));
    assert.deepEqual(moderate, { kind: 'report', findings: [], belowBar: 1 });
    assert.equal(readAuditOutput(report('pino', 'severe')).kind, 'failed');
  });

  it('tells an advisory endpoint that could not be asked (not run) from an npm failure and from garbage', () => {
    const outcomes: Array<[string, AuditRun['kind']]> = [
      [
        JSON.stringify({
          message: 'request to https://u:s3cr3t@registry.example/-/npm/v1/security/advisories/bulk failed',
        }),
        'not-run',
      ],
      [
        JSON.stringify({ error: { code: 'ENOLOCK', summary: 'This command requires an existing lockfile.' } }),
        'failed',
      ],
      ['npm ERR! something', 'failed'],
      [JSON.stringify([]), 'failed'],
      [JSON.stringify({ auditReportVersion: 3 }), 'failed'],
    ];
    for (const [stdout, kind] of outcomes) assert.equal(readAuditOutput(stdout).kind, kind, stdout);
    const run = readAuditOutput(outcomes[0]?.[0] ?? '');
    assert.ok(run.kind === 'not-run' && !run.reason.includes('s3cr3t'), 'registry credentials are redacted');
  });
});

describe('make audit: the verdict', () => {
  const TODAY = '2026-12-04';
  const high = readAuditOutput(report('fastify', 'high'));

  it('fails on an unexplained high advisory, even when the other tree could not be asked', () => {
    const verdict = decideAudit(
      [
        { tree: 'runtime', run: high },
        { tree: 'full', run: { kind: 'not-run', reason: 'HTTP 405' } },
      ],
      [],
      TODAY,
    );
    assert.equal(verdict.exitCode, AUDIT_EXIT.findings);
    assert.ok(verdict.lines.some((l) => l.startsWith(`UNEXPLAINED high`)));
  });

  it('passes with an exception in force through its last day, and fails the day after', () => {
    const excepted = [exception({ expires: TODAY })];
    assert.equal(decideAudit([{ tree: 'runtime', run: high }], excepted, TODAY).exitCode, AUDIT_EXIT.clean);
    const late = decideAudit([{ tree: 'runtime', run: high }], excepted, '2026-12-05');
    assert.equal(late.exitCode, AUDIT_EXIT.findings);
    assert.ok(late.lines.some((l) => l.includes(`exception expired ${TODAY}`)));
    assert.equal(exceptionInForce(exception({ expires: TODAY }), TODAY), true);
  });

  it('an exception for another package or advisory explains nothing, and is reported as unused on a clean run', () => {
    const other = [exception({ package: 'pino' }), exception({ id: 'GHSA-2222-3333-4444' })];
    assert.equal(decideAudit([{ tree: 'runtime', run: high }], other, TODAY).exitCode, AUDIT_EXIT.findings);
    const clean = decideAudit([{ tree: 'runtime', run: { kind: 'report', findings: [], belowBar: 0 } }], other, TODAY);
    assert.equal(clean.exitCode, AUDIT_EXIT.clean);
    assert.equal(clean.lines.filter((l) => l.includes('matched no advisory')).length, 2);
  });

  it('never passes an audit that did not happen: not run is 3, an npm failure or no run at all is 2', () => {
    const notRun = decideAudit([{ tree: 'runtime', run: { kind: 'not-run', reason: 'HTTP 405' } }], [], TODAY);
    assert.equal(notRun.exitCode, AUDIT_EXIT.notRun);
    assert.ok(notRun.lines.some((l) => l === 'audit NOT run: runtime tree: HTTP 405'));
    assert.equal(
      decideAudit([{ tree: 'runtime', run: { kind: 'failed', reason: 'ENOLOCK' } }], [], TODAY).exitCode,
      AUDIT_EXIT.error,
    );
    assert.equal(decideAudit([], [], TODAY).exitCode, AUDIT_EXIT.error);
  });
});

describe('make audit: audit-exceptions.json', () => {
  const file = (exceptions: unknown[]) => JSON.stringify({ exceptions });

  it('reads a valid file, and the committed one', () => {
    assert.deepEqual(parseExceptions(file([exception()]), 'x.json'), [exception()]);
    assert.ok(Array.isArray(parseExceptions(readFileSync('audit-exceptions.json', 'utf8'), 'f')));
  });

  const BAD: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['not JSON', '{', /not JSON/],
    ['no list', '{}', /"exceptions" list/],
    ['an unknown top-level field', JSON.stringify({ exceptions: [], extra: 1 }), /unknown top-level field/],
    ['an unknown entry field', file([{ ...exception(), note: 'x' }]), /unknown field "note"/],
    ['a missing reason', file([{ ...exception(), reason: ' ' }]), /"reason" must be a non-empty string/],
    ['a malformed id', file([exception({ id: 'CVE-2026-1' })]), /"id" must be a GHSA id/],
    ['an impossible date', file([exception({ reviewed: '2026-02-30' })]), /"reviewed" must be a date/],
    ['expiry before review', file([exception({ expires: '2026-11-30' })]), /must be after "reviewed"/],
    ['an exception for more than a year', file([exception({ expires: '2028-01-01' })]), /more than 366 days/],
    [
      'a duplicate',
      file([exception(), exception({ id: GHSA.toLowerCase().replace(/^ghsa/, 'GHSA') })]),
      /listed twice/,
    ],
  ];
  for (const [what, text, message] of BAD) {
    it(`refuses the whole file for ${what}, naming the entry`, () => {
      assert.throws(() => parseExceptions(text, 'audit-exceptions.json'), message);
    });
  }
});
