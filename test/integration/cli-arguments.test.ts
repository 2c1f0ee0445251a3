import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { commandCapture } from '../support/command-capture';
import { snapshotDatabase } from '../support/db-snapshot';
import { TEST_SCRYPT_ENV } from '../support/stack';

describe('the legacy-identity command line: help and argument mistakes', function () {
  this.timeout(30_000);
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lia-cli-'));
    env = { STORE_URL: `sqlite:${join(dir, 'legacy.db')}`, HTTP_ADDR: 'off', METRICS_ADDR: 'off', ...TEST_SCRYPT_ENV };
    const { io } = commandCapture(env);
    assert.equal(await runCli(['db', 'init', '--create-legacy-schema'], io), 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const COMMANDS = [
    'serve',
    'demo',
    'db init',
    'users add',
    'hash',
    'hash verify',
    'migration status',
    'migration unmark',
    'purge',
    'export',
  ];

  for (const command of COMMANDS) {
    it(`${command} --help prints that command's usage on stdout, exit 0, and does nothing`, async () => {
      const before = snapshotDatabase(join(dir, 'legacy.db'));
      for (const flag of ['--help', '-h']) {
        const { io, out, err } = commandCapture(env);
        assert.equal(await runCli([...command.split(' '), flag], io), 0);
        assert.deepEqual(err, []);
        assert.match(out.join('\n'), new RegExp(`^usage: legacy-identity ${command}\\b`));
      }
      assert.equal(snapshotDatabase(join(dir, 'legacy.db')), before);
    });
  }

  it('--help alone lists every command on stdout, exit 0; an unknown command gets it on stderr, exit 2', async () => {
    const help = commandCapture(env);
    assert.equal(await runCli(['--help'], help.io), 0);
    for (const command of COMMANDS) assert.match(help.out.join('\n'), new RegExp(`\\n  ${command}\\b`));
    const unknown = commandCapture(env);
    assert.equal(await runCli(['bogus'], unknown.io), 2);
    assert.deepEqual(unknown.out, []);
    assert.match(unknown.err.join('\n'), /^usage: legacy-identity <command>/);
  });

  const SECRET = 'hunter2-S3cret-value';
  const MISTAKES: ReadonlyArray<readonly string[]> = [
    ['users', 'add', '--email', 'a@example.com', '--password-stdin', SECRET],
    ['users', 'add', '--email', 'a@example.com', `--password=${SECRET}`],
    ['users', 'add', '--email', 'a@example.com', '--password-hash'],
    ['db', 'init', SECRET],
    ['db', 'init', `--create-legacy-schema=${SECRET}`],
    ['migration', 'status', SECRET],
    ['migration', 'unmark', '--user-id', '1', SECRET],
    ['purge', '--migrated-before', '30d', `--archive=${SECRET}`],
    ['export', '--format', 'auth0-bulk', '--out', 'never-created', SECRET],
    ['serve', SECRET],
    ['demo', SECRET],
  ];

  for (const argv of MISTAKES) {
    it(`${argv.slice(0, 2).join(' ')} with a stray or malformed argument: exit 2 with usage, the value not repeated`, async () => {
      const before = snapshotDatabase(join(dir, 'legacy.db'));
      const { io, out, err } = commandCapture(env, `${SECRET}\n`);
      assert.equal(await runCli(argv, io), 2, err.join('\n'));
      const printed = [...out, ...err].join('\n');
      assert.match(printed, /usage: /);
      assert.ok(!printed.includes(SECRET) && !printed.includes('S3cret'), printed);
      assert.equal(snapshotDatabase(join(dir, 'legacy.db')), before);
    });
  }

  it('names an unknown option without its value', async () => {
    const { io, err } = commandCapture(env);
    assert.equal(await runCli(['users', 'add', '--email', 'a@example.com', `--pasword=${SECRET}`], io), 2);
    assert.match(err.join('\n'), /^unknown option --pasword\n/);
  });
});
