import assert from 'node:assert/strict';
import { runHashVerify } from '../../../src/commands/hash-verify';
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

  it('exits 1 for a stored hash its format cannot use, and the hasher logs why', async () => {
    const logged = logger.lines.length;
    const input = { password: 'pw', hash: '$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' };
    assert.deepEqual(await runHashVerify(JSON.stringify(input), hasher), {
      exitCode: 1,
      output: '{"match":false,"format":"bcrypt"}',
    });
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
