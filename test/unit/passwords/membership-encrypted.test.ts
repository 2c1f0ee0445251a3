import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hashVerifyCommand } from '../../../src/commands/hash';
import { ConfigError, loadConfig } from '../../../src/config';
import type { StoredPassword } from '../../../src/domain/user';
import { KdfLimiter } from '../../../src/passwords/kdf-limiter';
import { createLegacyFormats } from '../../../src/passwords/legacy-formats';
import {
  type MembershipMachineKey,
  parseMembershipDecryption,
  parseMembershipMachineKey,
} from '../../../src/passwords/membership-machine-key';
import { createPasswordHasher } from '../../../src/passwords/password-hasher';
import { problemOf, recordingLogger, TEST_COST } from './test-hasher';

/** Made by test/fixtures/make-membership-encrypted-vectors.py (Python `cryptography`), not by this code. */
interface Vector {
  readonly name: string;
  readonly decryption: string;
  readonly key: string;
  readonly password: string;
  readonly salt: string;
  readonly hash: string;
  readonly wrong_key: string;
  readonly wrong_key_padding_valid: boolean;
}
const fixture = JSON.parse(readFileSync('test/fixtures/membership-encrypted-vectors.json', 'utf8')) as {
  vectors: Vector[];
  bad_padding: { decryption: string; key: string; hash: string };
};

const machineKey = (decryption: string, keyHex: string): MembershipMachineKey =>
  parseMembershipMachineKey(parseMembershipDecryption(decryption), keyHex);

function hasherWith(key: MembershipMachineKey | null) {
  const logger = recordingLogger();
  const hasher = createPasswordHasher({
    cost: TEST_COST,
    kdf: new KdfLimiter({ concurrency: 1, queueLimit: 10 }),
    logger,
    legacyFormats: createLegacyFormats({ membershipMachineKey: key }),
    equalizeTiming: false,
  });
  return { hasher, logger };
}

const encrypted = (v: { hash: string; salt?: string }): StoredPassword => ({
  hash: v.hash,
  ...(v.salt === undefined ? {} : { salt: v.salt }),
  format: 'membership-encrypted',
});

/** No log line may carry any of these (the key in either case, the password, the stored value). */
function assertNothingSecretLogged(lines: readonly object[], secrets: readonly string[]) {
  const text = JSON.stringify(lines);
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), 'a log line contains a secret');
    assert.ok(!text.toLowerCase().includes(secret.toLowerCase()), 'a log line contains a secret');
  }
}

describe('Membership PasswordFormat 2 (encrypted with the machine key)', () => {
  it('has vectors for AES, 3DES and Auto, with Unicode passwords', () => {
    const decryptions = new Set(fixture.vectors.map((v) => v.decryption));
    assert.deepEqual([...decryptions].sort(), ['3DES', 'AES', 'Auto']);
    assert.ok(fixture.vectors.some((v) => [...v.password].some((c) => (c.codePointAt(0) ?? 0) > 0x7f)));
  });

  for (const v of fixture.vectors) {
    describe(v.name, () => {
      const key = machineKey(v.decryption, v.key);

      it('matches the right password, with the PasswordSalt column and without it', async () => {
        const { hasher, logger } = hasherWith(key);
        assert.deepEqual(await hasher.verify(v.password, encrypted(v)), {
          match: true,
          format: 'membership-encrypted',
          needsRehash: true,
        });
        assert.equal((await hasher.verify(v.password, encrypted({ hash: v.hash }))).match, true);
        assert.deepEqual(logger.lines, []);
      });

      it('refuses a wrong password without a warning', async () => {
        const { hasher, logger } = hasherWith(key);
        for (const wrong of [`${v.password}x`, v.password.slice(0, -1), `${v.password.toUpperCase()}!`]) {
          assert.equal((await hasher.verify(wrong, encrypted(v))).match, false);
        }
        assert.deepEqual(logger.lines, []);
      });

      it('refuses the right password under a salt other than the one encrypted with it', async () => {
        const { hasher } = hasherWith(key);
        const otherSalt = Buffer.from(v.salt, 'base64').map((b) => b ^ 1);
        const stored = encrypted({ hash: v.hash, salt: Buffer.from(otherSalt).toString('base64') });
        assert.equal((await hasher.verify(v.password, stored)).match, false);
      });

      it('refuses it under a wrong key, and no log line names the key, the password or the value', async () => {
        const { hasher, logger } = hasherWith(machineKey(v.decryption, v.wrong_key));
        const result = await hasher.verify(v.password, encrypted(v));
        assert.deepEqual([result.match, result.format, result.needsRehash], [false, 'membership-encrypted', false]);
        assert.equal(
          result.unusable !== undefined,
          !v.wrong_key_padding_valid,
          'unusable only when it does not decrypt',
        );
        if (!v.wrong_key_padding_valid) {
          assert.equal(logger.lines.length, 1);
          assert.match(problemOf(logger.lines[0]), /does not decrypt with the configured .* machine key/);
        }
        assertNothingSecretLogged(logger.lines, [v.wrong_key, v.key, v.password, v.hash]);
      });
    });
  }

  it('reports a value whose padding is invalid under the key as unusable, never throwing', async () => {
    const { bad_padding: bad } = fixture;
    const { hasher, logger } = hasherWith(machineKey(bad.decryption, bad.key));
    const result = await hasher.verify('anything', encrypted({ hash: bad.hash }));
    assert.deepEqual([result.match, result.format, result.needsRehash], [false, 'membership-encrypted', false]);
    assert.match(result.unusable ?? '', /invalid padding/);
    assert.match(problemOf(logger.lines[0]), /invalid padding/);
    assertNothingSecretLogged(logger.lines, [bad.key, bad.hash]);
  });

  it('reports values that are not base64 or not whole cipher blocks, and a salt that is not base64', async () => {
    const [v] = fixture.vectors;
    assert.ok(v);
    const { hasher, logger } = hasherWith(machineKey(v.decryption, v.key));
    const cases: [StoredPassword, RegExp][] = [
      [encrypted({ hash: 'not base64!' }), /not base64/],
      [encrypted({ hash: '' }), /0 bytes, not a whole number of 16-byte AES blocks/],
      [encrypted({ hash: Buffer.alloc(20).toString('base64') }), /20 bytes, not a whole number/],
      [encrypted({ hash: v.hash, salt: '***' }), /salt is not base64/],
    ];
    for (const [stored, problem] of cases) {
      const before = logger.lines.length;
      assert.equal((await hasher.verify(v.password, stored)).match, false);
      assert.match(problemOf(logger.lines[before]), problem);
    }
  });

  it('refuses every row with a clear warning when no machine key is configured', async () => {
    const [v] = fixture.vectors;
    assert.ok(v);
    const { hasher, logger } = hasherWith(null);
    const result = await hasher.verify(v.password, encrypted(v));
    assert.deepEqual([result.match, result.format, result.needsRehash], [false, 'membership-encrypted', false]);
    assert.match(result.unusable ?? '', /MEMBERSHIP_DECRYPTION_KEY/);
    assert.match(problemOf(logger.lines[0]), /PasswordFormat 2 .* not supported without MEMBERSHIP_DECRYPTION_KEY/);
  });

  it('is never recognised by shape: a row must name the format', async () => {
    const [v] = fixture.vectors;
    assert.ok(v);
    const { hasher } = hasherWith(machineKey(v.decryption, v.key));
    const result = await hasher.verify(v.password, { hash: v.hash, salt: v.salt });
    assert.notEqual(result.format, 'membership-encrypted');
    assert.equal(result.match, false);
  });
});

describe('MEMBERSHIP_DECRYPTION_KEY and MEMBERSHIP_DECRYPTION', () => {
  const base = { HTTP_ADDR: 'off' };
  const aes256 = fixture.vectors.find((v) => v.decryption === 'AES' && v.key.length === 64);
  const des = fixture.vectors.find((v) => v.decryption === '3DES' && v.key.length === 48);
  assert.ok(aes256 && des);

  it('has no machine key by default', () => {
    assert.equal(loadConfig(base).membershipMachineKey, null);
  });

  it('reads the hex key, AES by default, 3DES, and Auto as AES', () => {
    const aes = loadConfig({ ...base, MEMBERSHIP_DECRYPTION_KEY: aes256.key }).membershipMachineKey;
    assert.equal(aes?.decryption, 'AES');
    assert.equal(aes?.key.toString('hex'), aes256.key.toLowerCase());
    const tripleDes = loadConfig({ ...base, MEMBERSHIP_DECRYPTION_KEY: des.key, MEMBERSHIP_DECRYPTION: '3DES' });
    assert.equal(tripleDes.membershipMachineKey?.decryption, '3DES');
    const auto = loadConfig({ ...base, MEMBERSHIP_DECRYPTION_KEY: aes256.key, MEMBERSHIP_DECRYPTION: 'auto' });
    assert.equal(auto.membershipMachineKey?.decryption, 'AES');
  });

  it('refuses a bad key with a message that never contains it', () => {
    const bad = [
      aes256.key.slice(0, 62), // 31 bytes
      `${aes256.key.slice(0, 60)}zzzz`, // not hex
      `${aes256.key}0`, // odd length
      'AutoGenerate,IsolateApps',
    ];
    for (const key of bad) {
      assert.throws(
        () => loadConfig({ ...base, MEMBERSHIP_DECRYPTION_KEY: key }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.key === 'MEMBERSHIP_DECRYPTION_KEY' &&
          !error.message.includes(key) &&
          !error.message.includes(key.slice(0, 16)),
      );
    }
    // A 32-byte key is AES-256, never TripleDES; an 8-byte Auto key would be single DES.
    assert.throws(
      () => loadConfig({ ...base, MEMBERSHIP_DECRYPTION_KEY: aes256.key, MEMBERSHIP_DECRYPTION: '3DES' }),
      (error: unknown) => error instanceof ConfigError && /32-byte key does not fit 3DES/.test(error.message),
    );
    assert.throws(
      () => loadConfig({ ...base, MEMBERSHIP_DECRYPTION_KEY: '0011223344556677', MEMBERSHIP_DECRYPTION: 'Auto' }),
      (error: unknown) => error instanceof ConfigError && /single DES/.test(error.message),
    );
  });

  it('refuses an unknown decryption, even before a key is set', () => {
    assert.throws(
      () => loadConfig({ ...base, MEMBERSHIP_DECRYPTION: 'DES' }),
      (error: unknown) => error instanceof ConfigError && error.key === 'MEMBERSHIP_DECRYPTION',
    );
  });

  it('reaches `hash verify`: a configured key makes an encrypted row verify', async () => {
    const out: string[] = [];
    const run = (env: Record<string, string>) =>
      hashVerifyCommand({
        env: { ...base, ...env },
        readStdin: async () =>
          JSON.stringify({ password: des.password, hash: des.hash, salt: des.salt, format: 'membership-encrypted' }),
        out: (line) => out.push(line),
        err: () => {},
      });
    assert.equal(await run({ MEMBERSHIP_DECRYPTION_KEY: des.key, MEMBERSHIP_DECRYPTION: '3DES' }), 0);
    assert.deepEqual(out, ['{"match":true,"format":"membership-encrypted"}']);
  });
});
