import assert from 'node:assert/strict';
import type { StoredPassword } from '../../../src/domain/user';
import { testHasher } from './test-hasher';

/**
 * Hashes published by the projects that write these formats, or by other implementations' test suites,
 * for the formats added after password-formats.md: none of them was made with this adapter's code.
 */
interface PublishedVector {
  readonly title: string;
  readonly source: string;
  readonly password: string;
  readonly stored: StoredPassword;
  readonly format: string;
}

const PUBLISHED: readonly PublishedVector[] = [
  {
    title: 'Drupal $S$ 2^7, "valid password"',
    source: 'drupal/drupal core/modules/phpass/tests/src/Unit/PasswordVerifyTest.php (testPasswordCheckSupported)',
    password: 'valid password',
    stored: { hash: '$S$5TOxWPdvJRs0P/xZBdrrPlGgzViOS0drHu3jaIjitesfttrp18bk' },
    format: 'drupal7',
  },
  {
    title: 'Drupal U$S$ (a password migrated from Drupal 6), "valid password"',
    source: 'drupal/drupal core/modules/phpass/tests/src/Unit/PasswordVerifyTest.php (testPasswordCheckSupported)',
    password: 'valid password',
    stored: { hash: 'U$S$5vNHDQyLqCTvsYBLWBUWXJWhA0m3DTpBh04acFEOGB.bKBclhKgo' },
    format: 'drupal7-md5-prehashed',
  },
  {
    title: 'Drupal $S$ 2^15, "password1234"',
    source: 'bwalding/ruby-drupal-hash README',
    password: 'password1234',
    stored: { hash: '$S$DeIZ1KTE.VzRvudZ5.xgOakipuMFrVyPmRdWTjAdYieWj27NMglI' },
    format: 'drupal7',
  },
  {
    // Also checked here with PHP 8.2: password_verify(base64_encode(hash_hmac('sha384', …, 'wp-sha384', true)), …).
    title: 'WordPress $wp$2y$12$, "grimoire-test-123"',
    source: "a migration project's golden vector, stated to be checked against a live wp_check_password",
    password: 'grimoire-test-123',
    stored: { hash: '$wp$2y$12$iWN5xRwDE7i9R5jVJvCyqOxS1CNnwUggQaF8O2W9Bg8TuXQz.ngrS' },
    format: 'wordpress-bcrypt',
  },
  {
    title: 'WordPress $wp$2y$10$, "BigBike@2026"',
    source: "a Java service's unit test, generated with PHP password_hash over WordPress's pre-hash",
    password: 'BigBike@2026',
    stored: { hash: '$wp$2y$10$qeleDSuDaeZO5fBsEqFReeWdlqaDnBDBzB16hFgsFnhN9qFBIihvm' },
    format: 'wordpress-bcrypt',
  },
  {
    title: 'argon2d v=19 m=65536 t=4 p=4, "apple123"',
    source: "passlib's output, as a Go crypt library's decode tests list it",
    password: 'apple123',
    stored: {
      hash: '$argon2d$v=19$m=65536,t=4,p=4$PUfIWctZa611rpXSOicEAA$eUtgGpyO1+ylLPGhN8gvRXBXF+Zd97kQIZA7OgX4VIM',
    },
    format: 'argon2d',
  },
];

describe('published vectors of the WordPress, Drupal and argon2d formats', () => {
  const { hasher, logger } = testHasher();

  for (const vector of PUBLISHED) {
    describe(`${vector.title} (${vector.source})`, () => {
      it(`accepts the right password as ${vector.format}, recognised by shape`, async () => {
        assert.deepEqual(await hasher.verify(vector.password, vector.stored), {
          match: true,
          format: vector.format,
          needsRehash: true,
        });
      });

      it('refuses a wrong password', async () => {
        const result = await hasher.verify(`${vector.password}x`, vector.stored);
        assert.deepEqual([result.match, result.format], [false, vector.format]);
      });
    });
  }

  it('logged nothing: none of these hashes is malformed', () => {
    assert.deepEqual(logger.lines, []);
  });
});
