import type { StoredPassword } from '../domain/user';
import { parseArgon2Phc } from '../passwords/argon2';
import { decodeBase64, decodeBase64Unpadded, decodeHex } from '../passwords/encodings';
import { MEMBERSHIP_ALGORITHMS, type MembershipAlgorithm } from '../passwords/membership-hashed';
import { resolveFormat } from './password-format-name';

/**
 * Auth0 bulk import's `custom_password_hash` (schema: "Bulk User Import Database Schema and Examples",
 * auth0/docs-v2 main/docs/manage-users/user-migration/bulk-user-import-database-schema-and-examples.mdx).
 * The rules used here, as documented there:
 * - argon2, bcrypt, pbkdf2: `hash.value` is the self-describing string, `hash.encoding` utf8, no salt.
 *   pbkdf2 wants a PHC string `$pbkdf2-<digest>$i=<iterations>,l=<key bytes>$<B64 salt>$<B64 hash>`,
 *   B64 being base64 without `=` padding.
 * - md5, sha1, sha256, sha512: `hash.encoding` hex or base64; optional `salt` {value, encoding
 *   base64|hex|utf8, position prefix|suffix}: digest(salt ‖ password) or digest(password ‖ salt).
 * - hmac: `hash.digest`, `hash.key` {value, encoding}; HMAC(key, password).
 * - `password.encoding` (utf8 default, utf16le, …): the bytes the password is turned into before hashing.
 *   Auth0 does not restrict it to some algorithms, so it is given for the UTF-16LE Membership hashes.
 * - there is no sha384 algorithm, and `scrypt` means raw scrypt output, not a scrypt-kdf key.
 * - argon2 hashes must meet auth0/magic's rules: magic verifies with libsodium, which implements
 *   argon2i and argon2id at version 1.3, not argon2d.
 * - nothing takes a pre-hash or an iterated digest: WordPress `$wp$` (bcrypt of an HMAC-SHA384),
 *   Drupal `$S$` and phpass stay behind and migrate by logging in.
 */
export interface Auth0CustomPasswordHash {
  readonly algorithm: 'argon2' | 'bcrypt' | 'hmac' | 'md5' | 'sha1' | 'sha256' | 'sha512' | 'pbkdf2';
  readonly hash: {
    readonly value: string;
    readonly encoding: 'base64' | 'hex' | 'utf8';
    readonly digest?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
    readonly key?: { readonly value: string; readonly encoding: 'base64' | 'hex' | 'utf8' };
  };
  readonly salt?: {
    readonly value: string;
    readonly encoding: 'base64' | 'hex' | 'utf8';
    readonly position: 'prefix' | 'suffix';
  };
  readonly password?: { readonly encoding: 'utf8' | 'utf16le' };
}

/** Why a user's password cannot go into a bulk import file. */
export type NotExportedCode =
  | 'no_password'
  | 'unknown_format'
  | 'malformed_hash'
  | 'unsupported_algorithm'
  | 'clear_text'
  | 'encrypted'
  | 'cannot_sign_in'
  | 'invalid_email'
  | 'reserved_app_metadata'
  | 'too_large';

export type PasswordExport =
  | { readonly exported: true; readonly format: string; readonly hash: Auth0CustomPasswordHash }
  | {
      readonly exported: false;
      /** The format name, or `unknown`. */
      readonly format: string;
      readonly code: NotExportedCode;
      /** Safe to print: describes the format, never the hash. */
      readonly reason: string;
    };

const exported = (format: string, hash: Auth0CustomPasswordHash): PasswordExport => ({ exported: true, format, hash });
const refused = (format: string, code: NotExportedCode, reason: string): PasswordExport => ({
  exported: false,
  format,
  code,
  reason,
});

/** PHC B64: standard base64 alphabet without padding. */
function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const DJANGO = /^pbkdf2_(sha256|sha1)\$(\d{1,10})\$([^$]{1,128})\$([A-Za-z0-9+/=]+)$/;
const DJANGO_KEY_BYTES = { sha256: 32, sha1: 20 } as const;
const IDENTITY_V3_PRF = ['sha1', 'sha256', 'sha512'] as const;
/** Identity itself refuses salts and subkeys under 128 bits; so does verification here. */
const IDENTITY_MIN_BYTES = 16;
const DIGEST_BYTES = { md5: 16, sha1: 20, sha256: 32, sha512: 64 } as const;

/**
 * The `custom_password_hash` Auth0 can verify for this stored password, or why there is none. The
 * format is resolved as a login would resolve it; the mapping re-encodes the same bytes and never
 * changes what is hashed, so an exported hash verifies exactly the passwords the legacy row verifies.
 */
export function toAuth0PasswordHash(stored: StoredPassword): PasswordExport {
  if (stored.hash === '') return refused('unknown', 'no_password', 'the user has no password hash');
  const resolved = resolveFormat(stored);
  const format = resolved.name;
  if (format === undefined) return refused('unknown', 'unknown_format', 'the stored hash is in no supported format');
  if (resolved.unknownOptions) {
    return refused(format, 'malformed_hash', 'the format spec names options this format does not read');
  }
  switch (format) {
    case 'bcrypt':
      return BCRYPT.test(stored.hash)
        ? exported(format, { algorithm: 'bcrypt', hash: { value: stored.hash, encoding: 'utf8' } })
        : refused(format, 'malformed_hash', 'not a 60-character $2a$/$2b$/$2y$ bcrypt hash');
    case 'argon2id':
    case 'argon2i':
    case 'argon2d':
      return argon2(format, stored.hash);
    case 'django-pbkdf2-sha256':
    case 'django-pbkdf2-sha1':
      return django(format, stored.hash);
    case 'aspnet-identity-v2':
      return identityV2(format, stored.hash);
    case 'aspnet-identity-v3':
      return identityV3(format, stored.hash);
    case 'salted-md5':
    case 'salted-sha1':
    case 'salted-sha256':
    case 'salted-sha512':
      return saltedDigest(format, stored, resolved.options);
    case 'membership-clear':
      return refused(
        format,
        'clear_text',
        'Membership clear-text password (PasswordFormat 0): Auth0 imports only hashes; the user migrates by logging in',
      );
    case 'membership-encrypted':
      return refused(
        format,
        'encrypted',
        'Membership encrypted password (PasswordFormat 2): Auth0 imports only hashes; the user migrates by logging in when MEMBERSHIP_DECRYPTION_KEY is set, otherwise must reset the password',
      );
    case 'phpass':
      return refused(
        format,
        'unsupported_algorithm',
        'phpass (iterated MD5) is not among Auth0’s import algorithms; the user migrates by logging in',
      );
    case 'wordpress-bcrypt':
      return refused(
        format,
        'unsupported_algorithm',
        'WordPress $wp$ hashes bcrypt an HMAC-SHA384 of the password, a pre-hash Auth0’s bcrypt cannot apply; the user migrates by logging in',
      );
    case 'drupal7':
    case 'drupal7-md5-prehashed':
      return refused(
        format,
        'unsupported_algorithm',
        'Drupal 7 $S$ (iterated SHA-512) is not among Auth0’s import algorithms; the user migrates by logging in',
      );
    case 'scrypt':
      return refused(
        format,
        'unsupported_algorithm',
        'scrypt-kdf keys hold an HMAC of the derived key, not the scrypt output Auth0 compares; the user migrates by logging in',
      );
    default:
      if (format.startsWith('membership-')) return membershipHashed(format, stored);
      return refused(format, 'unsupported_algorithm', `no Auth0 import algorithm for ${format}`);
  }
}

function argon2(format: string, hash: string): PasswordExport {
  const phc = parseArgon2Phc(hash);
  if (!phc) return refused(format, 'malformed_hash', 'not a PHC string $argon2…$v=19$m=…,t=…,p=…$salt$hash');
  // auth0/magic verifies with libsodium's crypto_pwhash_str_verify, which knows argon2i and argon2id only.
  if (phc.kind === 'argon2d') {
    return refused(format, 'unsupported_algorithm', 'argon2d: Auth0 verifies argon2i and argon2id only');
  }
  // Auth0 verifies argon2 with libsodium (auth0/magic), which implements version 1.3 (v=19) only.
  if (phc.version !== 19) {
    return refused(format, 'unsupported_algorithm', 'argon2 version 1.0 (v=16 or no v=): Auth0 verifies v=19 only');
  }
  if (!decodeBase64Unpadded(phc.salt) || !decodeBase64Unpadded(phc.hash)) {
    return refused(format, 'malformed_hash', 'salt or hash is not unpadded base64');
  }
  // Written in the reference order (m, t, p), whatever order the legacy library used.
  const value = `$${phc.kind}$v=19$m=${phc.m},t=${phc.t},p=${phc.p}$${phc.salt}$${phc.hash}`;
  return exported(format, { algorithm: 'argon2', hash: { value, encoding: 'utf8' } });
}

function pbkdf2Phc(digest: string, iterations: number, salt: Uint8Array, key: Uint8Array): string {
  return `$pbkdf2-${digest}$i=${iterations},l=${key.length}$${b64(salt)}$${b64(key)}`;
}

function pbkdf2(format: string, value: string): PasswordExport {
  return exported(format, { algorithm: 'pbkdf2', hash: { value, encoding: 'utf8' } });
}

/** Django: the salt is text, hashed as its UTF-8 bytes; the key is one digest long. */
function django(format: string, hash: string): PasswordExport {
  const match = DJANGO.exec(hash);
  const digest = match?.[1] as keyof typeof DJANGO_KEY_BYTES | undefined;
  const key = match?.[4] === undefined ? undefined : decodeBase64(match[4]);
  if (!match || !digest || !match[2] || match[3] === undefined || key?.length !== DJANGO_KEY_BYTES[digest]) {
    return refused(format, 'malformed_hash', 'not pbkdf2_<digest>$<iterations>$<salt>$<base64 key>');
  }
  const iterations = Number(match[2]);
  if (iterations < 1) return refused(format, 'malformed_hash', 'iteration count is not positive');
  return pbkdf2(format, pbkdf2Phc(digest, iterations, Buffer.from(match[3], 'utf8'), key));
}

/** ASP.NET Identity v2: 0x00 ‖ salt(16) ‖ subkey(32), PBKDF2-HMAC-SHA1, 1000 iterations, password UTF-8. */
function identityV2(format: string, hash: string): PasswordExport {
  const bytes = decodeBase64(hash);
  if (bytes?.length !== 49 || bytes[0] !== 0x00) {
    return refused(format, 'malformed_hash', 'not a 49-byte Identity v2 hash (version byte 0x00)');
  }
  return pbkdf2(format, pbkdf2Phc('sha1', 1000, bytes.subarray(1, 17), bytes.subarray(17)));
}

/** ASP.NET Identity v3: 0x01 ‖ prf ‖ iterations ‖ saltLen (u32 BE each) ‖ salt ‖ subkey. */
function identityV3(format: string, hash: string): PasswordExport {
  const bytes = decodeBase64(hash);
  if (!bytes || bytes.length < 13 || bytes[0] !== 0x01) {
    return refused(format, 'malformed_hash', 'not an Identity v3 hash (version byte 0x01 and a 13-byte header)');
  }
  const digest = IDENTITY_V3_PRF[bytes.readUInt32BE(1)];
  const iterations = bytes.readUInt32BE(5);
  const saltBytes = bytes.readUInt32BE(9);
  const subkeyBytes = bytes.length - 13 - saltBytes;
  if (!digest || iterations < 1 || saltBytes < IDENTITY_MIN_BYTES || subkeyBytes < IDENTITY_MIN_BYTES) {
    return refused(format, 'malformed_hash', 'unknown PRF, zero iterations, or salt/subkey under 16 bytes');
  }
  return pbkdf2(
    format,
    pbkdf2Phc(digest, iterations, bytes.subarray(13, 13 + saltBytes), bytes.subarray(13 + saltBytes)),
  );
}

/**
 * Home-grown salted digests: digest(salt ‖ password) or digest(password ‖ salt), salt and password
 * encoded together as UTF-8 or UTF-16LE. UTF-16LE of a concatenation is the concatenation of the
 * UTF-16LE encodings, so the salt travels as the hex of its UTF-16LE bytes and `password.encoding`
 * says utf16le; UTF-8 likewise, for a well-formed salt.
 */
function saltedDigest(format: string, stored: StoredPassword, options: ReadonlyMap<string, string>): PasswordExport {
  const digest = format.slice('salted-'.length) as keyof typeof DIGEST_BYTES;
  const position = options.get('salt_position') ?? 'prefix';
  const encoding = options.get('encoding') ?? 'utf8';
  if ((position !== 'prefix' && position !== 'suffix') || (encoding !== 'utf8' && encoding !== 'utf16le')) {
    return refused(format, 'malformed_hash', 'salt_position or encoding option has an unknown value');
  }
  const bytes = DIGEST_BYTES[digest];
  const text = /^0x/i.test(stored.hash) ? stored.hash.slice(2) : stored.hash;
  let value: { value: string; encoding: 'hex' | 'base64' };
  if (text.length === 2 * bytes && decodeHex(text)) value = { value: text.toLowerCase(), encoding: 'hex' };
  else if (decodeBase64(stored.hash)?.length === bytes) value = { value: stored.hash, encoding: 'base64' };
  else return refused(format, 'malformed_hash', `hash is not ${bytes} bytes of hex or base64`);
  const salt = stored.salt ?? '';
  if (!salt.isWellFormed()) return refused(format, 'malformed_hash', 'salt is not well-formed Unicode');
  return exported(format, {
    algorithm: digest,
    hash: value,
    ...(salt === ''
      ? {}
      : {
          salt:
            encoding === 'utf16le'
              ? { value: Buffer.from(salt, 'utf16le').toString('hex'), encoding: 'hex', position }
              : { value: salt, encoding: 'utf8', position },
        }),
    password: { encoding },
  });
}

/**
 * ASP.NET Membership hashed passwords (SqlMembershipProvider): salt = base64(PasswordSalt), password
 * UTF-16LE, Password = base64(digest). Unkeyed: digest(salt ‖ password) → the same-named Auth0 digest
 * with a base64 prefix salt. Keyed (HMAC…): the key is the salt repeated to the algorithm's key size →
 * Auth0 hmac with that key.
 */
function membershipHashed(format: string, stored: StoredPassword): PasswordExport {
  const name = format.slice('membership-'.length);
  if (!Object.hasOwn(MEMBERSHIP_ALGORITHMS, name)) {
    return refused(format, 'unsupported_algorithm', `no Auth0 import algorithm for ${format}`);
  }
  const algorithm = MEMBERSHIP_ALGORITHMS[name as MembershipAlgorithm];
  const salt = stored.salt === undefined ? undefined : decodeBase64(stored.salt);
  const hash = decodeBase64(stored.hash);
  if (!salt?.length || hash?.length !== algorithm.bytes) {
    return refused(format, 'malformed_hash', `PasswordSalt or Password is not base64 of the expected length`);
  }
  if ('keyBytes' in algorithm) {
    const key = Buffer.alloc(algorithm.keyBytes);
    for (let offset = 0; offset < key.length; offset += salt.length) salt.copy(key, offset);
    return exported(format, {
      algorithm: 'hmac',
      hash: {
        value: hash.toString('base64'),
        encoding: 'base64',
        digest: algorithm.digest,
        key: { value: key.toString('base64'), encoding: 'base64' },
      },
      password: { encoding: 'utf16le' },
    });
  }
  const digest = algorithm.digest;
  if (digest === 'sha384') {
    return refused(
      format,
      'unsupported_algorithm',
      'Auth0 has no sha384 import algorithm; the user migrates by logging in',
    );
  }
  return exported(format, {
    algorithm: digest,
    hash: { value: hash.toString('base64'), encoding: 'base64' },
    salt: { value: salt.toString('base64'), encoding: 'base64', position: 'prefix' },
    password: { encoding: 'utf16le' },
  });
}
