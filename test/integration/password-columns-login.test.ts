import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { status } from '@grpc/grpc-js';
import { usersAddCommand } from '../../src/commands/users-add';
import type { StoredPassword } from '../../src/domain/user';
import { commandCapture } from '../support/command-capture';
import { snapshotDatabase } from '../support/db-snapshot';
import { callError, type PromiseClient, promiseClient } from '../support/grpc-call';
import { type LoginExample, loadPasswordVectors } from '../support/password-vectors';
import { type Stack, startStack, TEST_SCRYPT_ENV } from '../support/stack';

const FIXTURES = join(__dirname, '..', 'fixtures', 'profiles');
const FIXED_JSON = join(FIXTURES, 'salted-fixed.json');
const COLUMN_JSON = join(FIXTURES, 'salted-column.json');
const FIXED_SPEC = 'salted-sha256;salt_position=suffix;encoding=utf16le';

const examples = loadPasswordVectors().login_examples;
/** Rows only a schema with salt and format columns can hold: a salt, or a format carrying options. */
const needsColumns = examples.filter((e) => e.stored.salt !== undefined || e.stored.format?.includes(';'));

/** `users add` run in-process against the stack's database and profile; collects its output. */
async function usersAdd(stack: Stack, profile: string, args: readonly string[], stdin = '') {
  const { io, out, err } = commandCapture(
    { STORE_URL: `sqlite:${stack.dbPath}`, SCHEMA_PROFILE: profile, ...TEST_SCRYPT_ENV },
    stdin,
  );
  const code = await usersAddCommand(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The salt and format columns of one row, straight from the file (NULL stays null). */
function rawPasswordColumns(stack: Stack, sql: string, userId: string): Record<string, unknown> {
  const db = new DatabaseSync(stack.dbPath, { readOnly: true });
  try {
    return { ...db.prepare(sql).get(userId) };
  } finally {
    db.close();
  }
}

/** `users add` with `args` succeeds and the repository reads back exactly `stored`; returns the new user id. */
async function addStoredAsGiven(
  stack: Stack,
  profile: string,
  args: readonly string[],
  stored: StoredPassword,
): Promise<string> {
  const added = await usersAdd(stack, profile, args);
  assert.equal(added.code, 0, added.err);
  const userId = (JSON.parse(added.out) as { user_id: string }).user_id;
  assert.deepEqual((await stack.running.repository.findById(userId))?.password, stored);
  return userId;
}

/** The example's password logs `login` in as `userId`; its wrong password is refused as UNAUTHENTICATED. */
async function assertRightInWrongOut(
  rpc: PromiseClient,
  login: string,
  example: LoginExample,
  userId: string,
): Promise<void> {
  assert.equal((await rpc.authenticate({ login, password: example.password })).user?.userId, userId);
  const wrong = await callError(rpc.authenticate({ login, password: example.wrong_password }));
  assert.equal(wrong.code, status.UNAUTHENTICATED);
}

const importArgs = (email: string, stored: StoredPassword, withFormat = true): string[] => [
  '--email',
  email,
  '--password-hash',
  stored.hash,
  ...(stored.salt === undefined ? [] : ['--password-salt', stored.salt]),
  ...(withFormat && stored.format !== undefined ? ['--password-format', stored.format] : []),
];

describe('users imported with a salt and format into a profile with password columns log in over gRPC', function () {
  this.timeout(60_000);

  it('covers every fixture row that carries a salt or an options-carrying format', () => {
    assert.deepEqual(needsColumns.map((e) => e.format).sort(), [
      'membership-clear',
      'membership-hmacsha1',
      'membership-hmacsha256',
      'membership-hmacsha384',
      'membership-hmacsha512',
      'membership-md5',
      'membership-sha1',
      'membership-sha256',
      'membership-sha384',
      'membership-sha512',
      'salted-md5',
      'salted-sha1',
      'salted-sha256',
      'salted-sha512',
    ]);
  });

  for (const rehash of ['off', 'on'] as const) {
    describe(`salted-column.json (a format column), REHASH_ON_LOGIN=${rehash}`, () => {
      let stack: Stack;
      before(async () => {
        stack = await startStack({ env: { SCHEMA_PROFILE: COLUMN_JSON, REHASH_ON_LOGIN: rehash } });
      });
      after(async () => {
        await stack?.close();
      });

      for (const example of needsColumns) {
        it(`${example.format}: imported with users add, right password in, wrong one refused${rehash === 'on' ? ', then scrypt with no salt' : ''}`, async () => {
          const email = `${example.format}.${rehash}@example.com`;
          const userId = await addStoredAsGiven(stack, COLUMN_JSON, importArgs(email, example.stored), example.stored);

          const rpc = promiseClient(stack.client);
          await assertRightInWrongOut(rpc, email, example, userId);
          await stack.running.service.settle();

          const raw = rawPasswordColumns(
            stack,
            'SELECT "Hash" AS hash, "Salt" AS salt, "HashFormat" AS format FROM "LegacyLogins" WHERE "LoginId" = ?',
            userId,
          );
          if (rehash === 'on') {
            assert.match(String(raw.hash), /^c2NyeXB0/);
            assert.deepEqual([raw.salt, raw.format], [null, 'scrypt']);
          } else {
            assert.deepEqual(raw, {
              hash: example.stored.hash,
              salt: example.stored.salt ?? null,
              format: example.stored.format ?? null,
            });
          }
          // The next login works whatever the row now holds, and the wrong password still fails.
          await assertRightInWrongOut(rpc, email, example, userId);
        });
      }

      it('never logs a password, hash or salt used above', () => {
        for (const e of needsColumns) {
          for (const secret of [e.password, e.wrong_password, e.stored.hash])
            assert.ok(!stack.logs.text.includes(secret));
        }
      });
    });

    describe(`salted-fixed.json (fixed ${FIXED_SPEC}), REHASH_ON_LOGIN=${rehash}`, () => {
      const example = needsColumns.find((e) => e.stored.format === FIXED_SPEC);
      let stack: Stack;
      before(async () => {
        stack = await startStack({ env: { SCHEMA_PROFILE: FIXED_JSON, REHASH_ON_LOGIN: rehash } });
      });
      after(async () => {
        await stack?.close();
      });

      for (const withFormat of [false, true]) {
        it(`salted-sha256 imported ${withFormat ? 'with the same --password-format' : 'with only --password-salt'}: right password in, wrong one refused${rehash === 'on' ? ', then scrypt with no salt' : ''}`, async () => {
          assert.ok(example, 'the fixture has a salted-sha256 suffix/utf16le row');
          const email = `fixed.${withFormat}.${rehash}@example.com`;
          const userId = await addStoredAsGiven(
            stack,
            FIXED_JSON,
            importArgs(email, example.stored, withFormat),
            example.stored,
          );

          const rpc = promiseClient(stack.client);
          await assertRightInWrongOut(rpc, email, example, userId);
          await stack.running.service.settle();

          const raw = rawPasswordColumns(
            stack,
            'SELECT "PwdHash" AS hash, "PwdSalt" AS salt FROM "Accounts" WHERE "AccountId" = ?',
            userId,
          );
          const read = (await stack.running.repository.findById(userId))?.password;
          if (rehash === 'on') {
            assert.match(String(raw.hash), /^c2NyeXB0/);
            assert.equal(raw.salt, null);
            assert.deepEqual(read, { hash: raw.hash, format: 'scrypt' });
          } else {
            assert.deepEqual(raw, { hash: example.stored.hash, salt: example.stored.salt });
          }
          await assertRightInWrongOut(rpc, email, example, userId);
        });
      }

      if (rehash === 'off') {
        it('users created over gRPC get scrypt and no salt, and log in although the profile format is fixed', async () => {
          const rpc = promiseClient(stack.client);
          const created = await rpc.createUser({ email: 'new@example.com', password: 'a-new-Passw0rd!' });
          const raw = rawPasswordColumns(
            stack,
            'SELECT "PwdHash" AS hash, "PwdSalt" AS salt FROM "Accounts" WHERE "AccountId" = ?',
            created.userId,
          );
          assert.match(String(raw.hash), /^c2NyeXB0/);
          assert.equal(raw.salt, null);
          const login = await rpc.authenticate({ login: 'new@example.com', password: 'a-new-Passw0rd!' });
          assert.equal(login.user?.userId, created.userId);
        });
      }
    });
  }
});

describe('users add refuses a salt or format the profile cannot keep (exit 2, nothing stored)', function () {
  this.timeout(30_000);
  const salted = needsColumns.find((e) => e.stored.format === FIXED_SPEC);
  const sha1 = needsColumns.find((e) => e.format === 'membership-sha1');
  const stacks: Stack[] = [];
  const stackFor = async (profile: string) => {
    const stack = await startStack({ env: { SCHEMA_PROFILE: profile } });
    stacks.push(stack);
    return stack;
  };
  after(async () => {
    for (const stack of stacks) await stack.close();
  });

  /** Runs users add, expecting exit 2 with `message`, no row written, and no hash or salt echoed. */
  async function refused(profile: string, args: readonly string[], message: RegExp) {
    const stack = await stackFor(profile);
    const before = snapshotDatabase(stack.dbPath);
    const result = await usersAdd(stack, profile, ['--email', 'refused@example.com', ...args]);
    assert.equal(result.code, 2, result.out);
    assert.match(result.err, message);
    for (const secret of [salted?.stored.hash, salted?.stored.salt, sha1?.stored.hash, sha1?.stored.salt]) {
      assert.ok(secret && !result.err.includes(secret), 'echoed a value');
    }
    assert.equal(snapshotDatabase(stack.dbPath), before);
  }

  it('a salt on the default profile (no salt column)', async () => {
    assert.ok(salted);
    await refused(
      'default',
      ['--password-hash', salted.stored.hash, '--password-salt', salted.stored.salt ?? ''],
      /schema profile default has no password salt column \(passwordSalt\)/,
    );
  });

  it('a format with options on the default profile (no format mapping)', async () => {
    assert.ok(salted);
    await refused(
      'default',
      ['--password-hash', salted.stored.hash, '--password-format', FIXED_SPEC],
      /schema profile default has no password format column \(passwordFormat\), and "salted-sha256;salt_position=suffix;encoding=utf16le" is not what the hash alone is recognised as/,
    );
  });

  it('a format on a fixed-format profile that conflicts with its own', async () => {
    assert.ok(salted);
    for (const format of ['salted-sha1;salt_position=suffix;encoding=utf16le', 'salted-sha256', 'membership-sha1']) {
      await refused(
        FIXED_JSON,
        ['--password-hash', salted.stored.hash, '--password-salt', 'x', '--password-format', format],
        /schema profile salted-fixed stores every password as "salted-sha256;salt_position=suffix;encoding=utf16le"; ".*" conflicts with it/,
      );
    }
  });

  it('a salt longer than the salt column', async () => {
    assert.ok(salted);
    await refused(
      FIXED_JSON,
      ['--password-hash', salted.stored.hash, '--password-salt', 's'.repeat(65)],
      /schema profile salted-fixed: the password salt is longer than column "PwdSalt" holds/,
    );
  });

  it('a Membership format other than the configured algorithm on aspnet-membership, and a salt it cannot keep', async () => {
    assert.ok(sha1);
    await refused(
      'aspnet-membership',
      [
        '--password-hash',
        sha1.stored.hash,
        '--password-salt',
        sha1.stored.salt ?? '',
        '--password-format',
        'membership-sha256',
      ],
      /schema profile aspnet-membership reads Membership rows with its own formats \(membership-clear, membership-sha1, membership-encrypted\); "membership-sha256" cannot be stored/,
    );
    assert.ok(salted);
    await refused(
      'aspnet-membership',
      [
        '--password-hash',
        salted.stored.hash,
        '--password-salt',
        salted.stored.salt ?? '',
        '--password-format',
        FIXED_SPEC,
      ],
      /keeps a salt only with its own Membership formats/,
    );
  });

  it('an unknown format name or option, and a salt or format with --password-stdin', async () => {
    await refused(
      COLUMN_JSON,
      ['--password-hash', 'abc', '--password-format', 'sha3'],
      /--password-format: unknown format "sha3"/,
    );
    await refused(
      COLUMN_JSON,
      ['--password-hash', 'abc', '--password-format', 'salted-md5;pepper=yes'],
      /format "salted-md5" has no option "pepper"/,
    );
    await refused(COLUMN_JSON, ['--password-stdin', '--password-salt', 'x'], /^usage: users add/);
  });

  it('--password-hash-stdin takes the hash from stdin (kept out of argv and ps) and stores it exactly as --password-hash does', async () => {
    const stack = await stackFor(COLUMN_JSON);
    const example = needsColumns.find((e) => e.format === 'membership-sha1');
    assert.ok(example);
    const email = 'hash-from-stdin@example.com';
    const args = importArgs(email, example.stored).filter((a) => a !== '--password-hash' && a !== example.stored.hash);
    assert.ok(!args.includes(example.stored.hash), 'the hash is not in argv');
    const added = await usersAdd(stack, COLUMN_JSON, [...args, '--password-hash-stdin'], `${example.stored.hash}\n`);
    assert.equal(added.code, 0, added.err);
    const userId = (JSON.parse(added.out) as { user_id: string }).user_id;
    assert.deepEqual((await stack.running.repository.findById(userId))?.password, example.stored);
    await assertRightInWrongOut(promiseClient(stack.client), email, example, userId);
  });

  it('refuses --password-hash-stdin with another password source, or with an empty stdin, storing nothing', async () => {
    await refused(COLUMN_JSON, ['--password-hash', 'abc', '--password-hash-stdin'], /^usage: users add/);
    await refused(COLUMN_JSON, ['--password-stdin', '--password-hash-stdin'], /^usage: users add/);
    await refused(COLUMN_JSON, ['--password-hash-stdin'], /the password hash is empty/);
  });

  it('still accepts what it accepted before: a self-describing hash with its plain format on the default profile', async () => {
    const stack = await stackFor('default');
    const bcrypt = examples.find((e) => e.format === 'bcrypt');
    assert.ok(bcrypt);
    const result = await usersAdd(stack, 'default', [
      '--email',
      'bcrypt@example.com',
      '--password-hash',
      bcrypt.stored.hash,
      '--password-format',
      'bcrypt',
    ]);
    assert.equal(result.code, 0, result.err);
    const rpc = promiseClient(stack.client);
    assert.ok((await rpc.authenticate({ login: 'bcrypt@example.com', password: bcrypt.password })).user);
  });

  it('imports into aspnet-membership with the configured algorithm and its salt, and the user logs in', async () => {
    assert.ok(sha1);
    const stack = await stackFor('aspnet-membership');
    const result = await usersAdd(stack, 'aspnet-membership', importArgs('member@example.com', sha1.stored));
    assert.equal(result.code, 0, result.err);
    const rpc = promiseClient(stack.client);
    assert.ok((await rpc.authenticate({ login: 'member@example.com', password: sha1.password })).user);
  });
});
