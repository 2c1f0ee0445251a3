import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadPasswordVectors } from '../../support/password-vectors';
import { problemOf, testHasher } from './test-hasher';

/** Prefixes that send a value to each format's parser, so garbage after them exercises that parser. */
const PREFIXES = [
  'c2NyeXB0',
  '$2a$',
  '$2b$10$',
  '$2y$04$',
  '$2x$',
  '$P$',
  '$H$9',
  '$wp$',
  '$wp$2y$04$',
  '$S$',
  '$S$5',
  'U$S$',
  'U$P$7',
  '$argon2id$',
  '$argon2i$v=19$m=1024,t=1,p=1$',
  '$argon2d$v=19$m=1024,t=1,p=1$',
  'pbkdf2_sha256$',
  'pbkdf2_sha1$1000$',
  'AQAAAA',
  'AA',
  '0x',
  '',
];

describe('malformed stored hashes', () => {
  const { hasher, logger } = testHasher();
  const { login_examples } = loadPasswordVectors();
  const formatNames = hasher.formats.map((f) => f.name);

  it('random values with every format prefix, salt and format name never throw out of verify', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PREFIXES),
        fc.string({ maxLength: 120, unit: 'binary' }),
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        fc.option(
          fc.oneof(fc.constantFrom(...formatNames), fc.string({ maxLength: 30 }), fc.constant('salted-sha1;x=y')),
          { nil: undefined },
        ),
        async (prefix, rest, salt, format) => {
          const stored = { hash: prefix + rest, salt, format };
          const result = await hasher.verify('correct horse battery staple', stored);
          assert.equal(result.match, false);
          assert.equal(result.needsRehash, false);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('every truncation of a valid hash of each format is a non-match, never an exception', async () => {
    for (const example of login_examples) {
      for (let length = 0; length < example.stored.hash.length; length++) {
        const stored = { ...example.stored, hash: example.stored.hash.slice(0, length) };
        const result = await hasher.verify(example.password, stored);
        // Identity v3 derives as many bytes as the stored subkey has, and PBKDF2's output for a shorter
        // key is a prefix of the longer one: a cut at a base64 group that leaves ≥ 16 subkey bytes is
        // still a valid v3 hash (ASP.NET accepts it too). Nothing else may survive a cut.
        const validV3Prefix = example.format === 'aspnet-identity-v3' && length % 4 === 0 && length >= 60;
        assert.equal(result.match, validV3Prefix, `${example.format} cut to ${length}`);
      }
    }
  });

  it('single-character corruptions of a valid hash never match and never throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...login_examples),
        fc.nat(),
        fc.constantFrom(...'$=+/.0aZ\u0000é'),
        async (example, at, char) => {
          const hash = example.stored.hash;
          const index = at % hash.length;
          if (hash[index] === char) return;
          const stored = { ...example.stored, hash: hash.slice(0, index) + char + hash.slice(index + 1) };
          const result = await hasher.verify(example.password, stored);
          // Changing only bits no decoder reads (base64 padding bits) may keep a match; nothing else may.
          if (result.match) assert.notEqual(stored.hash.replace(/=+$/, ''), '', 'matched an empty hash');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a missing or garbage Membership salt is a non-match with a warning', async () => {
    const example = login_examples.find((e) => e.format === 'membership-sha1');
    assert.ok(example);
    for (const salt of [undefined, '', 'not base64!', '====']) {
      const logged = logger.lines.length;
      const result = await hasher.verify(example.password, { ...example.stored, salt });
      assert.deepEqual([result.match, result.format, result.needsRehash], [false, 'membership-sha1', false]);
      assert.ok(result.unusable, 'reported as unusable');
      assert.equal(logger.lines.slice(logged)[0]?.level, 'warn');
    }
  });

  it('never puts the password or the stored hash in a log line', async () => {
    const password = 'Sup3r-Secret-Passw0rd';
    const hashes = [
      '$2b$04$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
      '$P$Babcdefgh012345678901234567890z', // last character sets bits no MD5 digest has
      '$wp$2y$31$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
      '$S$zabcdefgh0123456789012345678901234567890123456789012',
      'pbkdf2_sha256$12$salty$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=',
      'AQAAAAEAACcQAAAAEHNlY3JldC1zYWx0LWJ5dGVz',
      'totally unknown value 1234',
    ];
    const logged = logger.lines.length;
    for (const hash of hashes) await hasher.verify(password, { hash, salt: 'c2FsdA==' });
    const text = JSON.stringify(logger.lines.slice(logged));
    assert.equal(logger.lines.length - logged, hashes.length, 'one warning per unusable hash');
    assert.ok(!text.includes(password));
    for (const hash of hashes) assert.ok(!text.includes(hash), 'hash in the log');
    assert.ok(!text.includes('salty') && !text.includes('c2FsdA=='), 'salt in the log');
  });
});

describe('absurd costs are refused before any work', () => {
  const { hasher, logger, kdfStarts } = testHasher();

  const identityV3 = (prf: number, iterations: number, subkeyBytes: number) => {
    const header = Buffer.alloc(13);
    header[0] = 1;
    header.writeUInt32BE(prf, 1);
    header.writeUInt32BE(iterations, 5);
    header.writeUInt32BE(16, 9);
    return Buffer.concat([header, Buffer.alloc(16, 7), Buffer.alloc(subkeyBytes, 9)]).toString('base64');
  };
  const scrypt = (logN: number, r: number, p: number) => {
    const key = Buffer.alloc(96);
    key.write('scrypt');
    key[7] = logN;
    key.writeUInt32BE(r, 8);
    key.writeUInt32BE(p, 12);
    return key.toString('base64');
  };
  const salt = 'c29tZXNhbHRzb21lc2FsdA';
  const tag = 'CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc';

  const CASES: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['scrypt logN 30', scrypt(30, 8, 1), /beyond the allowed bounds/],
    ['scrypt logN 20 r 32 p 16 (64 GiB)', scrypt(20, 32, 16), /64 GiB of memory, above KDF_MAX_MEMORY \(256 MiB\)/],
    ['scrypt logN 20 r 8 p 1 (1 GiB)', scrypt(20, 8, 1), /1 GiB of memory, above KDF_MAX_MEMORY \(256 MiB\)/],
    ['scrypt r 33', scrypt(14, 33, 1), /beyond the allowed bounds/],
    ['bcrypt cost 31', '$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', /outside 4\.\.16/],
    ['phpass 2^30 (spec maximum)', '$P$SIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0', /exceeds the limit of 2\^18/],
    ['phpass 2^19', '$P$HIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0', /exceeds the limit/],
    ['phpass count beyond the spec', '$P$zIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0', /outside the spec/],
    [
      'WordPress $wp$ bcrypt cost 31',
      '$wp$2y$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
      /outside 4\.\.16/,
    ],
    ['WordPress $wp$ bcrypt cost 17', '$wp$2y$17$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', /outside/],
    [
      'Drupal $S$ 2^30 (spec maximum)',
      '$S$STOxWPdvJRs0P/xZBdrrPlGgzViOS0drHu3jaIjitesfttrp18bk',
      /exceeds the limit of 2\^18/,
    ],
    ['Drupal $S$ 2^19', '$S$HTOxWPdvJRs0P/xZBdrrPlGgzViOS0drHu3jaIjitesfttrp18bk', /exceeds the limit/],
    ['Drupal $S$ 2^6 (below the spec)', '$S$4TOxWPdvJRs0P/xZBdrrPlGgzViOS0drHu3jaIjitesfttrp18bk', /outside the spec/],
    ['Drupal U$S$ 2^30', 'U$S$SvNHDQyLqCTvsYBLWBUWXJWhA0m3DTpBh04acFEOGB.bKBclhKgo', /exceeds the limit of 2\^18/],
    ['Drupal U$P$ 2^25', 'U$P$NIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0', /exceeds the limit/],
    ['argon2d m = 4 GiB', `$argon2d$v=19$m=4194304,t=2,p=1$${salt}$${tag}`, /4 GiB of memory, above KDF_MAX_MEMORY/],
    ['argon2d t = 1000', `$argon2d$v=19$m=1024,t=1000,p=1$${salt}$${tag}`, /beyond the allowed bounds/],
    ['argon2id m = 4 GiB', `$argon2id$v=19$m=4194304,t=2,p=1$${salt}$${tag}`, /4 GiB of memory, above KDF_MAX_MEMORY/],
    ['argon2i t = 1000', `$argon2i$v=19$m=1024,t=1000,p=1$${salt}$${tag}`, /beyond the allowed bounds/],
    ['argon2id p = 255', `$argon2id$v=19$m=65536,t=1,p=255$${salt}$${tag}`, /beyond the allowed bounds/],
    ['Django 10^9 iterations', 'pbkdf2_sha256$1000000000$salt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=', /exceed/],
    [
      'Django 5 000 001 iterations',
      'pbkdf2_sha256$5000001$salt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=',
      /exceed/,
    ],
    ['Identity v3 2^32-1 iterations', identityV3(1, 0xffffffff, 32), /exceed/],
    ['Identity v3 SHA1 2M iterations × 4 blocks', identityV3(0, 2_000_000, 64), /2000000 iterations × 4 blocks/],
    ['Identity v3 zero iterations', identityV3(1, 0, 32), /not a positive integer/],
    ['Identity v3 unknown PRF', identityV3(7, 1000, 32), /unknown PRF/],
    ['Identity v3 15-byte subkey', identityV3(1, 1000, 15), /subkey shorter than 16 bytes/],
  ];

  for (const [title, hash, problem] of CASES) {
    it(`${title}: non-match, warning naming the problem, KDF queue never entered`, async () => {
      const logged = logger.lines.length;
      const result = await hasher.verify('password', { hash });
      assert.equal(result.match, false);
      assert.equal(kdfStarts(), 0);
      const [line] = logger.lines.slice(logged);
      assert.equal(line?.level, 'warn');
      assert.match(problemOf(line), problem);
    });
  }
});
