import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
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

    it('keeps the three variants apart: an argon2id tag relabelled argon2d or argon2i matches neither', async () => {
      const v = vector('argon2id v=19 m=1024 t=1 p=1 salt 16 hash 32');
      for (const kind of ['argon2d', 'argon2i']) {
        const result = await hasher.verify(v.password, { hash: v.hash.replace('argon2id', kind) });
        assert.deepEqual([result.match, result.format], [false, kind]);
      }
      const d = vector('argon2d v=19 m=1024 t=1 p=1 salt 16 hash 32');
      const asId = await hasher.verify(d.password, { hash: d.hash.replace('argon2d', 'argon2id') });
      assert.deepEqual([asId.match, asId.format], [false, 'argon2id']);
    });

    it('refuses an argon2d string whose format names another variant', async () => {
      const d = vector('argon2d v=19 m=1024 t=1 p=1 salt 16 hash 32');
      assert.equal((await hasher.verify(d.password, { hash: d.hash, format: 'argon2id' })).match, false);
      assert.match(lastProblem(), /not a PHC string \$argon2id\$/);
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

  describe('WordPress $wp$', () => {
    it("keeps every byte of a long password: unlike bcrypt's 72-byte cut, the 73rd byte on still counts", async () => {
      const v = vector("wordpress-bcrypt cost 4 long password (past bcrypt's 72 bytes)");
      assert.equal((await hasher.verify(v.password, { hash: v.hash })).match, true);
      assert.equal((await hasher.verify(`${'a'.repeat(72)}tall`, { hash: v.hash })).match, false);
      assert.equal((await hasher.verify('a'.repeat(72), { hash: v.hash })).match, false);
    });

    it('trims the password as WordPress sign-in does (wp_authenticate), so padding typed there works here too', async () => {
      const v = vector('wordpress-bcrypt cost 4 hashed from a padded password');
      assert.equal(v.password, 'padded password', 'wp_hash_password trimmed " padded password\\t"');
      for (const typed of [v.password, ' padded password\t', '\r\n padded password \0\x0B']) {
        assert.equal((await hasher.verify(typed, { hash: v.hash })).match, true, JSON.stringify(typed));
      }
      for (const typed of ['padded\u00a0password', '\u00a0padded password', 'padded  password']) {
        assert.equal((await hasher.verify(typed, { hash: v.hash })).match, false, JSON.stringify(typed));
      }
    });

    it('is not plain bcrypt: the bcrypt string alone, or a plain bcrypt string behind $wp, does not verify', async () => {
      const wp = vector('wordpress-bcrypt cost 4 #0');
      const bare = await hasher.verify(wp.password, { hash: wp.hash.slice(3) });
      assert.deepEqual([bare.match, bare.format], [false, 'bcrypt']);
      const plain = vector('bcrypt $2b$ cost 4 #1');
      const prefixed = await hasher.verify(plain.password, { hash: `$wp${plain.hash}` });
      assert.deepEqual([prefixed.match, prefixed.format], [false, 'wordpress-bcrypt']);
    });

    it('refuses $wp$2x$ and a $wp without a bcrypt string, naming the problem', async () => {
      const wp = vector('wordpress-bcrypt cost 4 #0');
      assert.equal((await hasher.verify(wp.password, { hash: wp.hash.replace('$2y$', '$2x$') })).match, false);
      assert.match(lastProblem(), /\$2x\$ variant is refused/);
      assert.equal((await hasher.verify(wp.password, { hash: '$wp$', format: 'wordpress-bcrypt' })).match, false);
      assert.match(lastProblem(), /not a 60-character \$2\?\$NN\$ bcrypt hash/);
      assert.equal(
        (await hasher.verify(wp.password, { hash: wp.hash.slice(3), format: 'wordpress-bcrypt' })).match,
        false,
      );
      assert.match(lastProblem(), /does not start with \$wp\$/);
    });

    it('never matches a password over 4096 bytes (wp_check_password refuses them), without running bcrypt', async () => {
      const { hasher, kdfStarts, logger } = testHasher();
      const wp = vector('wordpress-bcrypt cost 4 #0');
      const result = await hasher.verify('x'.repeat(4097), { hash: wp.hash });
      assert.deepEqual(result, { match: false, format: 'wordpress-bcrypt', needsRehash: false });
      assert.equal(kdfStarts(), 0);
      assert.deepEqual(logger.lines, [], 'a long password is not a malformed hash');
    });
  });

  describe('Drupal 7', () => {
    it('hashes a 512-byte password and never matches a longer one (Drupal refuses to hash it), without work', async () => {
      const { hasher, kdfStarts } = testHasher();
      const v = vector('drupal7 $S$ 2^9 512-byte password');
      assert.equal((await hasher.verify(v.password, { hash: v.hash })).match, true);
      const before = kdfStarts();
      assert.equal((await hasher.verify(`${v.password}x`, { hash: v.hash })).match, false);
      assert.equal(kdfStarts(), before, 'no SHA-512 rounds for a 513-byte password');
    });

    it('checks a U$ hash against the MD5 hex of the password, as user_check_password does', async () => {
      const v = vector('drupal7-md5-prehashed U$S$ 2^11 #0');
      const inner = { hash: v.hash.slice(1) };
      const md5Hex = createHash('md5').update(v.password, 'utf8').digest('hex');
      assert.deepEqual(
        [(await hasher.verify(md5Hex, inner)).match, (await hasher.verify(v.password, inner)).match],
        [true, false],
        'without the U, the stored $S$ is a hash of the MD5 hex',
      );
      assert.equal((await hasher.verify(md5Hex, { hash: v.hash })).match, false, 'the MD5 hex is not the password');
    });

    it('refuses a $S$ of another length, and a U$ of another kind, naming the problem', async () => {
      const v = vector('drupal7 $S$ 2^7 #0');
      assert.equal((await hasher.verify(v.password, { hash: `${v.hash}AAAA` })).match, false);
      assert.match(lastProblem(), /not a 55-character \$S\$ hash/);
      const phpass = vector('phpass $P$ 2^7 #0');
      const asDrupal = await hasher.verify(phpass.password, { hash: phpass.hash, format: 'drupal7' });
      assert.deepEqual(
        [asDrupal.match, asDrupal.format],
        [true, 'drupal7'],
        'Drupal checks an imported $P$ like phpass',
      );
      const u = vector('drupal7-md5-prehashed U$S$ 2^7 #1');
      const other = { hash: u.hash.replace('U$S$', 'U$2y$'), format: 'drupal7-md5-prehashed' };
      assert.equal((await hasher.verify(u.password, other)).match, false);
      assert.match(lastProblem(), /not U followed by a 55-character \$S\$ or a 34-character \$P\$\/\$H\$ hash/);
      assert.equal((await hasher.verify(u.password, { hash: u.hash.replace('U$S$', 'U$2y$') })).format, 'unknown');
    });

    it('yields to the event loop between slices of SHA-512 rounds', async () => {
      const v = vector('drupal7 $S$ 2^15 #3'); // 32 768 rounds: eight slices
      let ranDuring = false;
      setImmediate(() => {
        ranDuring = true;
      });
      assert.equal((await hasher.verify(v.password, { hash: v.hash })).match, true);
      assert.equal(ranDuring, true, 'the event loop ran during the verification');
    });
  });

  describe('Membership MD5', () => {
    it('verifies only when the format names it: 16 bytes of base64 and a salt are also a salted MD5', async () => {
      const v = vector('membership md5 #0 (16-byte salt)');
      assert.equal((await hasher.verify(v.password, { hash: v.hash, salt: v.salt ?? '' })).match, false);
      const named = await hasher.verify(v.password, { hash: v.hash, salt: v.salt ?? '', format: 'membership-md5' });
      assert.deepEqual(named, { match: true, format: 'membership-md5', needsRehash: true });
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
