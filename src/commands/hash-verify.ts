import type { PasswordHasher } from '../domain/password-hasher';
import type { StoredPassword } from '../domain/user';
import { formatSpec } from '../passwords/format-spec';
import type { PasswordFormat } from '../passwords/password-format';
import { PASSWORD_ENCODINGS, SALT_POSITIONS } from '../passwords/salted-digest';

/** What `hash verify` prints (one JSON line, without its newline) and the exit code it ends with. */
export interface HashVerifyOutcome {
  /** 0 match, 1 mismatch, 2 unusable input (including a stored hash that is malformed or over the cost bounds). */
  readonly exitCode: 0 | 1 | 2;
  readonly output: string;
}

/** The input object's fields, as issue 5 item 5 fixes them. */
export interface HashVerifyInput {
  readonly password: string;
  readonly hash: string;
  readonly salt?: string;
  readonly format?: string;
  readonly salt_position?: string;
  readonly encoding?: string;
}

/** The hasher the command checks with, and the formats it knows (createPasswordHasher returns both). */
export type HashVerifyHasher = Pick<PasswordHasher, 'verify'> & {
  readonly formats: readonly Pick<PasswordFormat, 'name' | 'options'>[];
};

const STRING_FIELDS = ['password', 'hash', 'salt', 'format', 'salt_position', 'encoding'] as const;
const REQUIRED = ['password', 'hash'] as const;

/** Input `hash verify` cannot use; its message is safe to print (it never repeats a value). */
export class UnusableInputError extends Error {}

function parseInput(text: string): HashVerifyInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UnusableInputError('input is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UnusableInputError('input is not a JSON object');
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(STRING_FIELDS as readonly string[]).includes(key)) {
      throw new UnusableInputError(`unknown field (expected ${STRING_FIELDS.join(', ')})`);
    }
    if (typeof record[key] !== 'string') throw new UnusableInputError(`field "${key}" is not a string`);
  }
  for (const key of REQUIRED) {
    if (!(key in record)) throw new UnusableInputError(`field "${key}" is missing`);
  }
  return record as unknown as HashVerifyInput;
}

/**
 * The StoredPassword a legacy row with these fields would give: `format` must be a format name the
 * hasher knows; `salt_position` and `encoding` go into the format spec of the formats that read them.
 * Raises UnusableInputError otherwise.
 */
export function toStoredPassword(input: HashVerifyInput, hasher: HashVerifyHasher): StoredPassword {
  const { hash, salt, format, salt_position, encoding } = input;
  let spec = format;
  if (format !== undefined) {
    const known = hasher.formats.find((f) => f.name === format);
    if (!known) {
      throw new UnusableInputError(`unknown format (expected one of ${hasher.formats.map((f) => f.name).join(', ')})`);
    }
    const given = { salt_position, encoding };
    for (const [key, value] of Object.entries(given)) {
      if (value !== undefined && !known.options?.includes(key)) {
        throw new UnusableInputError(`"${key}" applies only to the salted-* formats`);
      }
    }
    spec = formatSpec(format, given);
  } else if (salt_position !== undefined || encoding !== undefined) {
    throw new UnusableInputError('"salt_position" and "encoding" need a salted-* "format"');
  }
  if (salt_position !== undefined && !(SALT_POSITIONS as readonly string[]).includes(salt_position)) {
    throw new UnusableInputError('"salt_position" must be "prefix" or "suffix"');
  }
  if (encoding !== undefined && !(PASSWORD_ENCODINGS as readonly string[]).includes(encoding)) {
    throw new UnusableInputError('"encoding" must be "utf8" or "utf16le"');
  }
  return { hash, ...(salt === undefined ? {} : { salt }), ...(spec === undefined ? {} : { format: spec }) };
}

/**
 * `legacy-identity hash verify`: reads one JSON object `{"password", "hash", "salt"?, "format"?,
 * "salt_position"?, "encoding"?}` and answers `{"match": true|false, "format": "<name>"}` — exit 0 on a
 * match, 1 on a mismatch, 2 with `{"error": "<reason>"}` on unusable input: bad JSON, unknown or wrongly
 * typed fields, an unknown format name, a hash in no format recognisable without `format`, or a stored
 * hash its format cannot use (malformed, or a cost over the bounds; `format` names the format). Messages never
 * repeat the password or the hash. Overload (`resource_exhausted`) propagates to the caller.
 */
export async function runHashVerify(input: string, hasher: HashVerifyHasher): Promise<HashVerifyOutcome> {
  let stored: StoredPassword;
  let password: string;
  try {
    const fields = parseInput(input);
    password = fields.password;
    stored = toStoredPassword(fields, hasher);
  } catch (error) {
    if (error instanceof UnusableInputError) return { exitCode: 2, output: JSON.stringify({ error: error.message }) };
    throw error;
  }
  const result = await hasher.verify(password, stored);
  if (result.format === 'unknown') {
    return {
      exitCode: 2,
      output: JSON.stringify({ error: 'the hash is in no format recognisable by its shape; give "format"' }),
    };
  }
  if (result.unusable !== undefined) {
    return {
      exitCode: 2,
      output: JSON.stringify({ error: `the stored hash is unusable: ${result.unusable}`, format: result.format }),
    };
  }
  return { exitCode: result.match ? 0 : 1, output: JSON.stringify({ match: result.match, format: result.format }) };
}
