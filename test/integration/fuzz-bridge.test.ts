import assert from 'node:assert/strict';
import fc from 'fast-check';
import { snapshotDatabase } from '../support/db-snapshot';
import { anyFieldValue, deepValue, emailish, fuzzParameters, hostileString, longString } from '../support/fuzz-values';
import { promiseClient } from '../support/grpc-call';
import { type Stack, startStack, TEST_BRIDGE_TOKEN } from '../support/stack';

/** Each route with the fields its body declares. */
const ROUTES: Record<string, readonly string[]> = {
  '/v1/login': ['username_or_email', 'password'],
  '/v1/get-user': ['email'],
  '/v1/create': ['email', 'password', 'username', 'user_metadata', 'app_metadata'],
  '/v1/verify': ['email'],
  '/v1/change-password': ['email', 'new_password'],
  '/v1/delete': ['user_id'],
  '/v1/change-email': ['email', 'new_email', 'verified'],
};

/** Statuses a request may get; anything 5xx is a finding. */
const CLIENT_STATUSES = new Set([200, 201, 400, 401, 404, 409, 413, 415, 429]);

const SEEDED_PASSWORD = 'seeded user password 1';

/** Byte sequences that are not UTF-8: stray continuation, 0xFF/0xFE, truncated, overlong, surrogate, past U+10FFFF. */
const INVALID_UTF8: readonly (readonly number[])[] = [
  [0x80],
  [0xff],
  [0xfe, 0xff],
  [0xc3],
  [0xe2, 0x82],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
];
const INVALID_UTF8_ANSWER = { error: 'invalid_request', message: 'body is not valid UTF-8' };

interface Sent {
  readonly path: string;
  /** JSON text (sent as UTF-8), or raw bytes that are not UTF-8. */
  readonly body: string | Uint8Array;
  readonly contentType: string | null;
  /** A password-like value the answer must never echo. */
  readonly secret: string | null;
}

describe('fuzzing the bridge: arbitrary JSON, strings, Unicode, huge and nested values at every route', () => {
  let stack: Stack;
  const seeded: { email: string; userId: string; username: string }[] = [];

  before(async () => {
    stack = await startStack({ bridge: true });
    const rpc = promiseClient(stack.client);
    for (const [email, username] of [
      ['seed-one@example.com', 'seed_one'],
      ['Seed.Two@Example.com', 'seed-two'],
      ['üñî@example.com', 'unicode'],
    ] as const) {
      const user = await rpc.createUser({ email, username, password: SEEDED_PASSWORD, userMetadata: { k: 'v' } });
      seeded.push({ email, userId: user.userId, username });
    }
  });
  after(async () => {
    await stack.close();
  });

  /** Values that hit existing rows, so a refused write to a real user is exercised. */
  function seededValues(): fc.Arbitrary<unknown> {
    return fc.constantFrom(
      ...seeded.flatMap((s) => [s.email, s.email.toUpperCase(), s.userId, s.username]),
      SEEDED_PASSWORD,
    );
  }

  /** A value for one declared field: mostly of the right JSON type (so the request gets past the schema), sometimes anything. */
  function fieldValue(field: string): fc.Arbitrary<unknown> {
    const any = anyFieldValue([seededValues()]);
    if (field === 'verified') return fc.oneof({ weight: 8, arbitrary: fc.boolean() }, { weight: 1, arbitrary: any });
    if (field.endsWith('_metadata')) {
      const metadata = fc.oneof(
        fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
        deepValue.map((v) => ({ nested: v })),
        longString.map((v) => ({ big: v })),
      );
      return fc.oneof({ weight: 6, arbitrary: metadata }, { weight: 1, arbitrary: any });
    }
    const text = fc.oneof(
      { weight: 2, arbitrary: hostileString },
      { weight: 3, arbitrary: emailish },
      { weight: 1, arbitrary: longString },
      { weight: 3, arbitrary: seededValues() },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
    );
    return fc.oneof({ weight: 8, arbitrary: text }, { weight: 1, arbitrary: any });
  }

  function bodyFor(fields: readonly string[]): fc.Arbitrary<{ body: string | Uint8Array; secret: string | null }> {
    const required = fields.filter((f) => !['username', 'user_metadata', 'app_metadata'].includes(f));
    const record = (requiredKeys: string[]) =>
      fc.record(Object.fromEntries(fields.map((f) => [f, fieldValue(f)])), { requiredKeys });
    const structured = fc
      .tuple(
        fc.oneof({ weight: 6, arbitrary: record(required) }, { weight: 1, arbitrary: record([]) }),
        fc.oneof(
          { weight: 9, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.tuple(hostileString, anyFieldValue()) },
        ),
      )
      .map(([fieldsAndValues, extra]) => {
        const object: Record<string, unknown> = { ...fieldsAndValues };
        if (extra) object[extra[0]] = extra[1];
        const secret = [object.password, object.new_password].find((v) => typeof v === 'string' && v.length >= 16);
        return { body: JSON.stringify(object), secret: typeof secret === 'string' ? secret : null };
      });
    // A body that is not UTF-8: invalid bytes spliced anywhere into a body that would be accepted.
    const notUtf8 = fc.tuple(structured, fc.constantFrom(...INVALID_UTF8), fc.nat()).map(([{ body }, bytes, at]) => {
      const text = new TextEncoder().encode(body);
      const cut = at % (text.length + 1);
      return { body: Buffer.concat([text.subarray(0, cut), Buffer.from(bytes), text.subarray(cut)]), secret: null };
    });
    return fc.oneof(
      { weight: 15, arbitrary: structured },
      { weight: 2, arbitrary: notUtf8 },
      { weight: 1, arbitrary: fc.jsonValue().map((v) => ({ body: JSON.stringify(v) ?? 'null', secret: null })) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((body) => ({ body, secret: null })) },
      { weight: 1, arbitrary: deepValue.map((v) => ({ body: JSON.stringify(v), secret: null })) },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 1_000, max: 40_000 })
          .map((n) => ({ body: `${'['.repeat(n)}${']'.repeat(n)}`, secret: null })),
      },
      {
        weight: 1,
        arbitrary: longString.map((s) => ({ body: JSON.stringify({ [fields[0] ?? 'x']: s.repeat(5) }), secret: null })),
      },
    );
  }

  const contentType = fc.oneof(
    { weight: 12, arbitrary: fc.constant<string | null>('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom<string | null>(
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        null,
      ),
    },
  );

  async function send(sent: Sent): Promise<void> {
    const before = snapshotDatabase(stack.dbPath);
    const headers: Record<string, string> = { authorization: `Bearer ${TEST_BRIDGE_TOKEN}` };
    if (sent.contentType !== null) headers['content-type'] = sent.contentType;
    const response = await fetch(`${stack.bridgeUrl}${sent.path}`, {
      method: 'POST',
      headers,
      body: typeof sent.body === 'string' ? new TextEncoder().encode(sent.body) : sent.body,
    });
    const text = await response.text();
    const shown = typeof sent.body === 'string' ? sent.body : Buffer.from(sent.body).toString('latin1');
    const where = `${sent.path} ${JSON.stringify(shown.slice(0, 200))} → ${response.status} ${text.slice(0, 200)}`;
    assert.ok(CLIENT_STATUSES.has(response.status), where);
    const json = JSON.parse(text) as Record<string, unknown>;
    if (response.status >= 400) {
      assert.equal(typeof json.error, 'string', where);
      assert.equal(snapshotDatabase(stack.dbPath), before, `a refused request changed the store: ${where}`);
    }
    if (typeof sent.body !== 'string') {
      // Never decoded into U+FFFD and accepted: refused before anything else reads the body.
      assert.ok(response.status >= 400, where);
      if (response.status === 400) assert.deepEqual(json, INVALID_UTF8_ANSWER, where);
    }
    if (response.status === 429) assert.match(response.headers.get('retry-after') ?? '', /^\d+$/, where);
    if (sent.secret !== null) assert.ok(!text.includes(sent.secret), `the answer echoes a password: ${where}`);
  }

  for (const [path, fields] of Object.entries(ROUTES)) {
    it(`POST ${path}: never a 5xx, never a change when refused, never an echoed password`, async function () {
      this.timeout(120_000);
      await fc.assert(
        fc.asyncProperty(bodyFor(fields), contentType, async ({ body, secret }, type) => {
          await send({ path, body, contentType: type, secret });
        }),
        fuzzParameters(60),
      );
    });
  }

  it('any route, any method-less path, any body: never a 5xx', async function () {
    this.timeout(120_000);
    const path = fc.oneof(
      fc.constantFrom(...Object.keys(ROUTES)),
      fc.string({ unit: 'grapheme-ascii', maxLength: 30 }).map((p) => `/${encodeURIComponent(p)}`),
      fc.constantFrom('/v1/login/', '/V1/LOGIN', '/v1/login?x=1', '/v1//login', '/v1/%2e%2e/login'),
    );
    await fc.assert(
      fc.asyncProperty(path, bodyFor(['email', 'password']), async (p, { body, secret }) => {
        await send({ path: p, body, contentType: 'application/json', secret });
      }),
      fuzzParameters(60),
    );
  });

  it('logged no error and is still healthy', async () => {
    const errors = stack.logs.entries().filter((e) => Number(e.level) >= 50);
    assert.deepEqual(errors, []);
    const health = await fetch(`${stack.bridgeUrl}/readyz`);
    assert.equal(health.status, 200);
  });
});
