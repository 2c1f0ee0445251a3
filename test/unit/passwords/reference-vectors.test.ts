import assert from 'node:assert/strict';
import type { StoredPassword } from '../../../src/domain/user';
import { testHasher } from './test-hasher';

/** Every known-answer vector of shared/reference/password-formats.md. */
interface ReferenceVector {
  readonly title: string;
  readonly password: string;
  readonly stored: StoredPassword;
  readonly format: string;
}

const REFERENCE: readonly ReferenceVector[] = [
  {
    title: 'scrypt-kdf logN 12, zero salt',
    password: 'my secret password',
    stored: {
      hash: 'c2NyeXB0AAwAAAAIAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA08wOZXFAec6Si7mP1SzrmK6Pvpx2zfUEXXAuM68S4DAnUER44bh+BxsnxMC75Jgs',
    },
    format: 'scrypt',
  },
  {
    title: 'Membership SHA1 #1',
    password: 'password',
    stored: { hash: 'OJF6H4KdxFLgLu+oTDNFodCEfMA=', salt: 'kDP0Py2QwEdJYtUX9cJABg==', format: 'membership-sha1' },
    format: 'membership-sha1',
  },
  {
    title: 'Membership SHA1 #2',
    password: '12345678',
    stored: { hash: 'h8A5hga0Cy93JsKxYnJl/U2AluU=', salt: 'UhVlqavmEX9CiKcUXkSwCw==', format: 'membership-sha1' },
    format: 'membership-sha1',
  },
  {
    title: 'Identity v2',
    password: 'my password',
    stored: { hash: 'AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg==' },
    format: 'aspnet-identity-v2',
  },
  {
    title: 'Identity v3 SHA256 / 10 000',
    password: 'my password',
    stored: { hash: 'AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==' },
    format: 'aspnet-identity-v3',
  },
  {
    title: 'Identity v3 SHA512 / 100 000',
    password: 'my password',
    stored: { hash: 'AQAAAAIAAYagAAAAEAABAgMEBQYHCAkKCwwNDg/Q8A0WMKbtHQJQ2DHCdoEeeFBrgNlldq6vH4qX/CGqGQ==' },
    format: 'aspnet-identity-v3',
  },
  {
    title: 'SimpleMembership (v2 layout)',
    password: 'password',
    stored: { hash: 'AG8nVMgXdmjX+LVQUjrhNz1QFOt+S/wudjeeOSPyz/+cuXYtY12TrQqQ9SV2HnO0mA==' },
    format: 'aspnet-identity-v2',
  },
  {
    title: 'bcrypt $2a$05$ U*U',
    password: 'U*U',
    stored: { hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' },
    format: 'bcrypt',
  },
  {
    title: 'bcrypt $2a$06$ empty password',
    password: '',
    stored: { hash: '$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.' },
    format: 'bcrypt',
  },
  {
    // The reference file's digest for this salt (…qRWCr4qoV1FU9se0Crx2hkMVNL2ktEW) matches `helloworld` in
    // neither pyca bcrypt 3.2.2, passlib 1.7.4 nor node bcrypt 6; all three compute this one.
    title: 'bcrypt $2y$10$ helloworld (digest corrected, see bcrypt-rules.test.ts)',
    password: 'helloworld',
    stored: { hash: '$2y$10$tRM7x9gGKhcAmpeqKEdhj.YowvJwRND8StvgEAMMxg/yWGwL82rIK' },
    format: 'bcrypt',
  },
  {
    title: 'PHPass $P$ (WordPress)',
    password: 'test12345',
    stored: { hash: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0' },
    format: 'phpass',
  },
  {
    title: 'PHPass $H$ (phpBB)',
    password: 'test1',
    stored: { hash: '$H$9aaaaaSXBjgypwqm.JsMssPLiS8YQ00' },
    format: 'phpass',
  },
  {
    title: 'Django pbkdf2_sha256 600 000, non-ASCII password',
    password: 'lètmein',
    stored: { hash: 'pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=' },
    format: 'django-pbkdf2-sha256',
  },
  {
    title: 'argon2id m=65536 t=2 p=1',
    password: 'password',
    stored: { hash: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc' },
    format: 'argon2id',
  },
  {
    title: "salted SHA1 of N'password' (UTF-16LE, no salt, SQL Server uppercase hex)",
    password: 'password',
    stored: { hash: 'E8F97FBA9104D1EA5047948E6DFB67FACD9F5B73', format: 'salted-sha1;encoding=utf16le' },
    format: 'salted-sha1',
  },
];

describe('password-formats.md reference vectors', () => {
  const { hasher, logger } = testHasher();

  for (const vector of REFERENCE) {
    it(`${vector.title}: accepts the right password as ${vector.format}`, async () => {
      const result = await hasher.verify(vector.password, vector.stored);
      assert.deepEqual(result, { match: true, format: vector.format, needsRehash: vector.format !== 'scrypt' });
    });

    it(`${vector.title}: refuses a wrong password`, async () => {
      const result = await hasher.verify(`${vector.password}x`, vector.stored);
      assert.equal(result.match, false);
      assert.equal(result.format, vector.format);
    });
  }

  it('logged nothing: none of these hashes is malformed', () => {
    assert.deepEqual(logger.lines, []);
  });
});
