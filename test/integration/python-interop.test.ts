import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Stack, startStack } from '../support/stack';

/** Debian's python3-grpcio and python3-protobuf (apt-get install python3-grpcio python3-protobuf). */
const PYTHON = '/usr/bin/python3';
const pythonHasGrpc = spawnSync(PYTHON, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' }).status === 0;

type Step = { code: string; details?: string; status_details_hex?: string; body?: Record<string, unknown> };

describe('an independent gRPC client (Python grpcio, C core)', () => {
  let stack: Stack | undefined;
  let out: Record<string, Step>;

  before(async function () {
    if (!pythonHasGrpc) {
      console.log(`      skipped: ${PYTHON} lacks grpc/protobuf (apt-get install python3-grpcio python3-protobuf)`);
      this.skip();
    }
    this.timeout(60_000);
    stack = await startStack();
    const dir = mkdtempSync(join(tmpdir(), 'lia-py-'));
    const descriptors = join(dir, 'identity.pb');
    execFileSync('protoc', [
      '--include_imports',
      `--descriptor_set_out=${descriptors}`,
      '-I',
      'proto',
      'identity/v1/identity_store.proto',
    ]);
    // Asynchronously: the server under test runs in this process and must keep answering.
    try {
      const { stdout } = await promisify(execFile)(
        PYTHON,
        ['test/interop/python_client.py', stack.grpcAddress, descriptors],
        {
          encoding: 'utf8',
          timeout: 50_000,
        },
      );
      out = JSON.parse(stdout) as Record<string, Step>;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  after(async () => {
    await stack?.close();
  });

  const step = (name: string): Step => {
    const s = out[name];
    assert.ok(s, `step ${name} missing`);
    return s;
  };

  it('creates a user and authenticates by email and by username', () => {
    assert.equal(step('create').code, 'OK');
    assert.equal(step('auth_email').code, 'OK');
    assert.equal(step('auth_username').code, 'OK');
    assert.equal((step('auth_username').body?.user as { email?: string } | undefined)?.email, 'py@example.com');
  });

  it('sees UNAUTHENTICATED with identical details for a wrong password and an unknown user', () => {
    const wrong = step('auth_wrong');
    const unknown = step('auth_unknown');
    assert.equal(wrong.code, 'UNAUTHENTICATED');
    assert.deepEqual(unknown, wrong);
  });

  it('gets, verifies, changes the password (the old one then fails), changes the email, deletes', () => {
    assert.equal(step('get').code, 'OK');
    assert.equal(step('verify').code, 'OK');
    assert.equal(step('get_verified').body?.email_verified, true);
    assert.equal(step('change_password').code, 'OK');
    assert.equal(step('auth_old').code, 'UNAUTHENTICATED');
    assert.equal(step('auth_new').code, 'OK');
    assert.equal(step('change_email_taken').code, 'ALREADY_EXISTS');
    assert.equal(step('change_email').code, 'OK');
    assert.equal(step('delete').code, 'OK');
    assert.equal(step('get_deleted').code, 'NOT_FOUND');
  });

  it('gets INVALID_ARGUMENT with google.rpc.Status details for bad input', () => {
    for (const name of ['bad_input', 'bad_username']) {
      const bad = step(name);
      assert.equal(bad.code, 'INVALID_ARGUMENT', name);
      assert.ok(Buffer.from(bad.status_details_hex ?? '', 'hex').includes(Buffer.from('google.rpc.BadRequest')), name);
    }
  });

  it('changes nothing on refused input: the refused users do not exist afterwards', () => {
    assert.equal(step('get_after_bad_input').code, 'NOT_FOUND');
    assert.equal(step('get_after_bad_username').code, 'NOT_FOUND');
    assert.equal(step('auth_after_bad_username').code, 'UNAUTHENTICATED');
  });

  it('lists IdentityStore and Health through grpc.reflection.v1 (raw bytes, no generated code)', () => {
    const reflection = out.reflection as unknown as { services?: string[]; error?: string };
    assert.equal(reflection.error, undefined, `reflection error response ${reflection.error}`);
    const services = reflection.services ?? [];
    assert.ok(services.includes('identity.v1.IdentityStore'), services.join(', '));
    assert.ok(services.includes('grpc.health.v1.Health'), services.join(', '));
  });

  it('writes none of the passwords it was sent into the server’s logs', () => {
    const passwords = out.passwords_used as unknown as string[];
    assert.equal(passwords.length, 4);
    assert.ok(stack, 'the stack ran');
    const rpcLines = stack.logs.entries().filter((l) => typeof l.rpc === 'string');
    assert.ok(rpcLines.length >= 20, `the calls were logged (${rpcLines.length} lines)`);
    for (const password of passwords) assert.ok(!stack.logs.text.includes(password), `a log line holds "${password}"`);
  });

  it('reads SERVING from grpc.health.v1 for both service names', () => {
    const health = out.health as unknown as Record<string, string>;
    assert.equal(health[''], '0801');
    assert.equal(health['identity.v1.IdentityStore'], '0801');
  });
});
