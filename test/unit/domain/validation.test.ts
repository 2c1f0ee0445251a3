import assert from 'node:assert/strict';
import {
  checkEmail,
  checkLogin,
  checkMetadata,
  checkPassword,
  checkUserId,
  checkUsername,
} from '../../../src/domain/validation';

describe('input rules', () => {
  it('accepts ordinary and internationalised emails', () => {
    for (const email of [
      'a@example.com',
      'first.last+tag@sub.example.co.uk',
      "o'brien@example.ie",
      'josé@exämple.de',
    ]) {
      assert.equal(checkEmail('email', email), null, email);
    }
  });

  it('refuses malformed emails, control characters and lone surrogates', () => {
    for (const email of [
      '',
      'plain',
      'a@b',
      'a@@example.com',
      'a b@example.com',
      'a@example.com\n',
      'a\u0000@example.com',
      '\ud800@example.com',
      `${'a'.repeat(65)}@example.com`,
    ]) {
      assert.notEqual(checkEmail('email', email), null, JSON.stringify(email));
    }
  });

  it('caps emails at 254 characters', () => {
    const at254 = `${'a'.repeat(60)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.com`.slice(0, 254);
    assert.ok(at254.length <= 254);
    assert.notEqual(checkEmail('email', `${'a'.repeat(64)}@${`${'b'.repeat(63)}.`.repeat(3)}${'c'.repeat(63)}`), null);
  });

  it('allows usernames of letters, digits and - . _ @ + up to 128 characters', () => {
    assert.equal(checkUsername('username', 'Alice_Smith-1.2+x@corp'), null);
    assert.notEqual(checkUsername('username', 'a'.repeat(129)), null);
    assert.equal(checkUsername('username', 'a'.repeat(128)), null);
    for (const bad of ['has space', 'semi;colon', "quote'", 'tab\t', ''])
      assert.notEqual(checkUsername('username', bad), null, bad);
  });

  it('bounds passwords to 1–1024 bytes of well-formed UTF-8 without NUL', () => {
    assert.equal(checkPassword('password', 'x'), null);
    assert.equal(checkPassword('password', 'x'.repeat(1024)), null);
    assert.notEqual(checkPassword('password', 'x'.repeat(1025)), null);
    assert.notEqual(checkPassword('password', '€'.repeat(342)), null, '1026 bytes in 342 characters');
    assert.notEqual(checkPassword('password', ''), null);
    assert.notEqual(checkPassword('password', 'a\u0000b'), null);
    assert.notEqual(checkPassword('password', 'a\udc00b'), null);
    assert.equal(checkPassword('password', "pässwörd 🔑 ' OR 1=1 --"), null);
  });

  it('refuses control characters in logins and user ids', () => {
    assert.notEqual(checkLogin('login', 'alice\r\n'), null);
    assert.notEqual(checkUserId('user_id', 'id\u0085'), null);
    assert.equal(checkUserId('user_id', '0f8fad5b-d9cb-469f-a165-70867728950e'), null);
  });

  it('bounds metadata by serialised size and depth', () => {
    assert.equal(checkMetadata('user_metadata', { a: 1, b: [1, 2, { c: 'd' }] }), null);
    assert.notEqual(checkMetadata('user_metadata', { big: 'x'.repeat(16 * 1024) }), null);
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 40; i++) {
      const next = {};
      deep.n = next;
      deep = next;
    }
    assert.notEqual(checkMetadata('user_metadata', root), null);
  });
});
