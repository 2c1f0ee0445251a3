import assert from 'node:assert/strict';
import { formatSpec, parseFormatSpec } from '../../../src/passwords/format-spec';
import { membershipFormatName } from '../../../src/passwords/membership-format-name';

describe('format specs', () => {
  it('round-trips a name with options', () => {
    const text = formatSpec('salted-sha256', { salt_position: 'suffix', encoding: 'utf16le' });
    assert.equal(text, 'salted-sha256;salt_position=suffix;encoding=utf16le');
    const spec = parseFormatSpec(text);
    assert.equal(spec?.name, 'salted-sha256');
    assert.deepEqual(
      [...(spec?.options ?? [])],
      [
        ['salt_position', 'suffix'],
        ['encoding', 'utf16le'],
      ],
    );
  });

  it('omits options left undefined', () => {
    assert.equal(formatSpec('salted-md5', { salt_position: undefined, encoding: 'utf8' }), 'salted-md5;encoding=utf8');
    assert.equal(formatSpec('bcrypt'), 'bcrypt');
  });

  it('is not a spec when malformed, so the hash is detected by shape instead', () => {
    for (const text of ['', 'Bcrypt', ' bcrypt', 'salted-md5;', 'salted-md5;x', 'salted-md5;a=1;a=2', 'x;=y']) {
      assert.equal(parseFormatSpec(text), undefined, JSON.stringify(text));
    }
  });

  it("reads a schema's numeric code as a name that no format has", () => {
    assert.deepEqual(parseFormatSpec('1'), { name: '1', options: new Map() });
  });
});

describe('membershipFormatName', () => {
  it('maps PasswordFormat and hashAlgorithmType to a format name', () => {
    assert.equal(membershipFormatName(0, 'SHA1'), 'membership-clear');
    assert.equal(membershipFormatName(1, 'SHA1'), 'membership-sha1');
    assert.equal(membershipFormatName(1, 'HMACSHA256'), 'membership-hmacsha256');
    assert.equal(membershipFormatName(1, 'System.Security.Cryptography.HMACSHA512'), 'membership-hmacsha512');
    assert.equal(membershipFormatName(1, 'sha-384'), 'membership-sha384');
    assert.equal(membershipFormatName(1, 'MD5'), 'membership-md5');
    assert.equal(membershipFormatName(1, 'System.Security.Cryptography.MD5'), 'membership-md5');
    assert.equal(membershipFormatName(2, 'SHA1'), 'membership-encrypted');
  });

  it('gives nothing for an unknown code or algorithm', () => {
    assert.equal(membershipFormatName(3, 'SHA1'), undefined);
    assert.equal(membershipFormatName(1, 'HMACMD5'), undefined);
    assert.equal(membershipFormatName(1, 'RIPEMD160'), undefined);
    assert.equal(membershipFormatName(1, 'constructor'), undefined);
  });
});
