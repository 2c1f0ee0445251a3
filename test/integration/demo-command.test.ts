import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve('src/cli.ts');
const TSX = resolve('node_modules/.bin/tsx');

/** Runs `legacy-identity demo` in `cwd` until it has printed its banner, then logs in through the bridge and stops it. */
async function runDemo(
  cwd: string,
): Promise<{ output: string; login: { status: number; body: string }; exit: number | null }> {
  const child = spawn(TSX, [CLI, 'demo'], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      GRPC_ADDR: '127.0.0.1:0',
      HTTP_ADDR: '127.0.0.1:0',
      METRICS_ADDR: 'off',
      SCRYPT_LOG_N: '10',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const bridge = await new Promise<string>((resolveUrl, reject) => {
      const timer = setInterval(() => {
        const match = /bridge\s+(http:\/\/\S+)/.exec(output);
        if (match?.[1] && output.includes('demo users:')) {
          clearInterval(timer);
          resolveUrl(match[1]);
        }
      }, 50);
      void exited.then((code) => {
        clearInterval(timer);
        reject(new Error(`demo exited (${code}): ${output}`));
      });
    });
    const token = readFileSync(join(cwd, 'data', 'bridge-token'), 'utf8').trim();
    const res = await fetch(`${bridge}/v1/login`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username_or_email: 'alice', password: 'alice-demo-password' }),
    });
    const login = { status: res.status, body: await res.text() };
    child.kill('SIGTERM');
    return { output, login, exit: await exited };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('legacy-identity demo (what make run runs)', () => {
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(join(tmpdir(), 'lia-demo-'));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it('creates and seeds ./data/legacy.db, makes a private demo token, serves both, and logs alice in', async function () {
    this.timeout(60_000);
    const first = await runDemo(cwd);
    assert.equal(first.login.status, 200, first.login.body);
    assert.equal((JSON.parse(first.login.body) as { profile: { email: string } }).profile.email, 'alice@example.com');
    assert.match(first.output, /gRPC\s+127\.0\.0\.1:\d+/);
    assert.match(first.output, /seeded now/);
    assert.ok(existsSync(join(cwd, 'data', 'legacy.db')));
    assert.equal(statSync(join(cwd, 'data', 'bridge-token')).mode & 0o077, 0, 'token file readable by others');
    assert.equal(first.exit, 0);
  });

  it('keeps the existing data and token on a second start', async function () {
    this.timeout(60_000);
    const token = readFileSync(join(cwd, 'data', 'bridge-token'), 'utf8');
    const second = await runDemo(cwd);
    assert.equal(second.login.status, 200);
    assert.match(second.output, /existing data/);
    assert.equal(readFileSync(join(cwd, 'data', 'bridge-token'), 'utf8'), token);
  });
});
