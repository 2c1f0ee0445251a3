import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_KEYS, ConfigError, loadConfig } from '../../src/config';

const TOKEN = 'a-valid-bridge-token-of-enough-length-000';

describe('loadConfig', () => {
  it('runs locally with defaults and one bridge token', () => {
    const config = loadConfig({ BRIDGE_TOKENS: TOKEN });
    assert.deepEqual(config.store, { kind: 'sqlite', path: './data/legacy.db' });
    assert.deepEqual(config.grpc.addr, { host: '127.0.0.1', port: 50051 });
    assert.equal(config.bridge?.addr.port, 8080);
    assert.deepEqual(config.scrypt, { logN: 17, r: 8, p: 1 });
    assert.equal(config.migration.mode, 'legacy');
    assert.equal(config.rehashOnLogin, false);
  });

  it('needs a bridge token unless the bridge is off', () => {
    assert.throws(
      () => loadConfig({}),
      (e: unknown) => e instanceof ConfigError && e.key === 'BRIDGE_TOKENS',
    );
    assert.equal(loadConfig({ HTTP_ADDR: 'off' }).bridge, null);
  });

  it('accepts several tokens for rotation and refuses short ones without echoing them', () => {
    assert.equal(loadConfig({ BRIDGE_TOKENS: `${TOKEN}, ${TOKEN}x` }).bridge?.tokens.length, 2);
    assert.throws(
      () => loadConfig({ BRIDGE_TOKENS: `${TOKEN},short-secret` }),
      (e: unknown) => e instanceof ConfigError && e.key === 'BRIDGE_TOKENS' && !e.message.includes('short-secret'),
    );
  });

  it('names the bad key in the error', () => {
    const cases: [string, string][] = [
      ['GRPC_ADDR', 'nonsense'],
      ['MIGRATION_MODE', 'sometimes'],
      ['MIGRATION_GRACE', 'ten minutes'],
      ['SCRYPT_LOG_N', '30'],
      ['SCRYPT_LOG_N', '4'],
      ['LOG_LEVEL', 'loud'],
      ['REHASH_ON_LOGIN', 'maybe'],
      ['STORE_URL', 'postgres://x'],
      ['KDF_CONCURRENCY', '0'],
    ];
    for (const [key, value] of cases) {
      assert.throws(
        () => loadConfig({ BRIDGE_TOKENS: TOKEN, [key]: value }),
        (e: unknown) => e instanceof ConfigError && e.key === key,
        `${key}=${value}`,
      );
    }
  });

  it('never echoes a store URL, which carries the database password', () => {
    assert.throws(
      () => loadConfig({ BRIDGE_TOKENS: TOKEN, STORE_URL: 'mysql://sa:Hunter2Secret@db/x' }),
      (e: unknown) => e instanceof ConfigError && !e.message.includes('Hunter2Secret'),
    );
  });

  it('refuses plaintext gRPC on a public address unless allowed', () => {
    assert.throws(() => loadConfig({ HTTP_ADDR: 'off', GRPC_ADDR: '0.0.0.0:50051' }), /GRPC_ADDR/);
    assert.equal(
      loadConfig({ HTTP_ADDR: 'off', GRPC_ADDR: '0.0.0.0:50051', GRPC_ALLOW_INSECURE: 'on' }).grpc.addr.host,
      '0.0.0.0',
    );
  });

  it('parses durations, mssql URLs and ADO connection strings', () => {
    const c = loadConfig({ HTTP_ADDR: 'off', MIGRATION_GRACE: '10m', STORE_URL: 'mssql://u:p@db:1433/Legacy' });
    assert.equal(c.migration.graceMs, 600_000);
    assert.equal(c.store.kind, 'mssql');
    assert.equal(
      loadConfig({ HTTP_ADDR: 'off', STORE_URL: 'Server=db;Database=Legacy;User Id=u;Password=p' }).store.kind,
      'mssql',
    );
  });
});

/**
 * The keys named in the first column of README.md's configuration table (the `| key | meaning |
 * default |` table under "## Configuration"), one array per row. A row may name several keys
 * (`SCRYPT_LOG_N`, `SCRYPT_R`, `SCRYPT_P`); a first cell that is not a list of backticked names fails.
 */
function configTableRows(readme: string): string[][] {
  const section = readme.split(/^## /m).find((part) => part.startsWith('Configuration\n'));
  assert.ok(section, 'README has no "## Configuration" section');
  const lines = section.split('\n');
  const header = lines.findIndex((line) => /^\|\s*key\s*\|\s*meaning\s*\|\s*default\s*\|\s*$/.test(line));
  assert.ok(header >= 0, 'the Configuration section has no | key | meaning | default | table');
  assert.match(lines[header + 1] ?? '', /^\|(\s*:?-+:?\s*\|){3}\s*$/, 'the table has no separator row');
  const rows: string[][] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cell = line.split('|')[1]?.trim() ?? '';
    assert.match(cell, /^`[A-Z][A-Z0-9_]*\*?`(, `[A-Z][A-Z0-9_]*\*?`)*$/, `not a list of keys: ${line.slice(0, 80)}`);
    rows.push([...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''));
  }
  return rows;
}

describe('README configuration table', () => {
  const rows = configTableRows(readFileSync('README.md', 'utf8'));
  const documented = rows.flat();

  it('has a row for every key the code reads', () => {
    const missing = Object.keys(CONFIG_KEYS).filter((key) => !documented.includes(key));
    assert.deepEqual(missing, [], `keys without a row in README.md's configuration table: ${missing.join(', ')}`);
  });

  it('names no key the code does not know (OTEL_* rows excepted)', () => {
    const unknown = documented.filter((key) => !(key in CONFIG_KEYS) && !key.startsWith('OTEL_'));
    assert.deepEqual(unknown, [], `rows for keys src/config.ts does not read: ${unknown.join(', ')}`);
  });

  it('documents each key once', () => {
    const repeated = documented.filter((key, index) => documented.indexOf(key) !== index);
    assert.deepEqual(repeated, []);
  });

  it('reads rows, not mentions: a key named only in prose or in another table is missing', () => {
    const sample = [
      '## Configuration',
      '`SCRYPT_P` is explained in prose.',
      '',
      '| key | meaning | default |',
      '|---|---|---|',
      '| `SCRYPT_LOG_N`, `SCRYPT_R` | cost | `17`, `8` |',
      '',
      '| key | meaning | default |',
      '|---|---|---|',
      '| `LOG_LEVEL` | a second table | `info` |',
      '## Next',
      '| `HTTP_ADDR` | another section | x |',
    ].join('\n');
    assert.deepEqual(configTableRows(sample), [['SCRYPT_LOG_N', 'SCRYPT_R']]);
  });
});
