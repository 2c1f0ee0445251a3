import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hash as argon2Hash, argon2id } from 'argon2';
import Scrypt from 'scrypt-kdf';
import { KdfLimiter } from '../../../src/passwords/kdf-limiter';
import { defaultKdfMaxMemory, scryptMemoryBytes } from '../../../src/passwords/kdf-memory';
import { createPasswordHasher } from '../../../src/passwords/password-hasher';
import { problemOf, recordingLogger, TEST_COST, testHasher } from './test-hasher';

const MiB = 1024 * 1024;
const PASSWORD = 'ceiling password';
/** A small ceiling, so the hashes on either side of it take milliseconds, not gigabytes. */
const CEILING = 16 * MiB;

async function scryptKey(cost: { logN: number; r: number; p: number }): Promise<string> {
  return Buffer.from(await Scrypt.kdf(PASSWORD, cost)).toString('base64');
}

/** An argon2id PHC string in the reference order (m, t, p), as PHP, libsodium and argon2-cffi write it. */
async function argon2Phc(memoryKiB: number): Promise<string> {
  const salt = Buffer.from('memory-ceiling-salt');
  const tag = await argon2Hash(PASSWORD, {
    raw: true,
    type: argon2id,
    memoryCost: memoryKiB,
    timeCost: 1,
    parallelism: 1,
    salt,
    hashLength: 32,
  });
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `$argon2id$v=19$m=${memoryKiB},t=1,p=1$${b64(salt)}$${b64(tag)}`;
}

describe('KDF_MAX_MEMORY: one per-hash memory ceiling for every stored format that allocates', () => {
  // logN 14 r 8 p 1 is 128·N·r·p = 16 MiB exactly; r 9 is 18 MiB, just above.
  let atCeiling: string;
  let aboveCeiling: string;
  before(async () => {
    [atCeiling, aboveCeiling] = await Promise.all([
      scryptKey({ logN: 14, r: 8, p: 1 }),
      scryptKey({ logN: 14, r: 9, p: 1 }),
    ]);
  });

  describe('scrypt (128·N·r·p)', () => {
    it('verifies a stored hash at the ceiling', async () => {
      const { hasher, kdfStarts } = testHasher({ maxMemoryBytes: CEILING });
      const result = await hasher.verify(PASSWORD, { hash: atCeiling });
      assert.deepEqual(result, { match: true, format: 'scrypt', needsRehash: false });
      assert.equal(kdfStarts(), 1);
    });

    it('refuses a stored hash just above it without entering the KDF queue: a non-match, a warning naming the bound', async () => {
      const { hasher, logger, kdfStarts } = testHasher({ maxMemoryBytes: CEILING });
      const result = await hasher.verify(PASSWORD, { hash: aboveCeiling });
      assert.deepEqual([result.match, result.format, result.needsRehash], [false, 'scrypt', false]);
      assert.match(result.unusable ?? '', /above KDF_MAX_MEMORY/);
      assert.equal(kdfStarts(), 0, 'the KDF queue was entered');
      const [line] = logger.lines;
      assert.equal(line?.level, 'warn');
      assert.deepEqual(line?.obj, {
        event: 'password_hash_malformed',
        format: 'scrypt',
        problem: 'cost needs 18 MiB of memory, above KDF_MAX_MEMORY (16 MiB)',
      });
    });

    it('verifies that same hash under a ceiling that admits it (the refusal is the ceiling, not the hash)', async () => {
      const { hasher } = testHasher({ maxMemoryBytes: 18 * MiB });
      assert.equal((await hasher.verify(PASSWORD, { hash: aboveCeiling })).match, true);
    });

    it('refuses, as unusable rather than as an outage, a cost within a raised ceiling that scrypt-kdf cannot compute', async () => {
      const key = Buffer.from(atCeiling, 'base64');
      key[7] = 20;
      key.writeUInt32BE(16, 8); // logN 20 r 16: 2 GiB, just past scrypt-kdf's maxmem of 2^31 − 1
      // A valid header checksum, so scrypt-kdf itself would go on to Node's scrypt (and fail there).
      createHash('sha256').update(key.subarray(0, 48)).digest().copy(key, 48, 0, 16);
      const { hasher, logger, kdfStarts } = testHasher({ maxMemoryBytes: 4 * 1024 * MiB });
      const result = await hasher.verify(PASSWORD, { hash: key.toString('base64') });
      assert.equal(result.match, false);
      assert.equal(kdfStarts(), 0);
      assert.equal(problemOf(logger.lines[0]), 'cost needs more memory than scrypt-kdf computes (2 GiB)');
    });

    it('still checks a refused hash beside the dummy, so a tampered row answers as slowly as a wrong password', async () => {
      const { hasher, kdfStarts } = testHasher({ maxMemoryBytes: CEILING, equalizeTiming: true });
      await hasher.dummyVerify('warm-up');
      const before = kdfStarts();
      assert.equal((await hasher.verify(PASSWORD, { hash: aboveCeiling })).match, false);
      assert.equal(kdfStarts() - before, 1, 'the dummy only, never the refused hash');
    });
  });

  describe('argon2 (m)', () => {
    let at: string;
    let above: string;
    before(async () => {
      [at, above] = await Promise.all([argon2Phc(CEILING / 1024), argon2Phc(CEILING / 1024 + 1024)]);
    });

    it('verifies m at the ceiling', async () => {
      const { hasher, kdfStarts } = testHasher({ maxMemoryBytes: CEILING });
      assert.equal((await hasher.verify(PASSWORD, { hash: at })).match, true);
      assert.equal(kdfStarts(), 1);
    });

    it('refuses m above it before any work, naming the bound', async () => {
      const { hasher, logger, kdfStarts } = testHasher({ maxMemoryBytes: CEILING });
      assert.equal((await hasher.verify(PASSWORD, { hash: above })).match, false);
      assert.equal(kdfStarts(), 0);
      assert.equal(problemOf(logger.lines[0]), 'cost needs 17 MiB of memory, above KDF_MAX_MEMORY (16 MiB)');
    });
  });

  describe('the ceiling and the configured cost', () => {
    it('defaults to the larger of the configured scrypt memory and 256 MiB', () => {
      assert.equal(defaultKdfMaxMemory(TEST_COST), 256 * MiB);
      assert.equal(defaultKdfMaxMemory({ logN: 20, r: 8, p: 1 }), 1024 * MiB);
      assert.equal(scryptMemoryBytes({ logN: 15, r: 8, p: 3 }), 96 * MiB);
    });

    it('refuses a ceiling below what a new hash at the configured cost needs', () => {
      assert.throws(
        () =>
          createPasswordHasher({
            cost: { logN: 14, r: 8, p: 1 },
            kdf: new KdfLimiter({ concurrency: 1, queueLimit: 0 }),
            maxMemoryBytes: 15 * MiB,
            logger: recordingLogger(),
          }),
        /below the 16 MiB the scrypt cost needs/,
      );
    });

    it('verifies its own new hashes at a ceiling equal to their cost', async () => {
      const cost = { logN: 14, r: 8, p: 1 };
      const kdf = new KdfLimiter({ concurrency: 1, queueLimit: 4 });
      const hasher = createPasswordHasher({ cost, kdf, maxMemoryBytes: CEILING, logger: recordingLogger() });
      const stored = await hasher.hash(PASSWORD);
      assert.equal((await hasher.verify(PASSWORD, stored)).match, true);
    });
  });
});
