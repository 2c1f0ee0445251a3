import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Auth0Sandbox,
  isPlainError,
  SCRIPT_NAMES,
  type ScriptName,
  ValidationError,
  WrongUsernameOrPasswordError,
} from '../support/auth0-sandbox';
import { type Stack, startStack, TEST_BRIDGE_TOKEN } from '../support/stack';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'Tr0ub4dor&3 but longer';

/** Arguments each script gets from Auth0 in the failure drills (any plausible values). */
const DRILL_ARGS: Record<ScriptName, unknown[]> = {
  login: ['drill@example.com', PASSWORD],
  get_user: ['drill@example.com'],
  create: [{ email: 'drill@example.com', password: PASSWORD, tenant: 't', connection: 'legacy-identity' }],
  verify: ['drill@example.com'],
  change_password: ['drill@example.com', NEW_PASSWORD],
  delete: ['0f8c2c4e-0000-4000-8000-000000000000'],
  change_email: ['drill@example.com', 'drill2@example.com', true],
};

describe('Auth0 action scripts in an Auth0-like sandbox, against the real bridge', () => {
  let stack: Stack;
  let sandbox: Auth0Sandbox;

  before(async () => {
    stack = await startStack({ bridge: true });
  });
  after(async () => {
    await stack.close();
  });
  beforeEach(() => {
    sandbox = new Auth0Sandbox({ configuration: { BRIDGE_URL: bridgeUrl(), BRIDGE_TOKEN: TEST_BRIDGE_TOKEN } });
  });
  afterEach(() => {
    sandbox.assertEachCalledOnce();
  });

  function bridgeUrl(): string {
    assert.ok(stack.bridgeUrl, 'the stack runs the bridge');
    return stack.bridgeUrl;
  }

  async function signUp(email: string, username?: string): Promise<void> {
    const user: Record<string, unknown> = {
      email,
      password: PASSWORD,
      user_metadata: { plan: 'gold' },
      client_id: 'abc',
      tenant: 'example',
      connection: 'legacy-identity',
    };
    if (username !== undefined) user.username = username;
    assert.deepEqual(await sandbox.run('create', user), [null]);
  }

  describe('sign-up as Auth0 does it (Get User → Create → Login)', () => {
    it('finds nobody, creates the user, then logs in with the same profile Get User returns', async () => {
      assert.deepEqual(await sandbox.run('get_user', 'signup@example.com'), [null]);
      await signUp('signup@example.com', 'signup');
      const [loginError, profile] = await sandbox.run('login', 'signup@example.com', PASSWORD);
      assert.equal(loginError, null);
      const [getError, found] = await sandbox.run('get_user', 'signup@example.com');
      assert.equal(getError, null);
      assert.deepEqual(found, profile);
      assert.deepEqual(profile, {
        user_id: (profile as { user_id: string }).user_id,
        email: 'signup@example.com',
        email_verified: false,
        username: 'signup',
        user_metadata: { plan: 'gold' },
      });
    });
  });

  describe('create.js', () => {
    it('answers ValidationError user_exists for a taken email', async () => {
      await signUp('taken@example.com');
      const [error] = await sandbox.run('create', { email: 'TAKEN@example.com', password: PASSWORD });
      assert.ok(error instanceof ValidationError);
      assert.equal(error.code, 'user_exists');
    });

    it('answers ValidationError user_exists for a taken username', async () => {
      await signUp('first@example.com', 'same-name');
      const [error] = await sandbox.run('create', {
        email: 'second@example.com',
        password: PASSWORD,
        username: 'same-name',
      });
      assert.ok(error instanceof ValidationError);
      assert.equal(error.code, 'user_exists');
    });

    it('answers a plain Error when the store rejects the password', async () => {
      const [error] = await sandbox.run('create', { email: 'nul@example.com', password: 'bad\u0000password' });
      assert.ok(isPlainError(error));
      assert.match(error.message, /HTTP 400 password_rejected/);
      assert.ok(!error.message.includes('bad'));
      assert.deepEqual(await sandbox.run('get_user', 'nul@example.com'), [null]);
    });
  });

  describe('login.js', () => {
    before(async () => {
      await new Auth0Sandbox({ configuration: { BRIDGE_URL: bridgeUrl(), BRIDGE_TOKEN: TEST_BRIDGE_TOKEN } }).run(
        'create',
        { email: 'login@example.com', username: 'login-user', password: PASSWORD },
      );
    });

    it('logs in by email and by username with one profile', async () => {
      const [e1, byEmail] = await sandbox.run('login', 'login@example.com', PASSWORD);
      const [e2, byUsername] = await sandbox.run('login', 'login-user', PASSWORD);
      assert.equal(e1, null);
      assert.equal(e2, null);
      assert.deepEqual(byEmail, byUsername);
      assert.equal((byEmail as { username: string }).username, 'login-user');
    });

    it('answers WrongUsernameOrPasswordError for a wrong password and for an unknown user alike', async () => {
      const [wrong] = await sandbox.run('login', 'login@example.com', 'not the password');
      const [unknown] = await sandbox.run('login', 'nobody@example.com', 'not the password');
      assert.ok(wrong instanceof WrongUsernameOrPasswordError);
      assert.ok(unknown instanceof WrongUsernameOrPasswordError);
      assert.equal(wrong.message, unknown.message);
      assert.equal(wrong.userIdOrEmail, 'login@example.com');
    });
  });

  describe('get_user.js', () => {
    it('finds by email (any case) and by username; answers callback(null) with one argument when absent', async () => {
      await signUp('Lookup@Example.com', 'lookup');
      const [, byEmail] = await sandbox.run('get_user', 'lookup@example.com');
      const [, byUsername] = await sandbox.run('get_user', 'lookup');
      assert.deepEqual(byEmail, byUsername);
      assert.equal((byEmail as { email: string }).email, 'Lookup@Example.com');
      const absent = await sandbox.run('get_user', 'absent@example.com');
      assert.deepEqual(absent, [null]);
      assert.equal(absent.length, 1);
    });
  });

  describe('verify.js', () => {
    it('marks the email verified, which Login and Get User then report; false for an unknown email', async () => {
      await signUp('verify@example.com');
      assert.deepEqual(await sandbox.run('verify', 'verify@example.com'), [null, true]);
      const [, profile] = await sandbox.run('login', 'verify@example.com', PASSWORD);
      assert.equal((profile as { email_verified: boolean }).email_verified, true);
      const [, found] = await sandbox.run('get_user', 'verify@example.com');
      assert.equal((found as { email_verified: boolean }).email_verified, true);
      assert.deepEqual(await sandbox.run('verify', 'nobody@example.com'), [null, false]);
    });
  });

  describe('change_password.js', () => {
    it('changes the password: the new one logs in, the old one is a wrong password', async () => {
      await signUp('change-pw@example.com');
      assert.deepEqual(await sandbox.run('change_password', 'change-pw@example.com', NEW_PASSWORD), [null, true]);
      const [oldError] = await sandbox.run('login', 'change-pw@example.com', PASSWORD);
      assert.ok(oldError instanceof WrongUsernameOrPasswordError);
      const [newError, profile] = await sandbox.run('login', 'change-pw@example.com', NEW_PASSWORD);
      assert.equal(newError, null);
      assert.equal((profile as { email: string }).email, 'change-pw@example.com');
    });

    it('answers (null, false) for an unknown email and a plain Error for a rejected password', async () => {
      assert.deepEqual(await sandbox.run('change_password', 'nobody@example.com', NEW_PASSWORD), [null, false]);
      await signUp('reject-pw@example.com');
      const [error] = await sandbox.run('change_password', 'reject-pw@example.com', 'x'.repeat(2000));
      assert.ok(isPlainError(error));
      assert.match(error.message, /password_rejected/);
      const [stillOld] = await sandbox.run('login', 'reject-pw@example.com', PASSWORD);
      assert.equal(stillOld, null);
    });
  });

  describe('change_email.js', () => {
    it('moves the user to the new email (login by the new one, the old one is gone)', async () => {
      await signUp('old-address@example.com');
      const [, before] = await sandbox.run('get_user', 'old-address@example.com');
      assert.deepEqual(await sandbox.run('change_email', 'old-address@example.com', 'new-address@example.com', true), [
        null,
        true,
      ]);
      const [, after] = await sandbox.run('login', 'new-address@example.com', PASSWORD);
      assert.equal((after as { user_id: string }).user_id, (before as { user_id: string }).user_id);
      assert.equal((after as { email_verified: boolean }).email_verified, true);
      assert.deepEqual(await sandbox.run('get_user', 'old-address@example.com'), [null]);
    });

    it('answers (null, false) for an unknown email and ValidationError user_exists for a taken one', async () => {
      assert.deepEqual(await sandbox.run('change_email', 'nobody@example.com', 'x@example.com', false), [null, false]);
      await signUp('holder-a@example.com');
      await signUp('holder-b@example.com');
      const [error] = await sandbox.run('change_email', 'holder-a@example.com', 'holder-b@example.com', false);
      assert.ok(error instanceof ValidationError);
      assert.equal(error.code, 'user_exists');
    });
  });

  describe('delete.js', () => {
    it('deletes by the bare user_id; a repeated delete still succeeds; the user can no longer log in', async () => {
      await signUp('delete-me@example.com');
      const [, profile] = await sandbox.run('get_user', 'delete-me@example.com');
      const id = (profile as { user_id: string }).user_id;
      assert.deepEqual(await sandbox.run('delete', id), [null]);
      assert.deepEqual(await sandbox.run('delete', id), [null]);
      const [error] = await sandbox.run('login', 'delete-me@example.com', PASSWORD);
      assert.ok(error instanceof WrongUsernameOrPasswordError);
    });
  });

  describe('secrets', () => {
    it('never writes a password or the bridge token into the service log', async () => {
      await signUp('secret@example.com');
      await sandbox.run('login', 'secret@example.com', PASSWORD);
      await sandbox.run('login', 'secret@example.com', 'wrong-guess-1234');
      await sandbox.run('change_password', 'secret@example.com', NEW_PASSWORD);
      const log = stack.logs.text;
      assert.ok(log.includes('/v1/login'), 'the requests were logged');
      for (const secret of [PASSWORD, NEW_PASSWORD, 'wrong-guess-1234', TEST_BRIDGE_TOKEN]) {
        assert.ok(!log.includes(secret), 'a secret reached the log');
      }
    });
  });

  describe('failures are plain Errors from every script, never a wrong password or "not found"', () => {
    async function runAll(configuration: Record<string, string>): Promise<Map<ScriptName, unknown[]>> {
      const drill = new Auth0Sandbox({ configuration });
      const results = await Promise.all(
        SCRIPT_NAMES.map(async (name) => [name, await drill.run(name, ...DRILL_ARGS[name])] as const),
      );
      drill.assertEachCalledOnce();
      return new Map(results);
    }

    function assertAllPlainErrors(results: Map<ScriptName, unknown[]>, pattern: RegExp): void {
      for (const [name, args] of results) {
        assert.equal(args.length, 1, `${name} called back with ${args.length} arguments`);
        const error = args[0];
        assert.ok(isPlainError(error), `${name} did not answer a plain Error: ${String(error)}`);
        assert.match(error.message, pattern, `${name}: ${error.message}`);
        assert.ok(!error.message.includes(PASSWORD) && !error.message.includes(TEST_BRIDGE_TOKEN));
      }
    }

    it('a wrong bridge token (401 unauthorized)', async () => {
      assertAllPlainErrors(
        await runAll({ BRIDGE_URL: bridgeUrl(), BRIDGE_TOKEN: 'wrong-token-wrong-token-wrong-token' }),
        /HTTP 401 unauthorized/,
      );
    });

    it('a BRIDGE_URL with a wrong path (404 unknown_route is not "no such user")', async () => {
      assertAllPlainErrors(
        await runAll({ BRIDGE_URL: `${bridgeUrl()}/api`, BRIDGE_TOKEN: TEST_BRIDGE_TOKEN }),
        /HTTP 404 unknown_route/,
      );
    });

    it('the bridge is down (connection refused)', async () => {
      const closed = await freePort();
      assertAllPlainErrors(
        await runAll({ BRIDGE_URL: `http://127.0.0.1:${closed}`, BRIDGE_TOKEN: TEST_BRIDGE_TOKEN }),
        /request failed \(ECONNREFUSED\)/,
      );
    });

    it('missing configuration', async () => {
      assertAllPlainErrors(await runAll({ BRIDGE_URL: '', BRIDGE_TOKEN: '' }), /must be configured/);
    });

    describe('against a stub standing in for the bridge', () => {
      let stub: Stub;
      afterEach(async () => {
        await stub.close();
      });

      it('429 rate_limited with Retry-After', async () => {
        stub = await startStub((_req, res) => {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
          res.end('{"error":"rate_limited","message":"too many requests; retry later"}');
        });
        assertAllPlainErrors(await runAll(stub.configuration), /HTTP 429 rate_limited/);
      });

      it('503 unavailable', async () => {
        stub = await startStub((_req, res) => {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end('{"error":"unavailable","message":"identity store unavailable; retry later"}');
        });
        assertAllPlainErrors(await runAll(stub.configuration), /HTTP 503 unavailable/);
      });

      it('a proxy answering 404 or 502 with an HTML page', async () => {
        stub = await startStub((req, res) => {
          res.writeHead(req.url === '/v1/get-user' ? 404 : 502, { 'content-type': 'text/html' });
          res.end('<html><body>Not Found</body></html>');
        });
        assertAllPlainErrors(await runAll(stub.configuration), /unreadable answer \(HTTP (404|502)\)/);
      });

      it('a hung bridge: each script gives up after BRIDGE_TIMEOUT_MS', async () => {
        stub = await startStub(() => {
          // Never answers.
        });
        assertAllPlainErrors(
          await runAll({ ...stub.configuration, BRIDGE_TIMEOUT_MS: '300' }),
          /no answer within 300 ms/,
        );
      });

      it('sends JSON with the bearer token and a fresh W3C traceparent, and names the trace in its errors', async () => {
        stub = await startStub((_req, res) => {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end('{"error":"unavailable"}');
        });
        const results = await runAll(stub.configuration);
        assert.equal(stub.requests.length, SCRIPT_NAMES.length);
        const traceIds = new Set<string>();
        for (const request of stub.requests) {
          assert.equal(request.method, 'POST');
          assert.equal(request.headers['content-type'], 'application/json');
          assert.equal(request.headers.authorization, `Bearer ${TEST_BRIDGE_TOKEN}`);
          const match = /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(String(request.headers.traceparent));
          assert.ok(match, `traceparent ${request.headers.traceparent}`);
          traceIds.add(match[1] as string);
          assert.doesNotThrow(() => JSON.parse(request.body));
        }
        assert.equal(traceIds.size, SCRIPT_NAMES.length, 'one trace per call');
        for (const [, [error]] of results) {
          const id = /\(trace ([0-9a-f]{32})\)/.exec((error as Error).message)?.[1];
          assert.ok(id && traceIds.has(id));
        }
      });
    });
  });
});

interface Stub {
  readonly configuration: Record<string, string>;
  readonly requests: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

/** A node:http server standing in for the bridge, for answers the real bridge cannot give on demand. */
async function startStub(
  handler: (req: { url: string }, res: import('node:http').ServerResponse) => void,
): Promise<Stub> {
  const requests: Stub['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      handler({ url: req.url ?? '' }, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    configuration: { BRIDGE_URL: `http://127.0.0.1:${port}`, BRIDGE_TOKEN: TEST_BRIDGE_TOKEN },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
