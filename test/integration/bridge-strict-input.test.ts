import assert from 'node:assert/strict';
import { snapshotDatabase } from '../support/db-snapshot';
import { promiseClient } from '../support/grpc-call';
import { type Stack, startStack, TEST_BRIDGE_TOKEN } from '../support/stack';

const PASSWORD = 'utf8 strict password';

/** A JSON body whose string values hold raw bytes that are not UTF-8. */
function withInvalidBytes(json: string, bytes: readonly number[]): Buffer {
  const [head, tail] = json.split('@@');
  return Buffer.concat([Buffer.from(head ?? '', 'utf8'), Buffer.from(bytes), Buffer.from(tail ?? '', 'utf8')]);
}

describe('HTTP bridge: bytes that are not UTF-8 are refused, never repaired', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ bridge: true });
    await promiseClient(stack.client).createUser({ email: 'utf8@example.com', password: PASSWORD });
  });
  after(async () => {
    await stack.close();
  });

  async function post(path: string, body: Buffer | string) {
    const response = await fetch(`${stack.bridgeUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  // Each body is valid JSON once the @@ is replaced by valid text; with the invalid bytes, it is not UTF-8.
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['/v1/login', '{"username_or_email":"utf8@example.com","password":"utf8 strict@@password"}'],
    ['/v1/get-user', '{"email":"utf8@example.com@@"}'],
    ['/v1/create', '{"email":"new-utf8@example.com","password":"pw@@12345678","user_metadata":{"n":"x"}}'],
    ['/v1/create', '{"email":"new-utf8@example.com","password":"pw12345678","user_metadata":{"n":"@@"}}'],
    ['/v1/verify', '{"email":"utf8@example.com@@"}'],
    ['/v1/change-password', '{"email":"utf8@example.com","new_password":"new @@ password"}'],
    ['/v1/delete', '{"user_id":"1@@"}'],
    ['/v1/change-email', '{"email":"utf8@example.com","new_email":"moved@@@example.com","verified":true}'],
  ];
  const invalid: ReadonlyArray<readonly [string, readonly number[]]> = [
    ['a stray continuation byte', [0x80]],
    ['0xFF 0xFE', [0xff, 0xfe]],
    ['a truncated sequence', [0xc3]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ];

  for (const [path, json] of cases) {
    it(`${path} ${json.includes('metadata":{"n":"@@') ? '(in metadata) ' : ''}answers 400 invalid_request and changes nothing`, async () => {
      const before = snapshotDatabase(stack.dbPath);
      for (const [what, bytes] of invalid) {
        const answer = await post(path, withInvalidBytes(json, bytes));
        assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.json)}`);
        assert.deepEqual(answer.json, { error: 'invalid_request', message: 'body is not valid UTF-8' }, what);
      }
      assert.equal(snapshotDatabase(stack.dbPath), before);
    });
  }

  it('still accepts valid UTF-8: accents, CJK and emoji sign up and log in', async () => {
    const answer = await post(
      '/v1/create',
      JSON.stringify({ email: 'unicode@example.com', password: 'pässwörd 密码 🔐 ok', user_metadata: { n: 'é' } }),
    );
    assert.equal(answer.status, 201, JSON.stringify(answer.json));
    const login = await post(
      '/v1/login',
      JSON.stringify({ username_or_email: 'unicode@example.com', password: 'pässwörd 密码 🔐 ok' }),
    );
    assert.equal(login.status, 200);
  });

  it("names the bridge's own field when the store refuses a value (email, not the gRPC login field)", async () => {
    const lookup = await post('/v1/get-user', JSON.stringify({ email: 'a\u0007b@example.com' }));
    assert.equal(lookup.status, 400);
    assert.match(String(lookup.json.message), /^email /);
    const login = await post('/v1/login', JSON.stringify({ username_or_email: 'a\u0007b', password: PASSWORD }));
    assert.equal(login.status, 400);
    assert.match(String(login.json.message), /^username_or_email /);
  });
});
