import type { StoredPassword } from '../domain/user';
import { decodeBase64 } from './encodings';
import { equalBytes } from './equal-bytes';
import { type KdfAccess, MalformedHashError, type PasswordFormat } from './password-format';
import { derivePbkdf2 } from './pbkdf2';

/**
 * Django's PBKDF2 hashers: `pbkdf2_<digest>$<iterations>$<salt text>$<base64 key>`, password and salt
 * as UTF-8, key one digest long (Django's dklen default).
 */
const SHAPE = /^pbkdf2_(sha256|sha1)\$(\d{1,10})\$([^$]{1,128})\$([A-Za-z0-9+/=]+)$/;
const KEY_BYTES = { sha256: 32, sha1: 20 } as const;

function djangoPbkdf2Format(digest: 'sha256' | 'sha1'): PasswordFormat {
  const name = `django-pbkdf2-${digest}`;
  const prefix = `pbkdf2_${digest}$`;
  return {
    name,
    detect: (stored: StoredPassword) => stored.hash.startsWith(prefix),
    async verify(password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean> {
      const match = SHAPE.exec(stored.hash);
      if (!match || match[1] !== digest || match[2] === undefined || match[3] === undefined || !match[4]) {
        throw new MalformedHashError(name, `not "${prefix}<iterations>$<salt>$<base64 hash>"`);
      }
      const key = decodeBase64(match[4]);
      if (key?.length !== KEY_BYTES[digest]) {
        throw new MalformedHashError(name, `hash is not ${KEY_BYTES[digest]} bytes of base64`);
      }
      const derived = await derivePbkdf2(
        name,
        password,
        { digest, iterations: Number(match[2]), salt: Buffer.from(match[3], 'utf8'), keyBytes: key.length },
        kdf,
      );
      return equalBytes(key, derived);
    },
  };
}

export const djangoPbkdf2Sha256Format = djangoPbkdf2Format('sha256');
export const djangoPbkdf2Sha1Format = djangoPbkdf2Format('sha1');
