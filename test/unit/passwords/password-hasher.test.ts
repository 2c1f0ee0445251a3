import assert from 'node:assert/strict';
import { IdentityError } from '../../../src/domain/errors';
import type { StoredPassword } from '../../../src/domain/user';
import { loadPasswordVectors } from '../../support/password-vectors';
import { problemOf, storedFrom, TEST_COST, testHasher } from './test-hasher';

describe('PasswordHasher with the legacy formats', () => {
  const { vectors } = loadPasswordVectors();
  const vector = (name: string) => {
    const found = vectors.find((v) => v.name === name);
    assert.ok(found, name);
    return found;
  };

  describe('choosing the format', () => {
    const { hasher, logger } = testHasher();

    it('lets a known `format` decide where the shape is ambiguous (SHA256 vs HMACSHA256)', async () => {
      const sha256 = vector('membership sha256 #0');
      const stored = storedFrom(sha256, { withFormat: true });
      assert.deepEqual(await hasher.verify(sha256.password, stored), {
        match: true,
        format: 'membership-sha256',
        needsRehash: true,
      });
      // The same row without its format is taken for the Framework40 default, HMACSHA256, and fails.
      const detected = await hasher.verify(sha256.password, { ...stored, format: undefined });
      assert.deepEqual([detected.match, detected.format], [false, 'membership-hmacsha256']);
    });

    it("falls back to the hash's shape when `format` is a schema's own code", async () => {
      const bcrypt = vector('bcrypt $2b$ cost 4 #1');
      const result = await hasher.verify(bcrypt.password, { hash: bcrypt.hash, format: '1' });
      assert.deepEqual([result.match, result.format], [true, 'bcrypt']);
    });

    it('uses the named format even when the hash looks like another one', async () => {
      // A clear-text Membership password that happens to look like an MD5 digest.
      const stored = { hash: '5f4dcc3b5aa765d61d8327deb882cf99', format: 'membership-clear' };
      assert.deepEqual(await hasher.verify('5f4dcc3b5aa765d61d8327deb882cf99', stored), {
        match: true,
        format: 'membership-clear',
        needsRehash: true,
      });
      assert.equal((await hasher.verify('password', stored)).match, false);
      // Without the format it is read as the unsalted MD5 of "password".
      const detected = await hasher.verify('password', { hash: stored.hash });
      assert.deepEqual([detected.match, detected.format], [true, 'salted-md5']);
    });

    it('reads salted-digest options from the format spec', async () => {
      const suffix = vector('salted sha256 suffix utf16le');
      const stored = storedFrom(suffix, { withFormat: true });
      assert.equal(stored.format, 'salted-sha256;salt_position=suffix;encoding=utf16le');
      assert.equal((await hasher.verify(suffix.password, stored)).match, true);
      for (const format of ['salted-sha256', 'salted-sha256;salt_position=suffix', 'salted-sha256;encoding=utf16le']) {
        assert.equal((await hasher.verify(suffix.password, { ...stored, format })).match, false, format);
      }
    });

    it('refuses bad or foreign options with a warning', async () => {
      const cases: ReadonlyArray<readonly [StoredPassword, RegExp]> = [
        [{ hash: 'a'.repeat(40), format: 'salted-sha1;salt_position=middle' }, /salt_position is not prefix or suffix/],
        [{ hash: 'a'.repeat(40), format: 'salted-sha1;encoding=latin1' }, /encoding is not utf8 or utf16le/],
        [{ hash: vector('bcrypt $2b$ cost 4 #1').hash, format: 'bcrypt;encoding=utf16le' }, /unsupported option/],
      ];
      for (const [stored, problem] of cases) {
        const logged = logger.lines.length;
        const result = await hasher.verify('password', stored);
        assert.equal(result.match, false);
        const [line] = logger.lines.slice(logged);
        assert.match(problemOf(line), problem);
      }
    });

    it('reports a value in no format as `unknown`, with a warning', async () => {
      const logged = logger.lines.length;
      assert.deepEqual(await hasher.verify('pw', { hash: 'not a hash at all' }), {
        match: false,
        format: 'unknown',
        needsRehash: false,
      });
      assert.deepEqual(logger.lines.slice(logged)[0]?.obj, { event: 'password_format_unknown' });
    });

    it('refuses Membership PasswordFormat 2 (encrypted) with a warning that says so', async () => {
      const logged = logger.lines.length;
      const result = await hasher.verify('password', {
        hash: 'q5pYQ2vu0m7ZtYVXgcIHNoFHQVcAEYjrv+f7L9sbm+I=',
        salt: 'kDP0Py2QwEdJYtUX9cJABg==',
        format: 'membership-encrypted',
      });
      assert.deepEqual([result.match, result.format, result.needsRehash], [false, 'membership-encrypted', false]);
      assert.match(result.unusable ?? '', /not supported without MEMBERSHIP_DECRYPTION_KEY/);
      const [line] = logger.lines.slice(logged);
      assert.equal(line?.level, 'warn');
      assert.match(problemOf(line), /PasswordFormat 2 .* not supported/);
    });
  });

  describe('needsRehash', () => {
    it('is true after every legacy match and false after every mismatch', async () => {
      const { hasher } = testHasher();
      for (const v of vectors.filter((x) => x.format !== 'scrypt')) {
        const stored = storedFrom(v, { withFormat: true });
        assert.equal((await hasher.verify(v.password, stored)).needsRehash, true, v.name);
      }
    });

    it('is true for scrypt below the current cost and false at it', async () => {
      const low = vector('scrypt logN 10 r 8 p 1');
      const atCost = testHasher({ cost: TEST_COST }).hasher;
      const above = testHasher({ cost: { ...TEST_COST, logN: 11 } }).hasher;
      assert.equal((await atCost.verify(low.password, { hash: low.hash })).needsRehash, false);
      assert.equal((await above.verify(low.password, { hash: low.hash })).needsRehash, true);
    });
  });

  describe('the KDF queue', () => {
    it('runs every slow legacy format through it', async () => {
      const { hasher, kdfStarts } = testHasher();
      const slow = [
        'bcrypt',
        'wordpress-bcrypt',
        'phpass',
        'drupal7',
        'drupal7-md5-prehashed',
        'argon2id',
        'argon2i',
        'argon2d',
        'django-pbkdf2-sha256',
        'django-pbkdf2-sha1',
      ];
      const identity = ['aspnet-identity-v2', 'aspnet-identity-v3'];
      for (const format of [...slow, ...identity]) {
        const v = vectors.find((x) => x.format === format);
        assert.ok(v, format);
        const before = kdfStarts();
        await hasher.verify(v.password, storedFrom(v, { withFormat: true }));
        assert.equal(kdfStarts(), before + 1, format);
      }
    });

    it('passes overload through as resource_exhausted, not as a wrong password', async () => {
      const { hasher } = testHasher({ concurrency: 1, queueLimit: 0 });
      const argon = vector('argon2id v=19 m=4096 t=2 p=2 salt 16 hash 32');
      const bcrypt = vector('bcrypt $2a$ cost 6 #3');
      const first = hasher.verify(argon.password, { hash: argon.hash });
      await assert.rejects(
        hasher.verify(bcrypt.password, { hash: bcrypt.hash }),
        (error: unknown) => error instanceof IdentityError && error.code === 'resource_exhausted',
      );
      assert.equal((await first).match, true);
    });
  });
});
