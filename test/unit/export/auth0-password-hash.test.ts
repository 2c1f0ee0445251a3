import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { StoredPassword } from '../../../src/domain/user';
import { type Auth0CustomPasswordHash, toAuth0PasswordHash } from '../../../src/export/auth0-password-hash';
import { loadPasswordVectors } from '../../support/password-vectors';
import { testHasher } from '../passwords/test-hasher';
import { auth0Verify } from './auth0-hash-verifier';

const examples = loadPasswordVectors().login_examples;

/** What each fixture format becomes: the Auth0 algorithm, or the not-exported code. */
const EXPECTED: Readonly<Record<string, string>> = {
  bcrypt: 'bcrypt',
  argon2id: 'argon2',
  argon2i: 'argon2',
  'django-pbkdf2-sha256': 'pbkdf2',
  'django-pbkdf2-sha1': 'pbkdf2',
  'aspnet-identity-v2': 'pbkdf2',
  'aspnet-identity-v3': 'pbkdf2',
  'membership-sha1': 'sha1',
  'membership-sha256': 'sha256',
  'membership-sha512': 'sha512',
  'membership-hmacsha1': 'hmac',
  'membership-hmacsha256': 'hmac',
  'membership-hmacsha384': 'hmac',
  'membership-hmacsha512': 'hmac',
  'membership-md5': 'md5',
  'salted-md5': 'md5',
  'salted-sha1': 'sha1',
  'salted-sha256': 'sha256',
  'salted-sha512': 'sha512',
  scrypt: 'not exported: unsupported_algorithm',
  phpass: 'not exported: unsupported_algorithm',
  'membership-sha384': 'not exported: unsupported_algorithm',
  'membership-clear': 'not exported: clear_text',
  'wordpress-bcrypt': 'not exported: unsupported_algorithm',
  drupal7: 'not exported: unsupported_algorithm',
  'drupal7-md5-prehashed': 'not exported: unsupported_algorithm',
  argon2d: 'not exported: unsupported_algorithm',
};

function exportedHash(stored: StoredPassword): Auth0CustomPasswordHash {
  const result = toAuth0PasswordHash(stored);
  assert.ok(
    result.exported,
    `expected an exported hash, got ${result.exported ? '' : `${result.code}: ${result.reason}`}`,
  );
  return result.hash;
}

async function assertVerifies(
  stored: StoredPassword,
  password: string,
  wrong: string,
): Promise<Auth0CustomPasswordHash> {
  const hash = exportedHash(stored);
  assert.equal(await auth0Verify(hash, password), true, 'the right password must verify');
  assert.equal(await auth0Verify(hash, wrong), false, 'a wrong password must not verify');
  return hash;
}

describe('Auth0 custom_password_hash export', () => {
  describe('the independent verifier', () => {
    it("agrees with the schema page's own examples (MD5 prefix salt, HMAC-SHA1 with a hex key)", async () => {
      // "MD5('salt' + 'password') = '67A1E09BB1F83F5007DC119C14D663AA' would have position prefix".
      const md5 = { algorithm: 'md5', hash: { value: '67A1E09BB1F83F5007DC119C14D663AA', encoding: 'hex' } };
      assert.equal(await auth0Verify({ ...md5, salt: { value: 'salt', position: 'prefix' } }, 'password'), true);
      assert.equal(await auth0Verify({ ...md5, salt: { value: 'salt', position: 'suffix' } }, 'password'), false);
      const hmac = {
        algorithm: 'hmac',
        hash: {
          value: 'cg7f42jH39/2EaAU4wNd4s2lKIk=',
          encoding: 'base64',
          digest: 'sha1',
          key: { value: '736868', encoding: 'hex' },
        },
      };
      assert.equal(await auth0Verify(hmac, 'test'), true);
      assert.equal(await auth0Verify(hmac, 'Test'), false);
    });
  });

  it('covers every format of the login fixture, exported or refused as expected', () => {
    const formats = [...new Set(examples.map((e) => e.format))].sort();
    assert.deepEqual(formats, Object.keys(EXPECTED).sort());
    for (const example of examples) {
      const result = toAuth0PasswordHash(example.stored);
      const got = result.exported ? result.hash.algorithm : `not exported: ${result.code}`;
      assert.equal(got, EXPECTED[example.format], example.format);
      assert.equal(result.format, example.format);
    }
  });

  for (const example of examples.filter((e) => !EXPECTED[e.format]?.startsWith('not exported'))) {
    it(`${example.format}: the exported hash verifies the user's password and refuses a wrong one`, async () => {
      // The legacy verifier agrees first, so the fixture row is known good.
      const hasher = testHasher().hasher;
      assert.equal((await hasher.verify(example.password, example.stored)).match, true);
      await assertVerifies(example.stored, example.password, example.wrong_password);
    });
  }

  describe('reference vectors', () => {
    it('ASP.NET Identity v2, v3 SHA256/10k, v3 SHA512/100k and SimpleMembership become PHC pbkdf2 strings', async () => {
      const cases: [string, string, string][] = [
        [
          'AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg==',
          'my password',
          '$pbkdf2-sha1$i=1000,l=32$',
        ],
        [
          'AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==',
          'my password',
          '$pbkdf2-sha256$i=10000,l=32$',
        ],
        [
          'AQAAAAIAAYagAAAAEAABAgMEBQYHCAkKCwwNDg/Q8A0WMKbtHQJQ2DHCdoEeeFBrgNlldq6vH4qX/CGqGQ==',
          'my password',
          '$pbkdf2-sha512$i=100000,l=32$',
        ],
        [
          'AG8nVMgXdmjX+LVQUjrhNz1QFOt+S/wudjeeOSPyz/+cuXYtY12TrQqQ9SV2HnO0mA==',
          'password',
          '$pbkdf2-sha1$i=1000,l=32$',
        ],
      ];
      for (const [hash, password, prefix] of cases) {
        const exported = await assertVerifies({ hash }, password, `${password}!`);
        assert.ok(exported.hash.value.startsWith(prefix), exported.hash.value);
        const [salt, key] = exported.hash.value.split('$').slice(-2);
        assert.ok(salt && key && !salt.includes('=') && !key.includes('='), 'PHC B64 has no padding');
        // The salt 00 01 … 0f of these vectors, as B64.
        if (!hash.startsWith('AG8n')) assert.ok(exported.hash.value.includes('$AAECAwQFBgcICQoLDA0ODw$'));
      }
    });

    it('Django PBKDF2 keeps its text salt as UTF-8 bytes', async () => {
      const exported = await assertVerifies(
        { hash: 'pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=' },
        'lètmein',
        'letmein',
      );
      assert.equal(
        exported.hash.value,
        '$pbkdf2-sha256$i=600000,l=32$c2Vhc2FsdA$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA',
      );
    });

    it('Membership SHA1 becomes sha1 with a base64 prefix salt and UTF-16LE passwords', async () => {
      const exported = await assertVerifies(
        { hash: 'OJF6H4KdxFLgLu+oTDNFodCEfMA=', salt: 'kDP0Py2QwEdJYtUX9cJABg==', format: 'membership-sha1' },
        'password',
        'Password',
      );
      assert.deepEqual(exported, {
        algorithm: 'sha1',
        hash: { value: 'OJF6H4KdxFLgLu+oTDNFodCEfMA=', encoding: 'base64' },
        salt: { value: 'kDP0Py2QwEdJYtUX9cJABg==', encoding: 'base64', position: 'prefix' },
        password: { encoding: 'utf16le' },
      });
      // Recognised by shape too (a Membership row whose profile gives no format).
      await assertVerifies(
        { hash: 'h8A5hga0Cy93JsKxYnJl/U2AluU=', salt: 'UhVlqavmEX9CiKcUXkSwCw==' },
        '12345678',
        '1234567',
      );
    });

    it('Membership MD5 becomes md5 with a base64 prefix salt and UTF-16LE passwords', async () => {
      const example = examples.find((e) => e.format === 'membership-md5');
      assert.ok(example?.stored.salt);
      const exported = await assertVerifies(example.stored, example.password, example.wrong_password);
      assert.deepEqual(exported, {
        algorithm: 'md5',
        hash: { value: example.stored.hash, encoding: 'base64' },
        salt: { value: example.stored.salt, encoding: 'base64', position: 'prefix' },
        password: { encoding: 'utf16le' },
      });
    });

    it('bcrypt $2a$ and $2y$ and argon2id pass through unchanged', async () => {
      for (const [hash, password] of [
        ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U'],
        ['$2y$10$tRM7x9gGKhcAmpeqKEdhj.YowvJwRND8StvgEAMMxg/yWGwL82rIK', 'helloworld'],
        ['$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'password'],
      ] as const) {
        const exported = await assertVerifies({ hash }, password, `${password}x`);
        assert.equal(exported.hash.value, hash);
        assert.equal(exported.hash.encoding, 'utf8');
        assert.equal(exported.salt, undefined);
      }
    });

    it('an unsalted UTF-16LE SHA1 (HASHBYTES over NVARCHAR, upper-case hex) becomes sha1 with utf16le passwords', async () => {
      const exported = await assertVerifies(
        { hash: 'E8F97FBA9104D1EA5047948E6DFB67FACD9F5B73', format: 'salted-sha1;encoding=utf16le' },
        'password',
        'passwort',
      );
      assert.equal(exported.salt, undefined);
      assert.deepEqual(exported.password, { encoding: 'utf16le' });
    });
  });

  describe('salted digests in every position and encoding', () => {
    const salt = 'sälz☃';
    const password = 'p@ss wörd 🔑';
    for (const digest of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
      for (const position of ['prefix', 'suffix'] as const) {
        for (const encoding of ['utf8', 'utf16le'] as const) {
          it(`salted-${digest}, salt ${position}, ${encoding}`, async () => {
            const text = position === 'prefix' ? salt + password : password + salt;
            const hex = createHash(digest).update(text, encoding).digest('hex');
            const stored = {
              hash: `0x${hex.toUpperCase()}`,
              salt,
              format: `salted-${digest};salt_position=${position};encoding=${encoding}`,
            };
            assert.equal((await testHasher().hasher.verify(password, stored)).match, true);
            const exported = await assertVerifies(stored, password, `${password} `);
            assert.equal(exported.hash.value, hex, 'hex without 0x, lower-case');
          });
        }
      }
    }

    it('a base64 digest keeps base64', async () => {
      const stored = {
        hash: createHash('sha256').update('s4ltpw').digest('base64'),
        salt: 's4lt',
        format: 'salted-sha256',
      };
      const exported = await assertVerifies(stored, 'pw', 'pW');
      assert.equal(exported.hash.encoding, 'base64');
    });
  });

  describe('what cannot be exported', () => {
    const refused = (stored: StoredPassword) => {
      const result = toAuth0PasswordHash(stored);
      assert.ok(!result.exported, 'expected a refusal');
      return result;
    };

    it('names the reason and never echoes the hash', () => {
      const cases: [StoredPassword, string][] = [
        [{ hash: '' }, 'no_password'],
        [{ hash: 'not a hash at all' }, 'unknown_format'],
        [{ hash: '$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' }, 'malformed_hash'],
        [
          { hash: '$argon2id$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc' },
          'unsupported_algorithm',
        ],
        [{ hash: 'AQAAAAEAACcQAAAACAABAgMEBQYHCLJZTusuBTA9lvUi2yatrtxvHDYQWnClUUgS0/4ki5QT' }, 'malformed_hash'],
        [{ hash: 'c2VjcmV0', salt: 'c2FsdA==', format: 'membership-encrypted' }, 'encrypted'],
        [{ hash: 'abc', salt: 'c2FsdA==', format: 'membership-sha1' }, 'malformed_hash'],
        [{ hash: 'da3b9c282512a4d5fe0649009289798e', format: 'salted-md5;rounds=2' }, 'malformed_hash'],
        [{ hash: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0' }, 'unsupported_algorithm'],
        [{ hash: '$wp$2y$10$qeleDSuDaeZO5fBsEqFReeWdlqaDnBDBzB16hFgsFnhN9qFBIihvm' }, 'unsupported_algorithm'],
        [{ hash: '$S$5TOxWPdvJRs0P/xZBdrrPlGgzViOS0drHu3jaIjitesfttrp18bk' }, 'unsupported_algorithm'],
        [{ hash: 'U$S$5vNHDQyLqCTvsYBLWBUWXJWhA0m3DTpBh04acFEOGB.bKBclhKgo' }, 'unsupported_algorithm'],
        [
          { hash: '$argon2d$v=19$m=65536,t=4,p=4$PUfIWctZa611rpXSOicEAA$eUtgGpyO1+ylLPGhN8gvRXBXF+Zd97kQIZA7OgX4VIM' },
          'unsupported_algorithm',
        ],
        [{ hash: 'abc', salt: 'c2FsdA==', format: 'membership-md5' }, 'malformed_hash'],
      ];
      for (const [stored, code] of cases) {
        const result = refused(stored);
        assert.equal(result.code, code, `${stored.hash}: ${result.reason}`);
        if (stored.hash.length > 8)
          assert.ok(!result.reason.includes(stored.hash), 'the reason never carries the hash');
      }
    });

    it('says why each WordPress, Drupal and argon2d row stays behind', () => {
      const reasons: [StoredPassword, RegExp][] = [
        [{ hash: '$wp$2y$10$qeleDSuDaeZO5fBsEqFReeWdlqaDnBDBzB16hFgsFnhN9qFBIihvm' }, /HMAC-SHA384/],
        [{ hash: '$S$5TOxWPdvJRs0P/xZBdrrPlGgzViOS0drHu3jaIjitesfttrp18bk' }, /Drupal 7 \$S\$ \(iterated SHA-512\)/],
        [
          { hash: '$argon2d$v=19$m=65536,t=4,p=4$PUfIWctZa611rpXSOicEAA$eUtgGpyO1+ylLPGhN8gvRXBXF+Zd97kQIZA7OgX4VIM' },
          /argon2d: Auth0 verifies argon2i and argon2id only/,
        ],
      ];
      for (const [stored, reason] of reasons) assert.match(refused(stored).reason, reason);
    });
  });
});

describe('argon2 export parameter order', () => {
  it('writes a hash made by the argon2 npm package (m, p, t) in the reference order m, t, p', () => {
    const stored = '$argon2id$v=19$m=19456,p=1,t=2$efnE/4megx/AumnGvu5ijw$JteFVK2eQNVPrdT4F8RjDPgfFJeUGsFitRZS/Cqz/cE';
    const result = toAuth0PasswordHash({ hash: stored });
    assert.ok(result.exported);
    assert.equal(
      result.hash.hash.value,
      '$argon2id$v=19$m=19456,t=2,p=1$efnE/4megx/AumnGvu5ijw$JteFVK2eQNVPrdT4F8RjDPgfFJeUGsFitRZS/Cqz/cE',
    );
  });
});
