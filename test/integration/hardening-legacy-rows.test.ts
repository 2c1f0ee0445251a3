import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { promiseClient } from '../support/grpc-call';
import { type Stack, startStack, TEST_BRIDGE_TOKEN } from '../support/stack';

const PASSWORD = 'legacy row password';

/**
 * A scrypt-kdf key whose header asks for 128·N·r·p = 1 GiB (logN 20, r 8, p 1) with a valid header
 * checksum, so scrypt-kdf itself would start the 1 GiB computation: the reviewer's tampered row.
 */
function tamperedScryptKey(): string {
  const key = Buffer.alloc(96, 7);
  key.write('scrypt');
  key[6] = 0;
  key[7] = 20;
  key.writeUInt32BE(8, 8);
  key.writeUInt32BE(1, 12);
  createHash('sha256').update(key.subarray(0, 48)).digest().copy(key, 48, 0, 16);
  return key.toString('base64');
}

/**
 * A malicious (or just broken) legacy row: attacker-controlled data the legacy application let in, or
 * a tampered row. It may cost its own user a field, never the service: no 5xx, no unbounded work.
 */
describe('malicious legacy rows', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ bridge: true });
    const rpc = promiseClient(stack.client);
    for (const name of [
      'big-meta',
      'deep-meta',
      'array-meta',
      'long-name',
      'bcrypt-cost',
      'pbkdf2-iter',
      'garbage-hash',
      'scrypt-memory',
    ]) {
      await rpc.createUser({ email: `${name}@example.com`, password: PASSWORD, userMetadata: { ok: true } });
    }
    const db = new DatabaseSync(stack.dbPath);
    const set = (column: string, value: string, email: string) =>
      db.prepare(`UPDATE "Users" SET "${column}" = ? WHERE "Email" = ?`).run(value, email);
    let deep = '"leaf"';
    for (let i = 0; i < 5_000; i++) deep = `{"k":${deep}}`;
    set('UserMetadata', JSON.stringify({ blob: 'x'.repeat(300_000) }), 'big-meta@example.com');
    set('UserMetadata', deep, 'deep-meta@example.com');
    set('UserMetadata', '[1,2,3]', 'array-meta@example.com');
    set('Name', `<script>${'n'.repeat(300_000)}</script>`, 'long-name@example.com');
    // Costs far past what any legacy site used: a login would burn the CPU for minutes.
    set('PasswordHash', `$2b$31$${'a'.repeat(53)}`, 'bcrypt-cost@example.com');
    set('PasswordHash', `pbkdf2_sha256$2000000000$salt$${'A'.repeat(44)}`, 'pbkdf2-iter@example.com');
    set('PasswordHash', "'; DROP TABLE Users; --\u0000\u202e", 'garbage-hash@example.com');
    set('PasswordHash', tamperedScryptKey(), 'scrypt-memory@example.com');
    db.close();
  });
  after(async () => {
    await stack.close();
  });

  async function post(path: string, body: unknown) {
    const response = await fetch(`${stack.bridgeUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  for (const [name, field] of [
    ['big-meta', 'user_metadata'],
    ['deep-meta', 'user_metadata'],
    ['array-meta', 'user_metadata'],
    ['long-name', 'name'],
  ] as const) {
    it(`${name}: the user still logs in and is found, without the unusable ${field}`, async () => {
      const login = await post('/v1/login', { username_or_email: `${name}@example.com`, password: PASSWORD });
      assert.equal(login.status, 200, JSON.stringify(login.json).slice(0, 200));
      const profile = login.json.profile as Record<string, unknown>;
      assert.equal(profile[field], undefined);
      assert.equal((await post('/v1/get-user', { email: `${name}@example.com` })).status, 200);
    });
  }

  for (const name of ['bcrypt-cost', 'pbkdf2-iter', 'garbage-hash']) {
    it(`${name}: an unusable hash is a wrong password (401), with no KDF work beyond the limits`, async () => {
      const login = await post('/v1/login', { username_or_email: `${name}@example.com`, password: PASSWORD });
      assert.equal(login.status, 401);
      assert.equal(login.json.error, 'invalid_credentials');
    });
  }

  it('scrypt-memory: a stored hash needing more than KDF_MAX_MEMORY is a wrong password (401), refused before any work', async () => {
    const logged = stack.logs.lines.length;
    const login = await post('/v1/login', { username_or_email: 'scrypt-memory@example.com', password: PASSWORD });
    assert.equal(login.status, 401);
    assert.equal(login.json.error, 'invalid_credentials');
    const warnings = stack.logs
      .entries()
      .slice(logged)
      .filter((e) => e.event === 'password_hash_malformed');
    assert.deepEqual(
      warnings.map((w) => [w.format, w.problem]),
      [['scrypt', 'cost needs 1 GiB of memory, above KDF_MAX_MEMORY (256 MiB)']],
    );
  });

  it('warns about each unreadable row by user id and column, never its content', () => {
    const warnings = stack.logs.entries().filter((e) => e.event === 'store_row_unreadable');
    const fields = new Set(warnings.flatMap((w) => w.fields as string[]));
    for (const field of ['userMetadata', 'name']) assert.ok(fields.has(field), `no warning for ${field}`);
    assert.ok(!stack.logs.text.includes('xxxxxxxxxx'));
    assert.ok(!stack.logs.text.includes('<script>'));
    assert.ok(!stack.logs.text.includes(PASSWORD));
    assert.deepEqual(
      stack.logs.entries().filter((e) => Number(e.level) >= 50),
      [],
    );
  });
});
