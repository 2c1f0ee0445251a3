import assert from 'node:assert/strict';
import { runHashVerify } from '../../../src/commands/hash-verify';
import { loadPasswordVectors } from '../../support/password-vectors';
import { storedFrom, testHasher } from './test-hasher';

/**
 * Hashes made by independent tools (test/fixtures/make-password-vectors.py: Python hashlib/hmac,
 * pyca bcrypt, argon2-cffi, passlib, openssl dgst, the argon2 reference CLI, and PHP running WordPress's
 * and Drupal's own hashing code), checked through the hasher and through `hash verify`.
 */
describe('independently generated password vectors', () => {
  const { vectors, login_examples } = loadPasswordVectors();
  const { hasher, logger } = testHasher();

  it('cover every format name of issue 5 and the later WordPress, Drupal, argon2d and Membership MD5 ones', () => {
    const expected = [
      'scrypt',
      'bcrypt',
      'wordpress-bcrypt',
      'phpass',
      'drupal7',
      'drupal7-md5-prehashed',
      'django-pbkdf2-sha256',
      'django-pbkdf2-sha1',
      'argon2id',
      'argon2i',
      'argon2d',
      'aspnet-identity-v2',
      'aspnet-identity-v3',
      'membership-clear',
      'membership-sha1',
      'membership-sha256',
      'membership-sha384',
      'membership-sha512',
      'membership-hmacsha1',
      'membership-hmacsha256',
      'membership-hmacsha384',
      'membership-hmacsha512',
      'membership-md5',
      'salted-md5',
      'salted-sha1',
      'salted-sha256',
      'salted-sha512',
    ];
    assert.deepEqual(new Set(vectors.map((v) => v.format)), new Set(expected));
    assert.deepEqual(new Set(login_examples.map((e) => e.format)), new Set(expected));
    assert.deepEqual(
      new Set(hasher.formats.map((f) => f.name)),
      new Set([...expected, 'membership-encrypted']),
      'the hasher knows exactly these formats',
    );
  });

  for (const vector of vectors) {
    describe(`${vector.name} (${vector.tool})`, () => {
      it('matches the right password with its format given, logging nothing', async () => {
        const logged = logger.lines.length;
        const result = await hasher.verify(vector.password, storedFrom(vector, { withFormat: true }));
        assert.deepEqual(result, { match: true, format: vector.format, needsRehash: vector.format !== 'scrypt' });
        assert.deepEqual(logger.lines.slice(logged), []);
      });

      it('refuses a wrong password', async () => {
        const result = await hasher.verify(`!${vector.password}`, storedFrom(vector, { withFormat: true }));
        assert.deepEqual(result, { match: false, format: vector.format, needsRehash: false });
      });

      if (vector.detect) {
        it(`is recognised as ${vector.format} without a format`, async () => {
          const result = await hasher.verify(vector.password, storedFrom(vector, { withFormat: false }));
          assert.deepEqual([result.match, result.format], [true, vector.format]);
        });
      } else {
        it('does not match when its format is left to detection', async () => {
          const result = await hasher.verify(vector.password, storedFrom(vector, { withFormat: false }));
          assert.equal(result.match, false);
        });
      }

      for (const other of vector.also_match ?? []) {
        it(`also matches ${other.length} characters sharing its first 72 bytes`, async () => {
          const result = await hasher.verify(other, storedFrom(vector, { withFormat: true }));
          assert.equal(result.match, true);
        });
      }

      it('agrees through `hash verify`', async () => {
        const { name: _name, tool: _tool, detect: _detect, also_match: _also, ...fields } = vector;
        const outcome = await runHashVerify(JSON.stringify(fields), hasher);
        assert.deepEqual(outcome, { exitCode: 0, output: JSON.stringify({ match: true, format: vector.format }) });
        const wrong = await runHashVerify(JSON.stringify({ ...fields, password: `?${vector.password}` }), hasher);
        assert.deepEqual(wrong, { exitCode: 1, output: JSON.stringify({ match: false, format: vector.format }) });
      });
    });
  }

  describe('login examples (one stored row per format, for end-to-end tests)', () => {
    for (const example of login_examples) {
      it(`${example.format}: the stored row verifies the password and refuses the wrong one`, async () => {
        assert.equal((await hasher.verify(example.password, example.stored)).match, true);
        assert.equal((await hasher.verify(example.wrong_password, example.stored)).match, false);
      });
    }
  });
});
