import { createHash } from 'node:crypto';
import type { StoredPassword } from '../domain/user';
import { decodeBase64, decodeHex } from './encodings';
import { equalBytes } from './equal-bytes';
import { parseFormatSpec } from './format-spec';
import { MalformedHashError, type PasswordFormat } from './password-format';

/**
 * Home-grown salted digests: `digest(salt ‖ password)` or `digest(password ‖ salt)`, the salt being
 * text (StoredPassword.salt, absent or empty for an unsalted digest) encoded together with the
 * password as UTF-8 or UTF-16LE (SQL Server's HASHBYTES over NVARCHAR). The stored digest is hex of
 * either case, optionally `0x`-prefixed (CONVERT styles 1 and 2), or padded base64.
 *
 * Options travel in the format spec: `salted-sha256;salt_position=suffix;encoding=utf16le`; defaults
 * are `salt_position=prefix`, `encoding=utf8`. By shape alone, a bare hex digest of 32/40/64/128
 * characters is taken as salted-md5/sha1/sha256/sha512 with those defaults.
 */

export const SALT_POSITIONS = ['prefix', 'suffix'] as const;
export const PASSWORD_ENCODINGS = ['utf8', 'utf16le'] as const;
export type SaltPosition = (typeof SALT_POSITIONS)[number];
export type PasswordEncoding = (typeof PASSWORD_ENCODINGS)[number];
export const SALTED_DIGEST_OPTIONS = ['salt_position', 'encoding'] as const;

const DIGESTS = { md5: 16, sha1: 20, sha256: 32, sha512: 64 } as const;
type Digest = keyof typeof DIGESTS;

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

function decodeDigest(text: string, bytes: number): Buffer | undefined {
  const hex = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (hex.length === 2 * bytes) return decodeHex(hex);
  const decoded = decodeBase64(text);
  return decoded?.length === bytes ? decoded : undefined;
}

function saltedDigestFormat(digest: Digest): PasswordFormat {
  const name = `salted-${digest}`;
  const bytes = DIGESTS[digest];
  const hexShape = new RegExp(`^[0-9a-fA-F]{${2 * bytes}}$`);
  return {
    name,
    options: SALTED_DIGEST_OPTIONS,
    detect: (stored: StoredPassword) => hexShape.test(stored.hash),
    async verify(password: string, stored: StoredPassword): Promise<boolean> {
      const spec = stored.format === undefined ? undefined : parseFormatSpec(stored.format);
      const options = spec?.name === name ? spec.options : new Map<string, string>();
      const position = options.get('salt_position') ?? 'prefix';
      const encoding = options.get('encoding') ?? 'utf8';
      if (!isOneOf(SALT_POSITIONS, position)) {
        throw new MalformedHashError(name, 'salt_position is not prefix or suffix');
      }
      if (!isOneOf(PASSWORD_ENCODINGS, encoding)) {
        throw new MalformedHashError(name, 'encoding is not utf8 or utf16le');
      }
      const expected = decodeDigest(stored.hash, bytes);
      if (!expected) throw new MalformedHashError(name, `hash is not ${bytes} bytes of hex or base64`);
      const salt = stored.salt ?? '';
      const text = position === 'prefix' ? salt + password : password + salt;
      return equalBytes(expected, createHash(digest).update(text, encoding).digest());
    },
  };
}

export const SALTED_DIGEST_FORMATS: readonly PasswordFormat[] = (Object.keys(DIGESTS) as Digest[]).map(
  saltedDigestFormat,
);
