import assert from 'node:assert/strict';
import { testHasher } from './test-hasher';

// Made by pyca bcrypt 3.2.2 (python3-bcrypt): bcrypt.hashpw(b'a' * 72, b'$2b$04$' + salt).
const SALT = 'tRM7x9gGKhcAmpeqKEdhj.';

describe('bcrypt rules', () => {
  const { hasher, logger, kdfStarts } = testHasher();

  it('treats $2a$, $2b$ and $2y$ with the same salt and cost as one algorithm', async () => {
    // node bcrypt computes the $2b$ digest; the other prefixes must accept it unchanged.
    const digest = 'YowvJwRND8StvgEAMMxg/yWGwL82rIK';
    for (const variant of ['2a', '2b', '2y']) {
      const result = await hasher.verify('helloworld', { hash: `$${variant}$10$${SALT}${digest}` });
      assert.deepEqual([variant, result.match], [variant, true]);
    }
  });

  it("does not accept the reference file's $2y$ digest for helloworld, as no independent implementation does", async () => {
    const result = await hasher.verify('helloworld', { hash: `$2y$10$${SALT}qRWCr4qoV1FU9se0Crx2hkMVNL2ktEW` });
    assert.equal(result.match, false);
  });

  it('reads only the first 72 bytes of the UTF-8 password', async () => {
    const { hash } = await import('bcrypt');
    const stored = { hash: await hash('é'.repeat(36), `$2b$04$${SALT}`) }; // 72 bytes exactly
    assert.equal((await hasher.verify(`${'é'.repeat(36)}tail`, stored)).match, true);
    assert.equal((await hasher.verify('é'.repeat(35), stored)).match, false);
    assert.equal((await hasher.verify(`${'é'.repeat(35)}e`, stored)).match, false);
  });

  it('refuses $2x$ without computing anything, and says why', async () => {
    const before = kdfStarts();
    const result = await hasher.verify('helloworld', { hash: `$2x$10$${SALT}YowvJwRND8StvgEAMMxg/yWGwL82rIK` });
    assert.deepEqual(result, {
      match: false,
      format: 'bcrypt',
      needsRehash: false,
      unusable: 'the $2x$ variant is refused (crypt_blowfish bug mode)',
    });
    assert.equal(kdfStarts(), before);
    assert.match(JSON.stringify(logger.lines.at(-1)?.obj), /\$2x\$ variant is refused/);
  });

  for (const cost of ['03', '17', '31', '99']) {
    it(`refuses cost ${cost} without entering the KDF queue`, async () => {
      const before = kdfStarts();
      const result = await hasher.verify('x', { hash: `$2b$${cost}$${SALT}YowvJwRND8StvgEAMMxg/yWGwL82rIK` });
      assert.equal(result.match, false);
      assert.equal(kdfStarts(), before);
      assert.match(JSON.stringify(logger.lines.at(-1)?.obj), /cost \d+ is outside 4\.\.16/);
    });
  }

  it('refuses a digest whose unused low bits are set', async () => {
    // `K` → `L` changes only the two bits no bcrypt digest uses.
    const result = await hasher.verify('helloworld', { hash: `$2b$10$${SALT}YowvJwRND8StvgEAMMxg/yWGwL82rIL` });
    assert.equal(result.match, false);
    assert.match(JSON.stringify(logger.lines.at(-1)?.obj), /not canonically encoded/);
  });
});
