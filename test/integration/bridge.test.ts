import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { type Stack, startStack } from '../support/stack';

const TOKEN_A = 'bridge-token-a-0123456789abcdefghijklmnopqrstuv';
const TOKEN_B = 'bridge-token-b-0123456789abcdefghijklmnopqrstuv';
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a different, longer passphrase';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

interface PostOptions {
  /** Authorization header value; default `Bearer TOKEN_A`; null sends none. */
  readonly authorization?: string | null;
  /** Raw body instead of JSON.stringify(body). */
  readonly raw?: string;
  /** Content-Type; null sends none. */
  readonly contentType?: string | null;
}

describe('HTTP bridge over real HTTP, a real gRPC server and SQLite', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ bridge: true, env: { BRIDGE_TOKENS: `${TOKEN_A}, ${TOKEN_B}` } });
  });
  after(async () => {
    await stack.close();
  });

  function url(path: string): string {
    assert.ok(stack.bridgeUrl);
    return stack.bridgeUrl + path;
  }

  async function post(path: string, body: unknown, options: PostOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    const authorization = options.authorization === undefined ? `Bearer ${TOKEN_A}` : options.authorization;
    if (authorization !== null) headers.authorization = authorization;
    const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
    if (contentType !== null) headers['content-type'] = contentType;
    const payload = options.raw ?? JSON.stringify(body);
    // fetch labels a string body text/plain; bytes go without a Content-Type.
    const sent = contentType === null ? new TextEncoder().encode(payload) : payload;
    const response = await fetch(url(path), { method: 'POST', headers, body: sent });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: JSON.parse(text) as Record<string, unknown>,
    };
  }

  function assertError(answer: Answer, status: number, error: string): void {
    assert.equal(answer.status, status, answer.text);
    assert.equal(answer.json.error, error, answer.text);
    assert.deepEqual(Object.keys(answer.json).sort(), ['error', 'message']);
    assert.equal(typeof answer.json.message, 'string');
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
  }

  async function create(email: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const answer = await post('/v1/create', { email, password: PASSWORD, ...extra });
    assert.equal(answer.status, 201, answer.text);
    return answer.json.profile as Record<string, unknown>;
  }

  async function profileOf(email: string): Promise<Record<string, unknown> | null> {
    const answer = await post('/v1/get-user', { email });
    if (answer.status === 404) return null;
    assert.equal(answer.status, 200, answer.text);
    return answer.json.profile as Record<string, unknown>;
  }

  async function canLogIn(login: string, password: string): Promise<boolean> {
    const answer = await post('/v1/login', { username_or_email: login, password });
    assert.ok(answer.status === 200 || answer.status === 401, answer.text);
    return answer.status === 200;
  }

  describe('caller authentication', () => {
    it('accepts every configured token, so tokens rotate without downtime', async () => {
      for (const token of [TOKEN_A, TOKEN_B]) {
        assertError(
          await post('/v1/get-user', { email: 'nobody@example.com' }, { authorization: `Bearer ${token}` }),
          404,
          'not_found',
        );
      }
      const lower = await post('/v1/get-user', { email: 'nobody@example.com' }, { authorization: `bearer ${TOKEN_B}` });
      assertError(lower, 404, 'not_found');
    });

    it('refuses a missing, wrong, truncated, extended or non-bearer token with one 401 unauthorized', async () => {
      const attempts: (string | null)[] = [
        null,
        '',
        'Bearer',
        'Bearer ',
        'Bearer wrong-token-0123456789abcdefghijklmnopqrstuvwxyz',
        `Bearer ${TOKEN_A.slice(0, -1)}`,
        `Bearer ${TOKEN_A}x`,
        `Bearer ${TOKEN_A} ${TOKEN_B}`,
        `Basic ${Buffer.from(`user:${TOKEN_A}`).toString('base64')}`,
        TOKEN_A,
      ];
      const bodies = new Set<string>();
      for (const authorization of attempts) {
        const answer = await post(
          '/v1/login',
          { username_or_email: 'x@example.com', password: PASSWORD },
          { authorization },
        );
        assertError(answer, 401, 'unauthorized');
        bodies.add(answer.text);
      }
      assert.equal(bodies.size, 1);
    });

    it('checks the token before reading the body', async () => {
      const answer = await post('/v1/login', null, { authorization: null, raw: '{not json' });
      assertError(answer, 401, 'unauthorized');
    });

    it('serves /healthz and /readyz without a token', async () => {
      const live = await fetch(url('/healthz'));
      assert.equal(live.status, 200);
      assert.deepEqual(await live.json(), { status: 'ok' });
      const ready = await fetch(url('/readyz'));
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready' });
    });
  });

  describe('the seven routes', () => {
    it('POST /v1/create → 201 {profile}; 409 user_exists for a taken email or username', async () => {
      const profile = await create('Create@Example.com', {
        username: 'creator',
        user_metadata: { plan: 'gold', nested: { list: [1, 'two', null, true] } },
        app_metadata: { roles: ['admin'] },
      });
      assert.match(String(profile.user_id), /\S/);
      assert.deepEqual(profile, {
        user_id: profile.user_id,
        email: 'Create@Example.com',
        email_verified: false,
        username: 'creator',
        user_metadata: { plan: 'gold', nested: { list: [1, 'two', null, true] } },
        app_metadata: { roles: ['admin'] },
      });
      assertError(await post('/v1/create', { email: 'create@EXAMPLE.com', password: PASSWORD }), 409, 'user_exists');
      assertError(
        await post('/v1/create', { email: 'other@example.com', password: PASSWORD, username: 'creator' }),
        409,
        'user_exists',
      );
    });

    it('POST /v1/create → 400 password_rejected for a password the domain refuses, invalid_request for a bad email', async () => {
      assertError(
        await post('/v1/create', { email: 'pw@example.com', password: 'nul\u0000byte' }),
        400,
        'password_rejected',
      );
      assertError(
        await post('/v1/create', { email: 'pw@example.com', password: 'é'.repeat(600) }),
        400,
        'password_rejected',
      );
      assertError(
        await post('/v1/create', { email: 'pw@example.com', password: 'x'.repeat(1025) }),
        400,
        'password_rejected',
      );
      assertError(await post('/v1/create', { email: 'pw@example.com', password: '' }), 400, 'password_rejected');
      const badEmail = await post('/v1/create', { email: 'not-an-email', password: PASSWORD });
      assertError(badEmail, 400, 'invalid_request');
      assert.match(String(badEmail.json.message), /email/);
      assert.equal(await profileOf('pw@example.com'), null);
    });

    it('POST /v1/login → 200 {profile} by email or username; 401 invalid_credentials', async () => {
      const created = await create('login@example.com', { username: 'login-name' });
      const byEmail = await post('/v1/login', { username_or_email: 'LOGIN@example.com', password: PASSWORD });
      const byName = await post('/v1/login', { username_or_email: 'login-name', password: PASSWORD });
      assert.equal(byEmail.status, 200);
      assert.deepEqual(byEmail.json, { profile: created });
      assert.deepEqual(byName.json, { profile: created });
      assertError(
        await post('/v1/login', { username_or_email: 'login@example.com', password: 'nope' }),
        401,
        'invalid_credentials',
      );
    });

    it('POST /v1/get-user → 200 {profile} (the one Login returns); 404 not_found', async () => {
      const created = await create('get@example.com', { username: 'get-name' });
      assert.deepEqual(await post('/v1/get-user', { email: 'GET@example.com' }).then((a) => a.json), {
        profile: created,
      });
      assert.deepEqual(await profileOf('get-name'), created);
      assertError(await post('/v1/get-user', { email: 'missing@example.com' }), 404, 'not_found');
    });

    it('POST /v1/verify → 200 {verified: true}; 404 not_found', async () => {
      await create('verify@example.com');
      const answer = await post('/v1/verify', { email: 'verify@example.com' });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { verified: true });
      assert.equal((await profileOf('verify@example.com'))?.email_verified, true);
      assertError(await post('/v1/verify', { email: 'missing@example.com' }), 404, 'not_found');
    });

    it('POST /v1/change-password → 200 {changed: true}; 404 not_found; 400 password_rejected', async () => {
      await create('change-pw@example.com');
      const answer = await post('/v1/change-password', { email: 'change-pw@example.com', new_password: NEW_PASSWORD });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { changed: true });
      assert.equal(await canLogIn('change-pw@example.com', PASSWORD), false);
      assert.equal(await canLogIn('change-pw@example.com', NEW_PASSWORD), true);
      assertError(
        await post('/v1/change-password', { email: 'missing@example.com', new_password: NEW_PASSWORD }),
        404,
        'not_found',
      );
      assertError(
        await post('/v1/change-password', { email: 'change-pw@example.com', new_password: 'x'.repeat(1025) }),
        400,
        'password_rejected',
      );
      assert.equal(await canLogIn('change-pw@example.com', NEW_PASSWORD), true);
    });

    it('POST /v1/delete → 200 {deleted: true}; 404 not_found', async () => {
      const profile = await create('delete@example.com');
      const answer = await post('/v1/delete', { user_id: profile.user_id });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { deleted: true });
      assert.equal(await profileOf('delete@example.com'), null);
      assertError(await post('/v1/delete', { user_id: profile.user_id }), 404, 'not_found');
    });

    it('POST /v1/change-email → 200 {changed: true}; 404 not_found; 409 user_exists', async () => {
      const profile = await create('move-from@example.com');
      await create('occupied@example.com');
      const answer = await post('/v1/change-email', {
        email: 'move-from@example.com',
        new_email: 'move-to@example.com',
        verified: true,
      });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { changed: true });
      const moved = await profileOf('move-to@example.com');
      assert.equal(moved?.user_id, profile.user_id);
      assert.equal(moved?.email_verified, true);
      assertError(
        await post('/v1/change-email', { email: 'missing@example.com', new_email: 'x@example.com', verified: false }),
        404,
        'not_found',
      );
      assertError(
        await post('/v1/change-email', {
          email: 'move-to@example.com',
          new_email: 'OCCUPIED@example.com',
          verified: false,
        }),
        409,
        'user_exists',
      );
      assert.equal((await profileOf('move-to@example.com'))?.user_id, profile.user_id);
    });

    it('answers 404 unknown_route (not not_found) for an unknown path or a GET on a POST route', async () => {
      assertError(await post('/v1/nope', { email: 'a@example.com' }), 404, 'unknown_route');
      const get = await fetch(url('/v1/get-user'), { headers: { authorization: `Bearer ${TOKEN_A}` } });
      assert.equal(get.status, 404);
      assert.equal(((await get.json()) as { error: string }).error, 'unknown_route');
    });
  });

  describe('login failures are indistinguishable', () => {
    it('answers a wrong password and an unknown user with the same bytes and headers (except Date)', async () => {
      await create('twin@example.com', { username: 'twin' });
      const wrongPassword = await rawPost(url('/v1/login'), {
        username_or_email: 'twin@example.com',
        password: 'wrong!',
      });
      const unknownUser = await rawPost(url('/v1/login'), {
        username_or_email: 'ghost@example.com',
        password: 'wrong!',
      });
      const unknownName = await rawPost(url('/v1/login'), { username_or_email: 'ghost', password: 'wrong!' });
      assert.equal(wrongPassword.status, 401);
      for (const other of [unknownUser, unknownName]) {
        assert.equal(other.status, wrongPassword.status);
        assert.ok(other.body.equals(wrongPassword.body), `${other.body} vs ${wrongPassword.body}`);
        assert.deepEqual(other.headers, wrongPassword.headers);
      }
      assert.deepEqual(JSON.parse(wrongPassword.body.toString('utf8')), {
        error: 'invalid_credentials',
        message: 'invalid credentials',
      });
    });
  });

  describe('bad input: 4xx with a clear code, nothing changed, the service stays up', () => {
    let victim: Record<string, unknown>;
    before(async () => {
      victim = await create('victim@example.com', { username: 'victim', user_metadata: { keep: true } });
    });

    const cases: { name: string; path: string; body?: unknown; options?: PostOptions; error: string }[] = [
      {
        name: 'malformed JSON',
        path: '/v1/change-password',
        options: { raw: '{"email": "victim@example.com",' },
        error: 'invalid_request',
      },
      { name: 'an empty body', path: '/v1/change-password', options: { raw: '' }, error: 'invalid_request' },
      { name: 'a JSON array', path: '/v1/change-password', body: ['victim@example.com'], error: 'invalid_request' },
      { name: 'JSON null', path: '/v1/change-password', body: null, error: 'invalid_request' },
      {
        name: 'text/plain',
        path: '/v1/change-password',
        options: { raw: 'email=victim@example.com', contentType: 'text/plain' },
        error: 'invalid_request',
      },
      {
        name: 'no content type',
        path: '/v1/change-password',
        options: { raw: '{"email":"victim@example.com","new_password":"x1234567"}', contentType: null },
        error: 'invalid_request',
      },
      {
        name: 'an unknown field',
        path: '/v1/change-password',
        body: { email: 'victim@example.com', new_password: NEW_PASSWORD, admin: true },
        error: 'invalid_request',
      },
      {
        name: 'a missing field',
        path: '/v1/change-password',
        body: { email: 'victim@example.com' },
        error: 'invalid_request',
      },
      {
        name: 'a number for a string',
        path: '/v1/change-password',
        body: { email: 'victim@example.com', new_password: 12345678 },
        error: 'invalid_request',
      },
      {
        name: 'a string for a boolean (no coercion)',
        path: '/v1/change-email',
        body: { email: 'victim@example.com', new_email: 'v2@example.com', verified: 'true' },
        error: 'invalid_request',
      },
      { name: 'a number for user_id', path: '/v1/delete', body: { user_id: 1 }, error: 'invalid_request' },
      {
        name: 'a __proto__ key',
        path: '/v1/change-email',
        options: {
          raw: '{"email":"victim@example.com","new_email":"v2@example.com","verified":true,"__proto__":{"x":1}}',
        },
        error: 'invalid_request',
      },
      {
        name: 'control characters in an email',
        path: '/v1/change-email',
        body: { email: 'victim@example.com', new_email: 'v2\r\n@example.com', verified: true },
        error: 'invalid_request',
      },
      {
        name: 'a NUL in an email',
        path: '/v1/verify',
        body: { email: 'victim@example.com\u0000' },
        error: 'invalid_request',
      },
      {
        name: 'an email over 254 characters',
        path: '/v1/change-email',
        body: { email: 'victim@example.com', new_email: `${'a'.repeat(60)}@${'b'.repeat(200)}.com`, verified: true },
        error: 'invalid_request',
      },
      {
        name: 'a lone surrogate',
        path: '/v1/change-email',
        options: { raw: '{"email":"victim@example.com","new_email":"v\\ud800@example.com","verified":true}' },
        error: 'invalid_request',
      },
      {
        name: 'a 60 KB login',
        path: '/v1/login',
        body: { username_or_email: 'v'.repeat(60_000), password: PASSWORD },
        error: 'invalid_request',
      },
      {
        name: 'a password over 1024 bytes',
        path: '/v1/change-password',
        body: { email: 'victim@example.com', new_password: '€'.repeat(400) },
        error: 'password_rejected',
      },
      {
        name: 'metadata that is an array',
        path: '/v1/create',
        body: { email: 'meta@example.com', password: PASSWORD, user_metadata: [1, 2] },
        error: 'invalid_request',
      },
      {
        name: 'metadata nested 20 levels deep',
        path: '/v1/create',
        body: {
          email: 'meta@example.com',
          password: PASSWORD,
          app_metadata: JSON.parse(`${'{"a":'.repeat(20)}1${'}'.repeat(20)}`),
        },
        error: 'invalid_request',
      },
      {
        name: 'metadata nested 30 000 levels deep',
        path: '/v1/create',
        options: {
          raw: `{"email":"meta@example.com","password":"${PASSWORD}","user_metadata":{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`,
        },
        error: 'invalid_request',
      },
      {
        name: 'metadata over 16 KiB',
        path: '/v1/create',
        body: { email: 'meta@example.com', password: PASSWORD, user_metadata: { blob: 'm'.repeat(17 * 1024) } },
        error: 'invalid_request',
      },
      {
        name: 'a username with SQL in it',
        path: '/v1/create',
        body: { email: 'meta@example.com', password: PASSWORD, username: "x'); DROP TABLE Users; --" },
        error: 'invalid_request',
      },
    ];

    for (const c of cases) {
      it(`refuses ${c.name} with 400 ${c.error}`, async () => {
        const answer = await post(c.path, c.body, c.options);
        assertError(answer, 400, c.error);
        for (const secret of [PASSWORD, NEW_PASSWORD, 'victim@example.com']) {
          assert.ok(!answer.text.includes(secret), 'the answer echoes input');
        }
      });
    }

    it('refuses a body over 64 KiB with 413 payload_too_large', async () => {
      const answer = await post('/v1/create', {
        email: 'big@example.com',
        password: PASSWORD,
        user_metadata: { blob: 'b'.repeat(70 * 1024) },
      });
      assertError(answer, 413, 'payload_too_large');
    });

    it('treats SQL metacharacters as data', async () => {
      assertError(
        await post('/v1/login', { username_or_email: "' OR '1'='1' --", password: "' OR '1'='1" }),
        401,
        'invalid_credentials',
      );
      assertError(await post('/v1/get-user', { email: "victim@example.com' OR 1=1 --" }), 404, 'not_found');
      const quoted = await create("o'brien+tag@example.com", { username: 'obrien' });
      assert.deepEqual(await profileOf("O'Brien+tag@example.com"), quoted);
    });

    it('left the victim exactly as it was, and the service still answers', async () => {
      assert.deepEqual(await profileOf('victim@example.com'), victim);
      assert.equal(await canLogIn('victim', PASSWORD), true);
      assert.equal(await profileOf('meta@example.com'), null);
      assert.equal(await profileOf('v2@example.com'), null);
      assert.equal((await fetch(url('/healthz'))).status, 200);
    });

    it('changes nothing for a request with a wrong token', async () => {
      const wrong = { authorization: 'Bearer not-the-token-0123456789abcdefghijklmnop' };
      assertError(
        await post('/v1/change-password', { email: 'victim@example.com', new_password: NEW_PASSWORD }, wrong),
        401,
        'unauthorized',
      );
      assertError(await post('/v1/verify', { email: 'victim@example.com' }, wrong), 401, 'unauthorized');
      assertError(await post('/v1/delete', { user_id: victim.user_id }, wrong), 401, 'unauthorized');
      assertError(
        await post('/v1/create', { email: 'intruder@example.com', password: PASSWORD }, wrong),
        401,
        'unauthorized',
      );
      assert.deepEqual(await profileOf('victim@example.com'), victim);
      assert.equal(await canLogIn('victim@example.com', PASSWORD), true);
      assert.equal(await profileOf('intruder@example.com'), null);
    });
  });

  describe('logging', () => {
    it('writes one line per request with route, status, outcome and duration; never a body, password or token', async () => {
      const before = stack.logs.lines.length;
      await post('/v1/login', { username_or_email: 'log-probe@example.com', password: 'log-probe-password' });
      await post('/v1/get-user', { email: 'log-probe@example.com' }, { authorization: `Bearer ${TOKEN_B}x` });
      await post('/v1/unknown?token=query-secret', {});
      const lines = stack.logs.lines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
      const requests = lines.filter((l) => l.event === 'http_request');
      assert.deepEqual(
        requests.map((r) => [r.method, r.route, r.status, r.outcome]),
        [
          ['POST', '/v1/login', 401, 'invalid_credentials'],
          ['POST', '/v1/get-user', 401, 'unauthorized'],
          ['POST', 'unmatched', 404, 'unknown_route'],
        ],
      );
      for (const r of requests) assert.equal(typeof r.duration_ms, 'number');
      const text = stack.logs.text;
      for (const secret of ['log-probe-password', TOKEN_A, TOKEN_B, PASSWORD, NEW_PASSWORD, 'query-secret']) {
        assert.ok(!text.includes(secret), 'a secret reached the log');
      }
    });
  });

  describe('readiness', () => {
    it('turns /readyz to 503 unavailable when the gRPC server drains, while /healthz stays 200', async () => {
      stack.running.grpc.health.drain();
      const ready = await fetch(url('/readyz'));
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { error: string }).error, 'unavailable');
      assert.equal((await fetch(url('/healthz'))).status, 200);
    });
  });
});

describe('HTTP bridge in automatic migration (import) mode', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ bridge: true, env: { MIGRATION_MODE: 'import' } });
  });
  after(async () => {
    await stack.close();
  });

  it('answers 409 user_migrated (FAILED_PRECONDITION) for changes to a user Auth0 now owns', async () => {
    const headers = { authorization: `Bearer ${stack.config.bridge?.tokens[0]}`, 'content-type': 'application/json' };
    const call = (path: string, body: unknown) =>
      fetch(`${stack.bridgeUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    assert.equal((await call('/v1/create', { email: 'owned@example.com', password: PASSWORD })).status, 201);
    assert.equal((await call('/v1/get-user', { email: 'owned@example.com' })).status, 200);
    for (const [path, body] of [
      ['/v1/verify', { email: 'owned@example.com' }],
      ['/v1/change-password', { email: 'owned@example.com', new_password: NEW_PASSWORD }],
      ['/v1/change-email', { email: 'owned@example.com', new_email: 'else@example.com', verified: false }],
    ] as const) {
      const answer = await call(path, body);
      assert.equal(answer.status, 409, path);
      assert.deepEqual(await answer.json(), {
        error: 'user_migrated',
        message: 'user has migrated to Auth0; change it there',
      });
    }
  });
});

/** A POST over node:http, keeping the raw header list and body bytes. */
function rawPost(
  target: string,
  body: unknown,
): Promise<{ status: number; headers: [string, string][]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(
      target,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN_A}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: [string, string][] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const name = (res.rawHeaders[i] ?? '').toLowerCase();
            if (name !== 'date') headers.push([name, res.rawHeaders[i + 1] ?? '']);
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
