import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../src/config';
import { BASE_MEMORY_BYTES, memoryBudgetBytes } from '../../../src/memory-budget';

const MiB = 1024 * 1024;
const load = (env: Record<string, string>) => loadConfig({ HTTP_ADDR: 'off', ...env });
const refusedFor = (key: string) => (e: unknown) => e instanceof ConfigError && e.key === key;

describe('KDF_MAX_MEMORY (configuration)', () => {
  it('defaults to 256 MiB at the default cost (128 MiB per hash), and to the cost itself above that', () => {
    assert.equal(load({}).kdf.maxMemoryBytes, 256 * MiB);
    assert.equal(load({ SCRYPT_LOG_N: '19' }).kdf.maxMemoryBytes, 512 * MiB);
  });

  it('reads binary sizes', () => {
    assert.equal(load({ SCRYPT_LOG_N: '14', KDF_MAX_MEMORY: '16MiB' }).kdf.maxMemoryBytes, 16 * MiB);
    assert.equal(load({ KDF_MAX_MEMORY: '1 GiB' }).kdf.maxMemoryBytes, 1024 * MiB);
    assert.equal(load({ SCRYPT_LOG_N: '10', KDF_MAX_MEMORY: '2048KiB' }).kdf.maxMemoryBytes, 2 * MiB);
  });

  it('accepts a ceiling equal to what the configured cost needs', () => {
    assert.equal(load({ SCRYPT_LOG_N: '17', KDF_MAX_MEMORY: '128MiB' }).kdf.maxMemoryBytes, 128 * MiB);
  });

  it('refuses a ceiling below the configured scrypt cost, naming the key and what the cost needs', () => {
    assert.throws(
      () => load({ SCRYPT_LOG_N: '17', KDF_MAX_MEMORY: '64MiB' }),
      (e: unknown) =>
        refusedFor('KDF_MAX_MEMORY')(e) &&
        /^KDF_MAX_MEMORY: 64 MiB is below the 128 MiB one hash at the configured scrypt cost needs/.test(
          (e as Error).message,
        ),
    );
    // p counts: logN 15 r 8 p 3 is charged 96 MiB.
    assert.throws(
      () => load({ SCRYPT_LOG_N: '15', SCRYPT_P: '3', KDF_MAX_MEMORY: '64MiB' }),
      refusedFor('KDF_MAX_MEMORY'),
    );
  });

  it('refuses sizes it cannot read unambiguously, and absurd ones', () => {
    for (const value of ['256MB', '256M', 'lots', '-1MiB', '5GiB']) {
      assert.throws(() => load({ KDF_MAX_MEMORY: value }), refusedFor('KDF_MAX_MEMORY'), value);
    }
  });

  it('makes the memory budget base + KDF_CONCURRENCY × KDF_MAX_MEMORY', () => {
    const config = load({ SCRYPT_LOG_N: '16', KDF_CONCURRENCY: '2', KDF_MAX_MEMORY: '64MiB' });
    assert.equal(
      memoryBudgetBytes({
        cost: config.scrypt,
        kdfConcurrency: config.kdf.concurrency,
        kdfMaxMemory: config.kdf.maxMemoryBytes,
      }),
      BASE_MEMORY_BYTES + 2 * 64 * MiB,
    );
    // Unset, the default ceiling (256 MiB here), not the configured cost's 64 MiB.
    assert.equal(memoryBudgetBytes({ cost: config.scrypt, kdfConcurrency: 2 }), BASE_MEMORY_BYTES + 2 * 256 * MiB);
  });
});
