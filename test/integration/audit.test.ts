import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AuditException } from '../../scripts/audit/exceptions';
import { AUDIT_EXIT } from '../../scripts/audit/verdict';
import { type BulkAdvisory, type FakeNpmRegistry, startFakeNpmRegistry } from '../support/fake-npm-registry';
import { tempDirs } from '../support/temp-dirs';

const MAIN = resolve('scripts/audit/main.ts');
const TSX = resolve('node_modules/.bin/tsx');

/** Runs `make audit`'s script on this repository's lock file with the real npm against `registry`. */
function runAudit(
  registry: FakeNpmRegistry,
  cache: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      TSX,
      [MAIN, '--registry', registry.url, ...args],
      {
        cwd: resolve('.'),
        // npm's cache and debug logs go to a scratch folder; no retries, no update check.
        env: {
          ...process.env,
          npm_config_cache: cache,
          npm_config_fetch_retries: '0',
          npm_config_update_notifier: 'false',
        },
      },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

function advisory(id: number, ghsa: string, severity: BulkAdvisory['severity'], range: string): BulkAdvisory {
  return {
    id,
    url: `https://github.com/advisories/${ghsa}`,
    title: `test advisory ${ghsa}`,
    severity,
    vulnerable_versions: range,
    cwe: ['CWE-400'],
    cvss: { score: severity === 'critical' ? 9.8 : 7.5, vectorString: null },
  };
}

// fastify is a runtime dependency, mocha a dev tool, find-my-way (under fastify) gets a moderate one.
const RUNTIME_GHSA = 'GHSA-2222-3333-4444';
const DEV_GHSA = 'GHSA-5555-6666-7777';
const advisoriesFor = (sent: Record<string, string[]>): Record<string, BulkAdvisory[]> => {
  const result: Record<string, BulkAdvisory[]> = {};
  if (sent.fastify) result.fastify = [advisory(1, RUNTIME_GHSA, 'high', `<=${sent.fastify[0]}`)];
  if (sent.mocha) result.mocha = [advisory(2, DEV_GHSA, 'critical', `<=${sent.mocha[0]}`)];
  if (sent['find-my-way']) result['find-my-way'] = [advisory(3, 'GHSA-8888-9999-cccc', 'moderate', '>=0.0.0')];
  return result;
};

function exception(id: string, pkg: string, reviewed: string, expires: string): AuditException {
  return { id, package: pkg, reason: `test: ${pkg} code path not reached`, reviewed, expires };
}

const daysFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('make audit with the real npm against a loopback registry', () => {
  const tempDir = tempDirs('audit-');
  let registry: FakeNpmRegistry;

  before(async () => {
    registry = await startFakeNpmRegistry({ status: 405 });
  });
  after(() => registry.close());

  function exceptionsFile(dir: string, exceptions: AuditException[]): string {
    const file = join(dir, 'exceptions.json');
    writeFileSync(file, JSON.stringify({ exceptions }));
    return file;
  }

  it('says the audit was NOT run and exits 3 when the advisory endpoint answers 405', async () => {
    registry.answer = { status: 405 };
    const dir = tempDir();
    const result = await runAudit(registry, dir, ['--exceptions', exceptionsFile(dir, [])]);
    assert.equal(result.code, AUDIT_EXIT.notRun, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /^audit NOT run: runtime tree: 405 Method Not Allowed - POST http:\/\/127\.0\.0\.1:\d+\/-\/npm\/v1\/security\/advisories\/bulk$/m,
    );
    assert.doesNotMatch(result.stdout, /clean/);
  });

  it('prints the same notice and exits 0 with --allow-not-run (what CI does)', async () => {
    registry.answer = { status: 405 };
    const dir = tempDir();
    const result = await runAudit(registry, dir, ['--exceptions', exceptionsFile(dir, []), '--allow-not-run']);
    assert.equal(result.code, AUDIT_EXIT.clean, result.stdout + result.stderr);
    assert.match(result.stdout, /^audit NOT run: runtime tree: 405 Method Not Allowed/m);
    assert.match(result.stdout, /no advisory was checked/);
  });

  it('fails listing the high advisory on a runtime package and the critical one on a dev tool', async () => {
    registry.answer = { advisories: advisoriesFor };
    const before = registry.bulkRequests.length;
    const dir = tempDir();
    const result = await runAudit(registry, dir, ['--exceptions', exceptionsFile(dir, [])]);
    assert.equal(result.code, AUDIT_EXIT.findings, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`^UNEXPLAINED high ${RUNTIME_GHSA} fastify <=\\S+ \\(runtime at node_modules/fastify\\)`, 'm'),
    );
    assert.match(
      result.stdout,
      new RegExp(`^UNEXPLAINED critical ${DEV_GHSA} mocha <=\\S+ \\(dev only at node_modules/mocha\\)`, 'm'),
    );
    assert.doesNotMatch(result.stdout, /UNEXPLAINED \w+ GHSA-8888/, 'a moderate advisory does not block');
    assert.match(result.stdout, /^audit: 2 unexplained high\/critical advisory/m);
    // The runtime tree (--omit=dev) was asked about fastify but not mocha; the full tree about both.
    const [runtime, full] = registry.bulkRequests.slice(before);
    assert.ok(runtime?.fastify && !runtime.mocha, 'runtime request');
    assert.ok(full?.fastify && full.mocha, 'full-tree request');
  });

  it('passes when each advisory has an exception in force, and fails again once one has expired', async () => {
    registry.answer = { advisories: advisoriesFor };
    const dir = tempDir();
    const inForce = exceptionsFile(dir, [
      exception(RUNTIME_GHSA, 'fastify', daysFromToday(-30), daysFromToday(1)),
      exception(DEV_GHSA, 'mocha', daysFromToday(-1), daysFromToday(90)),
    ]);
    const passing = await runAudit(registry, dir, ['--exceptions', inForce]);
    assert.equal(passing.code, AUDIT_EXIT.clean, passing.stdout + passing.stderr);
    assert.match(passing.stdout, new RegExp(`^excepted {4}high ${RUNTIME_GHSA} fastify`, 'm'));
    assert.match(passing.stdout, /until \S+ \(reviewed \S+\): test: fastify code path not reached/);
    assert.match(passing.stdout, /^audit: clean/m);

    const expired = exceptionsFile(dir, [
      exception(RUNTIME_GHSA, 'fastify', daysFromToday(-60), daysFromToday(-1)),
      exception(DEV_GHSA, 'mocha', daysFromToday(-1), daysFromToday(90)),
    ]);
    const failing = await runAudit(registry, dir, ['--exceptions', expired]);
    assert.equal(failing.code, AUDIT_EXIT.findings, failing.stdout + failing.stderr);
    assert.match(
      failing.stdout,
      new RegExp(`^UNEXPLAINED high ${RUNTIME_GHSA} fastify .*exception expired ${daysFromToday(-1)}`, 'm'),
    );
    assert.match(failing.stdout, new RegExp(`^excepted {4}critical ${DEV_GHSA} mocha`, 'm'));
  });
});
