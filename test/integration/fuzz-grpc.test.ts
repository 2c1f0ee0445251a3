import assert from 'node:assert/strict';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { snapshotDatabase } from '../support/db-snapshot';
import { anyFieldValue, deepValue, emailish, fuzzParameters, hostileString, longString } from '../support/fuzz-values';
import { type PromiseClient, promiseClient } from '../support/grpc-call';
import { type Stack, startStack } from '../support/stack';

/** Codes a call may end with; INTERNAL, UNKNOWN, UNAVAILABLE, DATA_LOSS … are findings. */
const CLIENT_CODES = new Set([
  status.OK,
  status.INVALID_ARGUMENT,
  status.UNAUTHENTICATED,
  status.NOT_FOUND,
  status.ALREADY_EXISTS,
  status.FAILED_PRECONDITION,
  status.RESOURCE_EXHAUSTED,
]);

const SEEDED_PASSWORD = 'seeded grpc password 1';

describe('fuzzing the gRPC API: arbitrary field values and bytes at every RPC', () => {
  let stack: Stack;
  let rpc: PromiseClient;
  const seeded: string[] = [];

  before(async () => {
    stack = await startStack();
    rpc = promiseClient(stack.client);
    for (const email of ['grpc-one@example.com', 'GRPC.Two@Example.com']) {
      const user = await rpc.createUser({ email, password: SEEDED_PASSWORD, username: email.split('@')[0] ?? '' });
      seeded.push(email, user.userId, email.split('@')[0] ?? '');
    }
  });
  after(async () => {
    await stack.close();
  });

  const text = (): fc.Arbitrary<string> =>
    fc.oneof(
      { weight: 3, arbitrary: hostileString },
      { weight: 3, arbitrary: emailish },
      { weight: 1, arbitrary: longString },
      { weight: 3, arbitrary: fc.constantFrom(...seeded, SEEDED_PASSWORD, '') },
    );

  /** A google.protobuf.Struct value: any JSON object, deep, big, or full of hostile keys. */
  const struct = (): fc.Arbitrary<Record<string, unknown> | undefined> =>
    fc.oneof(
      fc.constant(undefined),
      fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
      deepValue.map((v) => ({ nested: v })),
      longString.map((v) => ({ big: v })),
      fc.dictionary(hostileString, anyFieldValue(), { maxKeys: 3 }),
    );

  /** Calls one RPC; resolves with its code. The store must not change unless the call succeeded. */
  async function check(name: string, call: () => Promise<unknown>): Promise<void> {
    const before = snapshotDatabase(stack.dbPath);
    let code: number = status.OK;
    let details = '';
    try {
      await call();
    } catch (error) {
      code = (error as ServiceError).code;
      details = (error as ServiceError).details;
    }
    const where = `${name} → ${status[code]} ${details}`;
    assert.ok(CLIENT_CODES.has(code), where);
    if (code !== status.OK)
      assert.equal(snapshotDatabase(stack.dbPath), before, `a refused call changed the store: ${where}`);
  }

  const deadline = { deadlineMs: 10_000 };
  /** One fc.assert per RPC. */
  const fuzz: Record<string, () => Promise<void>> = {
    Authenticate: () =>
      fc.assert(
        fc.asyncProperty(text(), text(), (login, password) =>
          check('Authenticate', () => rpc.authenticate({ login, password }, deadline)),
        ),
        fuzzParameters(50),
      ),
    GetUser: () =>
      fc.assert(
        fc.asyncProperty(text(), text(), (email, login) =>
          check('GetUser', () => rpc.getUser({ email, login }, deadline)),
        ),
        fuzzParameters(50),
      ),
    CreateUser: () =>
      fc.assert(
        fc.asyncProperty(
          text(),
          text(),
          fc.option(text()),
          struct(),
          struct(),
          (email, password, username, userMetadata, appMetadata) =>
            check('CreateUser', () =>
              rpc.createUser(
                {
                  email,
                  password,
                  ...(username === null ? {} : { username }),
                  ...(userMetadata === undefined ? {} : { userMetadata }),
                  ...(appMetadata === undefined ? {} : { appMetadata }),
                },
                deadline,
              ),
            ),
        ),
        fuzzParameters(50),
      ),
    VerifyEmail: () =>
      fc.assert(
        fc.asyncProperty(text(), (email) => check('VerifyEmail', () => rpc.verifyEmail({ email }, deadline))),
        fuzzParameters(50),
      ),
    ChangePassword: () =>
      fc.assert(
        fc.asyncProperty(text(), text(), (email, newPassword) =>
          check('ChangePassword', () => rpc.changePassword({ email, newPassword }, deadline)),
        ),
        fuzzParameters(50),
      ),
    DeleteUser: () =>
      fc.assert(
        fc.asyncProperty(text(), (userId) => check('DeleteUser', () => rpc.deleteUser({ userId }, deadline))),
        fuzzParameters(50),
      ),
    ChangeEmail: () =>
      fc.assert(
        fc.asyncProperty(text(), text(), fc.boolean(), (email, newEmail, verified) =>
          check('ChangeEmail', () => rpc.changeEmail({ email, newEmail, verified }, deadline)),
        ),
        fuzzParameters(50),
      ),
  };

  for (const [name, run] of Object.entries(fuzz)) {
    it(`${name}: arbitrary field values never give INTERNAL or a change when refused`, async function () {
      this.timeout(120_000);
      await run();
    });
  }

  it('arbitrary bytes as the request message of every RPC: INVALID_ARGUMENT or a normal answer, never INTERNAL', async function () {
    this.timeout(120_000);
    const method = fc.constantFrom(
      'Authenticate',
      'GetUser',
      'CreateUser',
      'VerifyEmail',
      'ChangePassword',
      'DeleteUser',
      'ChangeEmail',
    );
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      // Valid-looking field headers with garbage or invalid UTF-8 behind them.
      fc
        .tuple(fc.constantFrom(0x0a, 0x12, 0x1a, 0x22, 0x2a), fc.uint8Array({ maxLength: 60 }))
        .map(([tag, rest]) => Uint8Array.from([tag, rest.length, ...rest])),
      // A struct nested far past the decoder's recursion limit.
      fc.integer({ min: 50, max: 5_000 }).map((depth) => {
        let message: number[] = [];
        for (let i = 0; i < depth; i++) message = [0x22, ...varint(message.length), ...message];
        return Uint8Array.from(message);
      }),
    );
    await fc.assert(
      fc.asyncProperty(method, bytes, (name, payload) =>
        check(
          `${name}(raw ${payload.length} bytes)`,
          () =>
            new Promise<void>((resolve, reject) => {
              stack.client.makeUnaryRequest(
                `/identity.v1.IdentityStore/${name}`,
                (b: Buffer) => b,
                (b: Buffer) => b,
                Buffer.from(payload),
                new Metadata(),
                { deadline: Date.now() + 10_000 },
                (error) => (error ? reject(error) : resolve()),
              );
            }),
        ),
      ),
      fuzzParameters(120),
    );
  });

  it('logged no error and the seeded users are intact unless a call changed them', async () => {
    const errors = stack.logs.entries().filter((e) => Number(e.level) >= 50);
    assert.deepEqual(errors, []);
    const user = await rpc.getUser({ email: '', login: 'grpc-one@example.com' }).catch(() => null);
    if (user) assert.equal(user.email.toLowerCase(), 'grpc-one@example.com');
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}
