import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import Scrypt from 'scrypt-kdf';
import { hashVerifyCommand } from '../../../src/commands/hash';
import { runHashVerify } from '../../../src/commands/hash-verify';
import { commandCapture } from '../../support/command-capture';
import { loadPasswordVectors } from '../../support/password-vectors';
import { TEST_SCRYPT_ENV } from '../../support/stack';
import { testHasher } from './test-hasher';

describe('hash verify', () => {
  const { hasher, logger } = testHasher();
  const membership = { password: 'password', hash: 'OJF6H4KdxFLgLu+oTDNFodCEfMA=', salt: 'kDP0Py2QwEdJYtUX9cJABg==' };

  it('prints the match and the detected format, exit 0', async () => {
    assert.deepEqual(await runHashVerify(JSON.stringify(membership), hasher), {
      exitCode: 0,
      output: '{"match":true,"format":"membership-sha1"}',
    });
  });

  it('exits 1 on a wrong password', async () => {
    assert.deepEqual(await runHashVerify(JSON.stringify({ ...membership, password: 'Password' }), hasher), {
      exitCode: 1,
      output: '{"match":false,"format":"membership-sha1"}',
    });
  });

  it('lets `format` decide, and refuses what that format cannot read', async () => {
    const asHmac = { ...membership, format: 'membership-hmacsha1' };
    assert.deepEqual(await runHashVerify(JSON.stringify(asHmac), hasher), {
      exitCode: 1,
      output: '{"match":false,"format":"membership-hmacsha1"}',
    });
  });

  it('takes salt_position and encoding for the salted formats', async () => {
    const input = {
      password: 'password',
      hash: 'E8F97FBA9104D1EA5047948E6DFB67FACD9F5B73',
      format: 'salted-sha1',
      salt_position: 'suffix',
      encoding: 'utf16le',
    };
    assert.deepEqual(await runHashVerify(JSON.stringify(input), hasher), {
      exitCode: 0,
      output: '{"match":true,"format":"salted-sha1"}',
    });
    assert.equal((await runHashVerify(JSON.stringify({ ...input, encoding: 'utf8' }), hasher)).exitCode, 1);
  });

  it('exits 2 for a stored hash its format cannot use, naming the problem, and the hasher logs why', async () => {
    const logged = logger.lines.length;
    const hash = '$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
    const outcome = await runHashVerify(JSON.stringify({ password: 'pw', hash }), hasher);
    assert.equal(outcome.exitCode, 2);
    const { error, format } = JSON.parse(outcome.output) as { error: string; format: string };
    assert.equal(format, 'bcrypt');
    assert.match(error, /^the stored hash is unusable: .*cost 31 is outside/);
    assert.ok(!outcome.output.includes(hash.slice(7)), 'hash echoed');
    assert.match(JSON.stringify(logger.lines.slice(logged)), /cost 31 is outside/);
  });

  // Distinctive values, so the test can tell that no error message repeats them.
  const base = { password: 'S3cret-Value', hash: 'OJF6H4KdxFLgLu+oTDNFodCEfMA=', salt: 'kDP0Py2QwEdJYtUX9cJABg==' };
  const SECRETS = [base.password, base.hash, base.salt, 'hunter2'];
  const UNUSABLE: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['bad JSON', `{"password": "${base.password}", "hash": `, /not JSON/],
    ['an array', JSON.stringify([base.password, base.hash]), /not a JSON object/],
    ['null', 'null', /not a JSON object/],
    ['an unknown field', JSON.stringify({ ...base, pepper: 'x' }), /unknown field/],
    ['a number password', JSON.stringify({ ...base, password: 12345678 }), /"password" is not a string/],
    ['a null salt', JSON.stringify({ ...base, salt: null }), /"salt" is not a string/],
    ['a missing hash', JSON.stringify({ password: base.password }), /"hash" is missing/],
    ['a missing password', JSON.stringify({ hash: base.hash }), /"password" is missing/],
    ['an unknown format', JSON.stringify({ ...base, format: 'md4' }), /unknown format/],
    ['a format spec in "format"', JSON.stringify({ ...base, format: 'salted-sha1;encoding=utf8' }), /unknown/],
    ['salt_position for bcrypt', JSON.stringify({ ...base, format: 'bcrypt', salt_position: 'prefix' }), /only/],
    ['encoding without a format', JSON.stringify({ ...base, encoding: 'utf8' }), /need a salted/],
    ['a bad salt_position', JSON.stringify({ ...base, format: 'salted-md5', salt_position: 'both' }), /prefix/],
    ['a bad encoding', JSON.stringify({ ...base, format: 'salted-md5', encoding: 'latin1' }), /utf16le/],
    ['a hash in no recognisable format', JSON.stringify({ password: 'pw', hash: 'hunter2' }), /give "format"/],
  ];

  for (const [title, input, message] of UNUSABLE) {
    it(`exits 2 on ${title}, without echoing the input`, async () => {
      const outcome = await runHashVerify(input, hasher);
      assert.equal(outcome.exitCode, 2);
      const { error } = JSON.parse(outcome.output) as { error: string };
      assert.match(error, message);
      for (const secret of SECRETS) assert.ok(!outcome.output.includes(secret), 'input echoed');
    });
  }
});

/** The command as `legacy-identity hash verify` runs it: its own config, hasher and KDF queue, not a test double. */
describe('hash verify (the command wiring)', function () {
  this.timeout(60_000);
  const env = { STORE_URL: 'sqlite::memory:', ...TEST_SCRYPT_ENV };
  const { vectors } = loadPasswordVectors();
  const oneOfEach = [...new Map(vectors.map((v) => [v.format, v])).values()];

  it('covers more than a dozen formats', () => {
    assert.ok(oneOfEach.length > 12, String(oneOfEach.length));
  });

  for (const v of oneOfEach) {
    it(`${v.format}: the right password exits 0, a wrong one 1`, async () => {
      const input = {
        password: v.password,
        hash: v.hash,
        ...(v.salt === undefined ? {} : { salt: v.salt }),
        ...(v.detect ? {} : { format: v.format }),
        ...(v.salt_position === undefined ? {} : { salt_position: v.salt_position }),
        ...(v.encoding === undefined ? {} : { encoding: v.encoding }),
      };
      for (const [password, exit, match] of [
        [v.password, 0, true],
        [`${v.password}x`, 1, false],
      ] as const) {
        const { io, out, err } = commandCapture(env, JSON.stringify({ ...input, password }));
        assert.equal(await hashVerifyCommand(io), exit, `${out.join('')} ${err.join('')}`);
        assert.deepEqual(JSON.parse(out.join('')), { match, format: v.format });
      }
    });
  }

  /** A Tarsnap scrypt hash whose header asks for logN 20 r 8 p 1: 1 GiB, over the default KDF_MAX_MEMORY. */
  async function scryptNeedingOneGiB(): Promise<string> {
    const key = Buffer.from(await Scrypt.kdf('S3cret-Value', { logN: 10, r: 8, p: 1 }));
    key[7] = 20;
    // A valid header checksum, so only the cost makes it unusable.
    createHash('sha256').update(key.subarray(0, 48)).digest().copy(key, 48, 0, 16);
    return key.toString('base64');
  }

  const UNUSABLE_STORED: ReadonlyArray<readonly [string, () => Promise<string>, string, RegExp]> = [
    [
      'bcrypt at cost 31',
      async () => '$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
      'bcrypt',
      /cost 31 is outside/,
    ],
    ['scrypt needing 1 GiB', scryptNeedingOneGiB, 'scrypt', /1 GiB of memory, above KDF_MAX_MEMORY/],
  ];

  for (const [title, makeHash, format, problem] of UNUSABLE_STORED) {
    it(`${title}: exit 2 naming the problem (not "mismatch"), neither password nor hash repeated`, async () => {
      const hash = await makeHash();
      const { io, out, err } = commandCapture(env, JSON.stringify({ password: 'S3cret-Value', hash }));
      assert.equal(await hashVerifyCommand(io), 2, `${out.join('')} ${err.join('')}`);
      const printed = JSON.parse(out.join('')) as { error: string; format: string; match?: boolean };
      assert.equal(printed.format, format);
      assert.equal(printed.match, undefined);
      assert.match(printed.error, /^the stored hash is unusable: /);
      assert.match(printed.error, problem);
      const all = [...out, ...err].join('\n');
      assert.ok(!all.includes('S3cret-Value') && !all.includes(hash.slice(10, 40)), all);
    });
  }
});
