import assert from 'node:assert/strict';
import { IdentityError } from '../../../src/domain/errors';
import type { StoredPassword } from '../../../src/domain/user';
import { KdfLimiter } from '../../../src/passwords/kdf-limiter';
import { LEGACY_FORMATS } from '../../../src/passwords/legacy-formats';
import { MalformedHashError, type PasswordFormat } from '../../../src/passwords/password-format';
import { createPasswordHasher } from '../../../src/passwords/password-hasher';
import { loadPasswordVectors } from '../../support/password-vectors';
import { recordingLogger, TEST_COST } from './test-hasher';

function hasherWith(formats: readonly PasswordFormat[]) {
  let kdfStarts = 0;
  const kdf = new KdfLimiter({ concurrency: 2, queueLimit: 100, observer: { started: () => kdfStarts++ } });
  const logger = recordingLogger();
  const hasher = createPasswordHasher({ cost: TEST_COST, kdf, logger, legacyFormats: formats });
  return { hasher, logger, kdfStarts: () => kdfStarts };
}

const example = (format: string): StoredPassword => {
  const found = loadPasswordVectors().login_examples.find((e) => e.format === format);
  assert.ok(found, `no login example for ${format}`);
  return found.stored;
};

describe('PasswordHasher: timing equalisation', () => {
  it('checks a cheap legacy hash side by side with the dummy scrypt, so it costs at least what an unknown user costs', async () => {
    const { hasher, kdfStarts } = hasherWith(LEGACY_FORMATS);
    await hasher.dummyVerify('warm-up');
    const before = kdfStarts();
    const result = await hasher.verify('correct horse battery staple', example('membership-sha1'));
    assert.equal(result.match, true);
    assert.equal(result.format, 'membership-sha1');
    assert.equal(kdfStarts() - before, 1, 'one dummy scrypt verification beside the SHA1 check');
  });

  for (const [format, ownSlots] of [
    ['wordpress-bcrypt', 1],
    ['drupal7', 1],
    ['drupal7-md5-prehashed', 1],
    ['argon2d', 1],
    ['membership-md5', 0],
  ] as const) {
    it(`checks ${format} rows side by side with the dummy scrypt, like every legacy format`, async () => {
      const { hasher, kdfStarts } = hasherWith(LEGACY_FORMATS);
      await hasher.dummyVerify('warm-up');
      const found = loadPasswordVectors().login_examples.find((e) => e.format === format);
      assert.ok(found);
      const before = kdfStarts();
      const result = await hasher.verify(found.password, found.stored);
      assert.deepEqual([result.match, result.format], [true, format]);
      assert.equal(kdfStarts() - before, ownSlots + 1, `${ownSlots} slot(s) of its own, one for the dummy`);
    });
  }

  it('adds nothing for a scrypt hash at the current cost', async () => {
    const { hasher, kdfStarts } = hasherWith(LEGACY_FORMATS);
    const stored = await hasher.hash('pw-1');
    await hasher.dummyVerify('warm-up');
    const before = kdfStarts();
    assert.equal((await hasher.verify('pw-1', stored)).match, true);
    assert.equal(kdfStarts() - before, 1, 'only the scrypt verification itself');
  });

  it('covers a malformed hash too: a broken row answers in the time of a wrong password', async () => {
    const { hasher, kdfStarts } = hasherWith(LEGACY_FORMATS);
    await hasher.dummyVerify('warm-up');
    const before = kdfStarts();
    const result = await hasher.verify('x', { hash: '$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' });
    assert.equal(result.match, false);
    assert.equal(kdfStarts() - before, 1, 'the dummy only: the absurd bcrypt cost is never computed');
  });
});

describe('PasswordHasher: a failing KDF is an outage, not a wrong password', () => {
  const exploding = (error: Error): PasswordFormat => ({
    name: 'exploding',
    detect: (stored) => stored.hash.startsWith('boom:'),
    verify: async () => {
      throw error;
    },
  });

  it('raises unavailable (with the cause kept) when the format throws anything but MalformedHashError', async () => {
    const { hasher, logger } = hasherWith([exploding(new RangeError('Cannot allocate memory'))]);
    await assert.rejects(hasher.verify('pw', { hash: 'boom:1' }), (e: unknown) => {
      assert.ok(e instanceof IdentityError);
      assert.equal(e.code, 'unavailable');
      assert.ok(e.cause instanceof RangeError);
      return true;
    });
    assert.ok(!logger.lines.some((l) => (l.obj as { event?: string }).event === 'password_hash_malformed'));
  });

  it('still treats MalformedHashError as a non-match with a warning', async () => {
    const { hasher, logger } = hasherWith([exploding(new MalformedHashError('exploding', 'truncated'))]);
    const result = await hasher.verify('pw', { hash: 'boom:1' });
    assert.equal(result.match, false);
    assert.ok(logger.lines.some((l) => (l.obj as { problem?: string }).problem === 'truncated'));
  });
});
