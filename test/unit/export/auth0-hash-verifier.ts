import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { verify as argon2Verify } from 'argon2';
import { compare as bcryptCompare } from 'bcrypt';

/**
 * An independent reading of Auth0's bulk import `custom_password_hash` (schema page "Bulk User Import
 * Database Schema and Examples"), written from the documentation only — it shares no code with
 * src/export — so that an exported hash is checked the way Auth0 says it checks it:
 * - the typed password (UTF-8) is transcoded to `password.encoding` (default utf8);
 * - md4/md5/sha1/sha256/sha512: digest(salt ‖ password) for `salt.position` prefix (the default) or
 *   digest(password ‖ salt) for suffix, the salt decoded per `salt.encoding` (default utf8); the hash
 *   decoded per `hash.encoding` (hex or base64);
 * - hmac: HMAC-`hash.digest`(key decoded per `hash.key.encoding` (default utf8), password);
 * - pbkdf2: PHC `$pbkdf2-<digest>$i=<iterations>,l=<keylen>$<B64 salt>$<B64 hash>` (i, l default
 *   100000, 64), no separate salt;
 * - bcrypt: `$2a$`/`$2b$`/`$2y$` strings; argon2: PHC strings; both `hash.encoding` utf8 and no salt.
 * Anything the documentation forbids (salt with argon2/pbkdf2, wrong encodings, missing hmac key)
 * throws, so a schema mistake fails the test instead of passing silently.
 */
export interface Auth0Hash {
  readonly algorithm: string;
  readonly hash: {
    readonly value: string;
    readonly encoding?: string;
    readonly digest?: string;
    readonly key?: { readonly value: string; readonly encoding?: string };
  };
  readonly salt?: { readonly value: string; readonly encoding?: string; readonly position?: string };
  readonly password?: { readonly encoding?: string };
}

const ALGORITHMS = ['argon2', 'bcrypt', 'hmac', 'ldap', 'md4', 'md5', 'sha1', 'sha256', 'sha512', 'pbkdf2', 'scrypt'];
const PASSWORD_ENCODINGS = ['ascii', 'utf8', 'utf16le', 'ucs2', 'latin1', 'binary'];

function decode(value: string, encoding: string | undefined, fallback: 'utf8' | 'hex'): Buffer {
  const e = encoding ?? fallback;
  if (e === 'hex') {
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(value)) throw new Error('hex value is not hex');
    return Buffer.from(value, 'hex');
  }
  if (e === 'base64') {
    if (!/^[A-Za-z0-9+/\-_]+={0,2}$/.test(value)) throw new Error('base64 value is not base64');
    return Buffer.from(value, 'base64');
  }
  if (e === 'utf8') return Buffer.from(value, 'utf8');
  throw new Error(`encoding ${e} is not base64, hex or utf8`);
}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.equals(b);
}

export async function auth0Verify(h: Auth0Hash, typed: string): Promise<boolean> {
  if (!ALGORITHMS.includes(h.algorithm)) throw new Error(`algorithm ${h.algorithm} is not in Auth0's enum`);
  const passwordEncoding = h.password?.encoding ?? 'utf8';
  if (!PASSWORD_ENCODINGS.includes(passwordEncoding)) throw new Error(`password.encoding ${passwordEncoding}`);
  const password = Buffer.from(typed, passwordEncoding as BufferEncoding);

  switch (h.algorithm) {
    case 'argon2':
    case 'bcrypt':
    case 'pbkdf2': {
      if ((h.hash.encoding ?? 'utf8') !== 'utf8') throw new Error(`${h.algorithm}: hash.encoding must be utf8`);
      if (h.salt !== undefined && h.algorithm !== 'bcrypt') throw new Error(`${h.algorithm}: salt is not allowed`);
      if (h.algorithm === 'argon2') {
        if (!h.hash.value.startsWith('$argon2')) throw new Error('argon2: not a PHC string');
        return argon2Verify(h.hash.value, password);
      }
      if (h.algorithm === 'bcrypt') {
        if (!/^\$2[aby]\$/.test(h.hash.value)) throw new Error('bcrypt: prefix must be $2a$, $2b$ or $2y$');
        if (h.salt) throw new Error('bcrypt with a separate salt is not used by this exporter');
        return bcryptCompare(password, h.hash.value.replace(/^\$2y\$/, '$2b$'));
      }
      const phc = /^\$pbkdf2-([A-Za-z0-9-]+)\$((?:[a-z]=\d+,?)*)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(
        h.hash.value,
      );
      if (!phc?.[1] || phc[3] === undefined || phc[4] === undefined) throw new Error('pbkdf2: not a PHC string');
      const params = new Map(
        (phc[2] ?? '')
          .split(',')
          .filter(Boolean)
          .map((kv) => kv.split('=') as [string, string]),
      );
      const iterations = Number(params.get('i') ?? 100_000);
      const keylen = Number(params.get('l') ?? 64);
      const expected = Buffer.from(phc[4], 'base64');
      if (expected.length !== keylen) throw new Error('pbkdf2: l does not match the hash length');
      return same(expected, pbkdf2Sync(password, Buffer.from(phc[3], 'base64'), iterations, keylen, phc[1]));
    }
    case 'md4':
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512': {
      if (h.hash.encoding !== 'hex' && h.hash.encoding !== 'base64')
        throw new Error('digest: hash.encoding hex or base64');
      const expected = decode(h.hash.value, h.hash.encoding, 'hex');
      const salt = h.salt ? decode(h.salt.value, h.salt.encoding, 'utf8') : Buffer.alloc(0);
      const position = h.salt?.position ?? 'prefix';
      if (position !== 'prefix' && position !== 'suffix') throw new Error('salt.position');
      const input = position === 'prefix' ? Buffer.concat([salt, password]) : Buffer.concat([password, salt]);
      return same(expected, createHash(h.algorithm).update(input).digest());
    }
    case 'hmac': {
      if (h.hash.encoding !== 'hex' && h.hash.encoding !== 'base64')
        throw new Error('hmac: hash.encoding hex or base64');
      if (!h.hash.digest || !h.hash.key) throw new Error('hmac: hash.digest and hash.key are required');
      if (h.salt) throw new Error('hmac with a salt is not used by this exporter');
      const key = decode(h.hash.key.value, h.hash.key.encoding, 'utf8');
      const expected = decode(h.hash.value, h.hash.encoding, 'hex');
      return same(expected, createHmac(h.hash.digest, key).update(password).digest());
    }
    default:
      throw new Error(`${h.algorithm}: not verified by this test helper`);
  }
}
