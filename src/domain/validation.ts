import { type FieldViolation, IdentityError } from './errors';
import {
  EMAIL_LOCAL_MAX_LENGTH,
  EMAIL_MAX_LENGTH,
  METADATA_MAX_BYTES,
  METADATA_MAX_DEPTH,
  PASSWORD_MAX_BYTES,
  USER_ID_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
  USERNAME_PATTERN,
} from './limits';
import type { Metadata } from './user';

/** C0 and C1 control characters, DEL, and the Unicode line/paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A pragmatic address check: one `@`, a non-empty local part without spaces or quotes, a domain of
 * dot-separated labels (letters, digits, hyphens, or internationalised letters) with a dot in it.
 * Quoted local parts and IP-literal domains are refused: no legacy identity store we target allows them.
 */
const EMAIL = /^[^\s@"(),:;<>[\\\]]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}\p{N}]{2,63}$/u;

type Check = FieldViolation | null;

export function checkEmail(field: string, value: string): Check {
  if (value.length === 0) return { field, description: 'is required' };
  if (value.length > EMAIL_MAX_LENGTH) return { field, description: `must be at most ${EMAIL_MAX_LENGTH} characters` };
  if (!value.isWellFormed() || CONTROL.test(value))
    return { field, description: 'must not contain control characters' };
  const at = value.lastIndexOf('@');
  if (at > EMAIL_LOCAL_MAX_LENGTH || !EMAIL.test(value)) return { field, description: 'must be a valid email address' };
  return null;
}

/**
 * An email used to find an existing user. Legacy stores hold addresses today's rules would refuse
 * (`ops@intranet`, quoted local parts), and those users must still be able to verify, reset their
 * password or change their email, so a look-up key gets only length and character hygiene; the full
 * syntax check applies to addresses being stored (CreateUser, ChangeEmail's new_email).
 */
export function checkLookupEmail(field: string, value: string): Check {
  return checkLogin(field, value);
}

/** A login is an email or a username: only length and character hygiene are checked. */
export function checkLogin(field: string, value: string): Check {
  if (value.length === 0) return { field, description: 'is required' };
  if (value.length > EMAIL_MAX_LENGTH) return { field, description: `must be at most ${EMAIL_MAX_LENGTH} characters` };
  if (!value.isWellFormed() || CONTROL.test(value))
    return { field, description: 'must not contain control characters' };
  return null;
}

export function checkUsername(field: string, value: string): Check {
  if (value.length === 0) return { field, description: 'must not be empty when given' };
  if (value.length > USERNAME_MAX_LENGTH)
    return { field, description: `must be at most ${USERNAME_MAX_LENGTH} characters` };
  if (!USERNAME_PATTERN.test(value)) return { field, description: 'may contain only letters, digits and - . _ @ +' };
  return null;
}

export function checkPassword(field: string, value: string): Check {
  if (value.length === 0) return { field, description: 'is required' };
  if (!value.isWellFormed()) return { field, description: 'must be valid UTF-8' };
  if (Buffer.byteLength(value, 'utf8') > PASSWORD_MAX_BYTES) {
    return { field, description: `must be at most ${PASSWORD_MAX_BYTES} bytes of UTF-8` };
  }
  if (value.includes('\u0000')) return { field, description: 'must not contain NUL' };
  return null;
}

export function checkUserId(field: string, value: string): Check {
  if (value.length === 0) return { field, description: 'is required' };
  if (value.length > USER_ID_MAX_LENGTH)
    return { field, description: `must be at most ${USER_ID_MAX_LENGTH} characters` };
  if (!value.isWellFormed() || CONTROL.test(value))
    return { field, description: 'must not contain control characters' };
  return null;
}

export function checkMetadata(field: string, value: Metadata | undefined): Check {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { field, description: 'must be an object' };
  if (depth(value) > METADATA_MAX_DEPTH)
    return { field, description: `must nest at most ${METADATA_MAX_DEPTH} levels` };
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(value), 'utf8');
  } catch {
    return { field, description: 'must be serialisable as JSON' };
  }
  if (size > METADATA_MAX_BYTES) return { field, description: `must be at most ${METADATA_MAX_BYTES} bytes as JSON` };
  return null;
}

function depth(value: unknown, level = 0): number {
  if (level > METADATA_MAX_DEPTH || typeof value !== 'object' || value === null) return level;
  let max = level + 1;
  for (const child of Object.values(value)) {
    max = Math.max(max, depth(child, level + 1));
    if (max > METADATA_MAX_DEPTH) break;
  }
  return max;
}

/** Throws `invalid_argument` carrying every violation found, or returns when there is none. */
export function assertValid(...checks: Check[]): void {
  const violations = checks.filter((c): c is FieldViolation => c !== null);
  if (violations.length > 0) throw IdentityError.invalidArgument(violations);
}
