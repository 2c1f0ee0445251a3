import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { formatSpecProblem } from '../../passwords/known-format-spec';
import {
  type CaseInsensitiveMatch,
  type Column,
  type ColumnType,
  type InsertDefault,
  type PasswordFormatMapping,
  PROFILE_FIELDS,
  type ProfileField,
  SIGN_IN_KEYS,
  type SignInColumns,
  type Stamp,
  type UsernameMapping,
  type UsersTableProfile,
} from '../schema-profile';
import {
  assertValidProfile,
  isValidIdentifier,
  MAX_NVARCHAR_LENGTH,
  SCRYPT_FORMAT_NAME,
  SCRYPT_HASH_TEXT_LENGTH,
  tableNameParts,
} from '../sql-identifier';
import { generateUsersTableDdl } from './users-table-ddl';

/**
 * A custom schema profile from a JSON file (SCHEMA_PROFILE=/path/to/profile.json): the table and
 * column names of a one-table users schema. Read once at start-up and validated strictly — unknown
 * keys, wrong types and names that are not plain identifiers are refused with an Error naming the
 * file and the JSON path (`$.email.column.name`) — so nothing in the file can reach SQL except as a
 * quoted identifier. The format is the UsersTableProfile type in JSON (README, "Custom schema
 * profiles"); its DDL is generated (users-table-ddl.ts).
 */
export function loadJsonProfile(path: string): UsersTableProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(`schema profile ${path}: cannot read the file (${typeof code === 'string' ? code : 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // V8's message may quote the text around the error: only the position is passed on.
    const where = error instanceof Error ? /line \d+ column \d+|position \d+/.exec(error.message)?.[0] : undefined;
    throw new Error(`schema profile ${path}: not valid JSON${where ? ` at ${where}` : ''}`);
  }
  const profile = parseJsonProfile(json, path);
  assertValidProfile(profile);
  return profile;
}

/** Raised for a JSON profile that does not fit the format; the message names the file and JSON path. */
export class JsonProfileError extends Error {
  override readonly name = 'JsonProfileError';
}

type Fail = (path: string, reason: string) => never;

/** Parses an already-decoded JSON value; `source` names it in errors. Exported for tests. */
export function parseJsonProfile(json: unknown, source: string): UsersTableProfile {
  const fail: Fail = (path, reason) => {
    throw new JsonProfileError(`schema profile ${source}: ${path}: ${reason}`);
  };
  const top = object(json, '$', fail, {
    required: ['table', 'id', 'email', 'passwordHash', 'emailVerified'],
    optional: [
      'kind',
      'name',
      'description',
      'username',
      'passwordSalt',
      'passwordFormat',
      'profile',
      'userMetadata',
      'appMetadata',
      'timestamps',
      'stamps',
      'insertDefaults',
      'signIn',
    ],
  });
  if (top.kind !== undefined && top.kind !== 'users-table') fail('$.kind', 'must be "users-table"');
  if (top.description !== undefined) string(top.description, '$.description', fail);
  const name = top.name === undefined ? basename(source).replace(/\.json$/i, '') : string(top.name, '$.name', fail);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) fail('$.name', 'must be 1–64 letters, digits, ".", "_" or "-"');

  const table = string(top.table, '$.table', fail);
  try {
    tableNameParts(table);
  } catch (error) {
    fail('$.table', error instanceof Error ? error.message : String(error));
  }

  const idJson = object(top.id, '$.id', fail, { required: ['column'], optional: ['idGeneration'] });
  if (idJson.idGeneration !== undefined && idJson.idGeneration !== 'uuid') {
    fail('$.id.idGeneration', 'must be "uuid" (the only generation supported)');
  }
  const emailJson = object(top.email, '$.email', fail, { required: ['column'], optional: ['match'] });

  const profileFields: { [K in ProfileField]?: Column } = {};
  if (top.profile !== undefined) {
    const fields = object(top.profile, '$.profile', fail, { required: [], optional: [...PROFILE_FIELDS] });
    for (const field of PROFILE_FIELDS) {
      if (fields[field] !== undefined) profileFields[field] = column(fields[field], `$.profile.${field}`, fail);
    }
  }

  const profile: Omit<UsersTableProfile, 'ddl'> = {
    kind: 'users-table',
    name,
    table,
    id: { column: column(idJson.column, '$.id.column', fail), idGeneration: 'uuid' },
    email: {
      column: column(emailJson.column, '$.email.column', fail),
      match: match(emailJson.match, '$.email.match', fail),
    },
    username: top.username === undefined || top.username === null ? null : usernameMapping(top.username, fail),
    passwordHash: holding(column(top.passwordHash, '$.passwordHash', fail), {
      path: '$.passwordHash',
      role: 'passwordHash',
      length: SCRYPT_HASH_TEXT_LENGTH,
      what: 'the scrypt hashes the adapter writes on sign-up, password change and rehash',
      fail,
    }),
    ...passwordDetails(top, fail),
    emailVerified: column(top.emailVerified, '$.emailVerified', fail),
    profile: profileFields,
    userMetadata: nullableColumn(top.userMetadata, '$.userMetadata', fail),
    appMetadata: nullableColumn(top.appMetadata, '$.appMetadata', fail),
    timestamps: timestamps(top.timestamps, fail),
    stamps: array(top.stamps, '$.stamps', fail).map((s, i) => stamp(s, `$.stamps[${i}]`, fail)),
    insertDefaults: array(top.insertDefaults, '$.insertDefaults', fail).map((d, i) =>
      insertDefault(d, `$.insertDefaults[${i}]`, fail),
    ),
    signIn: signIn(top.signIn, fail),
  };
  return { ...profile, ddl: generateUsersTableDdl({ ...profile, ddl: {} }) };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function object(
  value: unknown,
  path: string,
  fail: Fail,
  keys: { required: readonly string[]; optional: readonly string[] },
): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(path, `expected an object, got ${describe(value)}`);
  }
  const record = value as Record<string, unknown>;
  const allowed = [...keys.required, ...keys.optional];
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      fail(`${path}.${key}`, `unknown key (expected ${allowed.map((k) => `"${k}"`).join(', ')})`);
    }
  }
  for (const key of keys.required) {
    if (record[key] === undefined) fail(`${path}.${key}`, 'is required');
  }
  return record;
}

function string(value: unknown, path: string, fail: Fail): string {
  if (typeof value !== 'string') fail(path, `expected a string, got ${describe(value)}`);
  return value as string;
}

function array(value: unknown, path: string, fail: Fail): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`);
  return value as unknown[];
}

function oneOf<T extends string>(value: unknown, path: string, fail: Fail, options: readonly T[]): T {
  if (typeof value !== 'string' || !options.includes(value as T)) {
    fail(path, `expected one of ${options.map((o) => `"${o}"`).join(', ')}`);
  }
  return value as T;
}

const COLUMN_TYPES = ['text', 'bool', 'timestamp', 'int', 'guid'] as const;

/** `{"name": "Email", "type": "text", "maxLength": 256}`; maxLength only (and always) for text. */
function column(value: unknown, path: string, fail: Fail): Column {
  const json = object(value, path, fail, { required: ['name', 'type'], optional: ['maxLength'] });
  const name = string(json.name, `${path}.name`, fail);
  if (!isValidIdentifier(name)) {
    fail(`${path}.name`, `"${name}" is not a plain identifier (a letter or _, then letters, digits, _; ≤ 128)`);
  }
  const kind = oneOf(json.type, `${path}.type`, fail, COLUMN_TYPES);
  let type: ColumnType;
  if (kind === 'text') {
    const n = json.maxLength;
    const ok = n === 'max' || (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_NVARCHAR_LENGTH);
    if (!ok) fail(`${path}.maxLength`, `expected an integer 1–${MAX_NVARCHAR_LENGTH} or "max"`);
    type = { kind, maxLength: n as number | 'max' };
  } else {
    if (json.maxLength !== undefined) fail(`${path}.maxLength`, `only text columns have a maxLength`);
    type = { kind };
  }
  return { name, type };
}

/**
 * Refuses a text column shorter than `length`, what the adapter writes there (`what`), when the file
 * is loaded: accepted, it would fail those writes later, one user at a time.
 */
function holding(
  column: Column,
  need: { path: string; role: string; length: number; what: string; fail: Fail },
): Column {
  const type = column.type;
  if (type.kind === 'text' && type.maxLength !== 'max' && type.maxLength < need.length) {
    need.fail(
      `${need.path}.maxLength`,
      `column "${column.name}" (${need.role}) must hold at least ${need.length} characters (${need.what}), not ${type.maxLength}; widen it in the database and set maxLength to ${need.length} or more`,
    );
  }
  return column;
}

function nullableColumn(value: unknown, path: string, fail: Fail): Column | null {
  return value === undefined || value === null ? null : column(value, path, fail);
}

function match(value: unknown, path: string, fail: Fail): CaseInsensitiveMatch {
  if (value === undefined) return { kind: 'collation' };
  const kindOnly = object(value, path, fail, { required: ['kind'], optional: ['column', 'fold'] });
  const kind = oneOf(kindOnly.kind, `${path}.kind`, fail, ['collation', 'normalized'] as const);
  if (kind === 'collation') {
    object(value, path, fail, { required: ['kind'], optional: [] });
    return { kind };
  }
  const json = object(value, path, fail, { required: ['kind', 'column', 'fold'], optional: [] });
  return {
    kind,
    column: column(json.column, `${path}.column`, fail),
    fold: oneOf(json.fold, `${path}.fold`, fail, ['upper', 'lower'] as const),
  };
}

function usernameMapping(value: unknown, fail: Fail): UsernameMapping {
  const json = object(value, '$.username', fail, { required: ['column'], optional: ['match', 'emailByDefault'] });
  if (json.emailByDefault !== undefined && typeof json.emailByDefault !== 'boolean') {
    fail('$.username.emailByDefault', 'expected true or false');
  }
  return {
    column: column(json.column, '$.username.column', fail),
    match: match(json.match, '$.username.match', fail),
    emailByDefault: json.emailByDefault === true,
  };
}

/**
 * `"passwordSalt": {column}` and `"passwordFormat": {"fixed": "<format spec>"}` or
 * `{"column": {column}}`; both optional (null means absent). A fixed spec must name a format the
 * service verifies, with options that format reads.
 */
function passwordDetails(
  top: Record<string, unknown>,
  fail: Fail,
): { passwordSalt?: Column; passwordFormat?: PasswordFormatMapping } {
  const result: { passwordSalt?: Column; passwordFormat?: PasswordFormatMapping } = {};
  if (top.passwordSalt !== undefined && top.passwordSalt !== null) {
    result.passwordSalt = column(top.passwordSalt, '$.passwordSalt', fail);
  }
  const value = top.passwordFormat;
  if (value === undefined || value === null) return result;
  const json = object(value, '$.passwordFormat', fail, { required: [], optional: ['fixed', 'column'] });
  if ((json.fixed === undefined) === (json.column === undefined)) {
    fail('$.passwordFormat', 'expected exactly one of "fixed" (a format spec) or "column"');
  }
  if (json.fixed !== undefined) {
    const spec = string(json.fixed, '$.passwordFormat.fixed', fail);
    const problem = formatSpecProblem(spec);
    if (problem) fail('$.passwordFormat.fixed', problem);
    result.passwordFormat = { kind: 'fixed', spec };
  } else {
    const formatColumn = holding(column(json.column, '$.passwordFormat.column', fail), {
      path: '$.passwordFormat.column',
      role: 'passwordFormat',
      length: SCRYPT_FORMAT_NAME.length,
      what: `"${SCRYPT_FORMAT_NAME}", the format written with every new hash`,
      fail,
    });
    result.passwordFormat = { kind: 'column', column: formatColumn };
  }
  return result;
}

function timestamps(value: unknown, fail: Fail): UsersTableProfile['timestamps'] {
  if (value === undefined || value === null) return null;
  const json = object(value, '$.timestamps', fail, { required: ['createdAt', 'updatedAt'], optional: [] });
  return {
    createdAt: column(json.createdAt, '$.timestamps.createdAt', fail),
    updatedAt: column(json.updatedAt, '$.timestamps.updatedAt', fail),
  };
}

function stamp(value: unknown, path: string, fail: Fail): Stamp {
  const json = object(value, path, fail, { required: ['column', 'refresh', 'generation'], optional: [] });
  return {
    column: column(json.column, `${path}.column`, fail),
    refresh: oneOf(json.refresh, `${path}.refresh`, fail, ['credentials', 'every-change'] as const),
    generation: oneOf(json.generation, `${path}.generation`, fail, ['uuid', 'base32'] as const),
  };
}

function insertDefault(value: unknown, path: string, fail: Fail): InsertDefault {
  const json = object(value, path, fail, { required: ['column', 'value'], optional: [] });
  const v = json.value;
  if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) {
    fail(`${path}.value`, `expected a string, number, boolean or null, got ${describe(v)}`);
  }
  return { column: column(json.column, `${path}.column`, fail), value: v as InsertDefault['value'] };
}

/** The type each sign-in column must have, checked with the JSON path (the adapter writes some of them). */
const SIGN_IN_TYPES: { readonly [K in (typeof SIGN_IN_KEYS)[number]]: ColumnType['kind'] } = {
  approved: 'bool',
  lockedOut: 'bool',
  lockoutEnabled: 'bool',
  lockoutEnd: 'timestamp',
  accessFailedCount: 'int',
  failedAttemptWindowStart: 'timestamp',
  lastLoginAt: 'timestamp',
  lastLockoutAt: 'timestamp',
};

function signIn(value: unknown, fail: Fail): SignInColumns {
  if (value === undefined) return {};
  const json = object(value, '$.signIn', fail, { required: [], optional: SIGN_IN_KEYS });
  const result: { -readonly [K in (typeof SIGN_IN_KEYS)[number]]?: Column } = {};
  for (const key of SIGN_IN_KEYS) {
    if (json[key] === undefined) continue;
    const mapped = column(json[key], `$.signIn.${key}`, fail);
    if (mapped.type.kind !== SIGN_IN_TYPES[key]) {
      fail(`$.signIn.${key}.type`, `must be "${SIGN_IN_TYPES[key]}" (${key}), not "${mapped.type.kind}"`);
    }
    result[key] = mapped;
  }
  return result;
}
