import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hash as bcryptHash } from 'bcrypt';
import { initStore } from '../../src/commands/db-init';
import { loadConfig } from '../../src/config';
import { snapshotDatabase } from '../support/db-snapshot';
import { loadPasswordVectors } from '../support/password-vectors';
import { TEST_BRIDGE_TOKEN, TEST_SCRYPT_ENV } from '../support/stack';

const PRELOAD = [require.resolve('tsx/cjs'), resolve('src/telemetry/register.ts')];
const CLI = resolve('src/cli.ts');

/** Children still running when a test ends (it failed): killed, so nothing is left serving. */
const running = new Set<ChildProcess>();

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `legacy-identity …args` as `npm run cli` runs it (a real process, its real stdin/stdout/stderr), in `cwd`. */
function cli(args: readonly string[], options: { env: Record<string, string>; stdin?: string; cwd: string }) {
  const child = spawn(process.execPath, [...PRELOAD.flatMap((p) => ['--require', p]), CLI, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin.end(options.stdin ?? '');
  return new Promise<Result>((resolveRun) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolveRun({ code, stdout, stderr });
    });
  });
}

describe('the legacy-identity command as a process: exit codes, stdout and stderr', function () {
  this.timeout(60_000);
  let dir: string;
  let cwd: string;
  let db: string;
  let env: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lia-cli-process-'));
    cwd = mkdtempSync(join(tmpdir(), 'lia-cli-cwd-'));
    db = join(dir, 'legacy.db');
    env = {
      STORE_URL: `sqlite:${db}`,
      GRPC_ADDR: '127.0.0.1:0',
      HTTP_ADDR: '127.0.0.1:0',
      METRICS_ADDR: 'off',
      BRIDGE_TOKENS: TEST_BRIDGE_TOKEN,
      ...TEST_SCRYPT_ENV,
    };
    const config = loadConfig({ STORE_URL: env.STORE_URL, HTTP_ADDR: 'off' });
    await initStore(config.store, { profile: config.schemaProfile, createLegacySchema: true });
  });
  afterEach(() => {
    for (const child of running) child.kill('SIGKILL');
    running.clear();
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  });

  describe('hash verify', () => {
    const { vectors } = loadPasswordVectors();
    const vector = (format: string) => {
      const found = vectors.find((v) => v.format === format && v.detect && v.password !== '');
      assert.ok(found, format);
      return found;
    };

    it('bcrypt made by the bcrypt package: the right password exits 0, a wrong one 1', async () => {
      const hash = await bcryptHash('pw', 4);
      const right = await cli(['hash', 'verify'], { env, cwd, stdin: JSON.stringify({ password: 'pw', hash }) });
      assert.deepEqual([right.code, right.stdout], [0, '{"match":true,"format":"bcrypt"}\n'], right.stderr);
      const wrong = await cli(['hash', 'verify'], { env, cwd, stdin: JSON.stringify({ password: 'pW', hash }) });
      assert.deepEqual([wrong.code, wrong.stdout], [1, '{"match":false,"format":"bcrypt"}\n'], wrong.stderr);
    });

    for (const format of ['aspnet-identity-v3', 'django-pbkdf2-sha256', 'phpass']) {
      it(`${format} (a committed vector): exit 0, the format named`, async () => {
        const v = vector(format);
        const run = await cli(['hash', 'verify'], {
          env,
          cwd,
          stdin: JSON.stringify({ password: v.password, hash: v.hash }),
        });
        assert.deepEqual([run.code, JSON.parse(run.stdout)], [0, { match: true, format }], run.stderr);
      });
    }

    it('a bcrypt hash at cost 31: exit 2 naming the problem, neither password nor hash on either stream', async () => {
      const hash = '$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
      const run = await cli(['hash', 'verify'], {
        env,
        cwd,
        stdin: JSON.stringify({ password: 'S3cret-Value', hash }),
      });
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), {
        error: 'the stored hash is unusable: cost 31 is outside 4..16',
        format: 'bcrypt',
      });
      for (const secret of ['S3cret-Value', hash.slice(7)]) {
        assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), secret);
      }
    });
  });

  it('users add with a password after --password-stdin: exit 2, usage on stderr, the value on neither stream, nothing stored', async () => {
    const before = snapshotDatabase(db);
    const run = await cli(['users', 'add', '--email', 'a@example.com', '--password-stdin', 'hunter2secret'], {
      env,
      cwd,
      stdin: 'hunter2secret\n',
    });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^unexpected argument .*\nusage: users add --email E/);
    assert.ok(!run.stderr.includes('hunter2'), run.stderr);
    assert.equal(snapshotDatabase(db), before);
  });

  for (const command of ['serve', 'demo', 'db init', 'users add', 'hash', 'hash verify', 'purge']) {
    it(`${command} --help: its own usage on stdout, nothing on stderr, exit 0, nothing started or written`, async () => {
      const before = snapshotDatabase(db);
      const run = await cli([...command.split(' '), '--help'], { env, cwd });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(run.stderr, '');
      assert.match(run.stdout, new RegExp(`^usage: legacy-identity ${command}\\b`));
      assert.doesNotMatch(run.stdout, /<command>/, 'the top-level usage');
      assert.equal(snapshotDatabase(db), before, 'the store is untouched (demo would seed it)');
      assert.deepEqual(readdirSync(cwd), [], 'nothing written (demo would write ./data/bridge-token)');
    });
  }

  for (const [command, mistake] of [
    ['serve', 'unknown option --bogus'],
    ['demo', 'unknown option --bogus'],
    ['hash verify', 'unknown option --bogus'],
    ['db init', 'unknown option --bogus'],
  ] as const) {
    it(`${command} --bogus=S3cret: exit 2, the mistake and that command's usage on stderr, nothing on stdout`, async () => {
      const run = await cli([...command.split(' '), '--bogus=S3cret'], { env, cwd });
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, new RegExp(`^${mistake}\\nusage: (legacy-identity )?${command}\\b`));
      assert.ok(!run.stderr.includes('S3cret'), run.stderr);
    });
  }
});
