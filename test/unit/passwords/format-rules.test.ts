import assert from 'node:assert/strict';
import { loadPasswordVectors } from '../../support/password-vectors';
import { problemOf, testHasher } from './test-hasher';

/** Format-specific rules beyond the vectors: layouts refused, variants accepted, scheduling. */
describe('format rules', () => {
  const { vectors } = loadPasswordVectors();
  const { hasher, logger } = testHasher();
  const vector = (name: string) => {
    const found = vectors.find((v) => v.name === name);
    assert.ok(found, name);
    return found;
  };
  const lastProblem = () => problemOf(logger.lines.at(-1));

  describe('argon2', () => {
    it('reads a PHC string without `v=` as version 1.0 (0x10)', async () => {
      const v16 = vector('argon2i v=16 m=2048 t=1 p=1 salt 16 hash 32');
      const stored = { hash: v16.hash.replace('$v=16$', '$') };
      assert.notEqual(stored.hash, v16.hash);
      assert.deepEqual(await hasher.verify(v16.password, stored), {
        match: true,
        format: 'argon2i',
        needsRehash: true,
      });
    });

    it('refuses an unknown version and a tag under 16 bytes', async () => {
      const v = vector('argon2id v=19 m=1024 t=1 p=1 salt 16 hash 32');
      assert.equal((await hasher.verify(v.password, { hash: v.hash.replace('v=19', 'v=20') })).match, false);
      assert.match(lastProblem(), /unknown version/);
      const short = v.hash.replace(/\$[^$]+$/, '$AAAAAAAAAAAAAAAAAAAA'); // 15 bytes
      assert.equal((await hasher.verify(v.password, { hash: short })).match, false);
      assert.match(lastProblem(), /hash is not 16 to 1024 bytes/);
    });

    it('does not take argon2d or an argon2i string for argon2id', async () => {
      const v = vector('argon2id v=19 m=1024 t=1 p=1 salt 16 hash 32');
      assert.equal(
        (await hasher.verify(v.password, { hash: v.hash.replace('argon2id', 'argon2d') })).format,
        'unknown',
      );
      const asI = await hasher.verify(v.password, { hash: v.hash.replace('argon2id', 'argon2i') });
      assert.deepEqual([asI.match, asI.format], [false, 'argon2i']);
    });
  });

  describe('ASP.NET Identity', () => {
    it('refuses a v3 salt under 16 bytes, as Identity does', async () => {
      const header = Buffer.from([1, 0, 0, 0, 1, 0, 0, 0x27, 0x10, 0, 0, 0, 8]);
      const hash = Buffer.concat([header, Buffer.alloc(8, 1), Buffer.alloc(32, 2)]).toString('base64');
      assert.equal((await hasher.verify('my password', { hash })).match, false);
      assert.match(lastProblem(), /salt shorter than 16 bytes/);
    });

    it('refuses a salt length pointing past the end of the hash', async () => {
      const header = Buffer.from([1, 0, 0, 0, 1, 0, 0, 0x27, 0x10, 0xff, 0xff, 0xff, 0xff]);
      const hash = Buffer.concat([header, Buffer.alloc(48, 1)]).toString('base64');
      assert.equal((await hasher.verify('my password', { hash })).match, false);
      assert.match(lastProblem(), /subkey shorter than 16 bytes/);
    });

    it('does not take a row with a salt column for Identity', async () => {
      const v = vector('aspnet identity v2 #0');
      const result = await hasher.verify(v.password, { hash: v.hash, salt: 'c2FsdA==' });
      assert.notEqual(result.format, 'aspnet-identity-v2');
    });
  });

  describe('Django', () => {
    it('refuses a key that is not one digest long', async () => {
      const v = vector('django pbkdf2_sha1 1000 #0');
      const sha256Length = v.hash.replace(/[^$]+$/, Buffer.alloc(32).toString('base64'));
      assert.equal((await hasher.verify(v.password, { hash: sha256Length })).match, false);
      assert.match(lastProblem(), /not 20 bytes of base64/);
    });
  });

  describe('PHPass', () => {
    it('yields to the event loop between slices of MD5 rounds', async () => {
      const v = vector('phpass $P$ 2^13 #3'); // 8192 rounds: two slices
      // Were the rounds computed in one go, the verification would settle in microtasks, before any
      // immediate callback; a yield lets the one queued here run first.
      let ranDuring = false;
      setImmediate(() => {
        ranDuring = true;
      });
      const verifying = hasher.verify(v.password, { hash: v.hash });
      const result = await verifying;
      assert.equal(result.match, true);
      assert.equal(ranDuring, true, 'the event loop ran during the verification');
    });
  });

  describe('Membership clear text', () => {
    it('compares the exact text, Unicode included, without normalisation', async () => {
      const stored = { hash: 'Cafe\u0301 \u{1f511}', format: 'membership-clear' }; // e + combining acute
      assert.equal((await hasher.verify('Cafe\u0301 \u{1f511}', stored)).match, true);
      assert.equal((await hasher.verify('Caf\u00e9 \u{1f511}', stored)).match, false, 'precomposed é is another text');
    });
  });
});

describe('argon2 PHC parameter order', () => {
  // Made with the `argon2` npm package 0.45 (`argon2.hash('password', { memoryCost: 19456, timeCost: 2,
  // parallelism: 1 })`), which writes its parameters as m, p, t.
  const NODE_ARGON2 =
    '$argon2id$v=19$m=19456,p=1,t=2$efnE/4megx/AumnGvu5ijw$JteFVK2eQNVPrdT4F8RjDPgfFJeUGsFitRZS/Cqz/cE';

  it('verifies a hash whose parameters are written m, p, t', async () => {
    const { hasher } = testHasher();
    assert.equal((await hasher.verify('password', { hash: NODE_ARGON2 })).match, true);
    assert.equal((await hasher.verify('Password', { hash: NODE_ARGON2 })).match, false);
  });

  it('refuses a parameter list with a repeated or missing parameter', async () => {
    const { hasher } = testHasher();
    for (const hash of [NODE_ARGON2.replace('p=1,t=2', 'p=1,p=2'), NODE_ARGON2.replace('p=1,t=2', 't=2,t=2')]) {
      assert.equal((await hasher.verify('password', { hash })).match, false);
    }
  });
});
