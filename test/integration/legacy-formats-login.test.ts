import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { status } from '@grpc/grpc-js';
import { LEGACY_FORMATS } from '../../src/passwords/legacy-formats';
import { scryptFormat } from '../../src/passwords/scrypt';
import { callError, promiseClient } from '../support/grpc-call';
import { insertMembershipApplication, insertMembershipUser } from '../support/legacy-rows';
import { loadPasswordVectors } from '../support/password-vectors';
import { type Stack, startStack, TEST_BRIDGE_TOKEN } from '../support/stack';

const examples = loadPasswordVectors().login_examples;
/** Formats a hash announces by itself: the default profile's Users table keeps only the hash column. */
const selfDescribing = examples.filter(
  (e) =>
    e.stored.salt === undefined &&
    [scryptFormat, ...LEGACY_FORMATS].some((f) => f.name === e.format && f.detect({ hash: e.stored.hash })),
);

async function bridgeLogin(stack: Stack, login: string, password: string): Promise<number> {
  const res = await fetch(`${stack.bridgeUrl}/v1/login`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username_or_email: login, password }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('users imported with legacy hashes log in end to end', () => {
  it('covers every self-describing format in the fixture', () => {
    const names = selfDescribing.map((e) => e.format).sort();
    for (const expected of [
      'argon2d',
      'argon2i',
      'argon2id',
      'aspnet-identity-v2',
      'aspnet-identity-v3',
      'bcrypt',
      'django-pbkdf2-sha1',
      'django-pbkdf2-sha256',
      'drupal7',
      'drupal7-md5-prehashed',
      'phpass',
      'scrypt',
      'wordpress-bcrypt',
    ]) {
      assert.ok(names.includes(expected), `${expected} missing from ${names.join(',')}`);
    }
  });

  for (const rehash of ['off', 'on'] as const) {
    describe(`REHASH_ON_LOGIN=${rehash}`, () => {
      let stack: Stack;
      before(async () => {
        stack = await startStack({ bridge: true, env: { REHASH_ON_LOGIN: rehash } });
      });
      after(async () => {
        await stack.close();
      });

      for (const example of selfDescribing) {
        it(`${example.format}: right password in over gRPC and the bridge, wrong one refused${rehash === 'on' ? ', then upgraded to scrypt' : ''}`, async () => {
          const email = `${example.format}.${rehash}@example.com`;
          const user = await stack.running.repository.insert({ email, password: example.stored, emailVerified: true });
          const rpc = promiseClient(stack.client);

          assert.equal(
            (await rpc.authenticate({ login: email, password: example.password })).user?.userId,
            user.userId,
          );
          const wrong = await callError(rpc.authenticate({ login: email, password: example.wrong_password }));
          assert.equal(wrong.code, status.UNAUTHENTICATED);
          await stack.running.service.settle();

          const stored = (await stack.running.repository.findById(user.userId))?.password.hash ?? '';
          if (rehash === 'on' && example.format !== 'scrypt') {
            assert.ok(stored.startsWith('c2NyeXB0'), `expected a scrypt hash after login, got ${example.format}`);
          } else if (example.format !== 'scrypt') {
            assert.equal(stored, example.stored.hash);
          }
          // The next login still works, whatever the stored format now is.
          assert.equal(await bridgeLogin(stack, email, example.password), 200);
          assert.equal(await bridgeLogin(stack, email, example.wrong_password), 401);
        });
      }

      it('never logs a password used above', () => {
        for (const example of selfDescribing) assert.ok(!stack.logs.text.includes(example.password));
      });
    });
  }
});

describe('a legacy ASP.NET Membership site with hashAlgorithmType="MD5" signs in end to end', () => {
  const example = examples.find((e) => e.format === 'membership-md5');
  const APP_ID = '6f1c2d3e-0000-4000-8000-00000000a5a5';

  for (const rehash of ['off', 'on'] as const) {
    describe(`SCHEMA_PROFILE=aspnet-membership, MEMBERSHIP_HASH_ALGORITHM=MD5, REHASH_ON_LOGIN=${rehash}`, () => {
      let stack: Stack;
      before(async () => {
        stack = await startStack({
          bridge: true,
          env: {
            SCHEMA_PROFILE: 'aspnet-membership',
            APPLICATION_NAME: '/',
            MEMBERSHIP_HASH_ALGORITHM: 'MD5',
            REHASH_ON_LOGIN: rehash,
          },
        });
      });
      after(async () => {
        await stack.close();
      });

      it(`a PasswordFormat 1 row: right password in over gRPC and the bridge, wrong one refused${rehash === 'on' ? ', then upgraded to scrypt' : ''}`, async () => {
        assert.ok(example?.stored.salt, 'the fixture holds a Membership MD5 row');
        const userId = '0d5a1e2f-0000-4000-8000-0000000000d5';
        const email = `md5.${rehash}@example.com`;
        const db = new DatabaseSync(stack.dbPath);
        try {
          insertMembershipApplication(db, '/', APP_ID);
          insertMembershipUser(db, {
            applicationId: APP_ID,
            userId,
            userName: email,
            email,
            password: { hash: example.stored.hash, salt: example.stored.salt },
          });
        } finally {
          db.close();
        }
        const rpc = promiseClient(stack.client);
        assert.equal((await rpc.authenticate({ login: email, password: example.password })).user?.userId, userId);
        const wrong = await callError(rpc.authenticate({ login: email, password: example.wrong_password }));
        assert.equal(wrong.code, status.UNAUTHENTICATED);
        await stack.running.service.settle();

        const stored = (await stack.running.repository.findById(userId))?.password;
        if (rehash === 'on') {
          assert.ok(stored?.hash.startsWith('c2NyeXB0'), 'a scrypt hash after login');
        } else {
          assert.deepEqual(stored, { hash: example.stored.hash, salt: example.stored.salt, format: 'membership-md5' });
        }
        assert.equal(await bridgeLogin(stack, email, example.password), 200);
        assert.equal(await bridgeLogin(stack, email, example.wrong_password), 401);
        assert.ok(!stack.logs.text.includes(example.password));
      });
    });
  }
});
