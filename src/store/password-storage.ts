import type { StoredPassword } from '../domain/user';
import { type KnownFormat, resolveFormatSpec, sameFormatSpec } from '../passwords/known-format-spec';
import { readPassword, writePassword } from './membership-statements';
import type { Column, SchemaProfile, UsersTableProfile } from './schema-profile';
import { USER_ROW } from './user-row';
import { passwordColumnValues, readUsersTablePassword } from './users-table-password';

/**
 * The password a read gives back after `password` was written through `profile`: what the profile
 * keeps of a salt and a format, by the same code that writes and reads rows.
 */
export function passwordAsStored(profile: SchemaProfile, password: StoredPassword): StoredPassword {
  const kind = profile.kind;
  switch (kind) {
    case 'users-table': {
      const { salt, format } = passwordColumnValues(password);
      return readUsersTablePassword(profile, {
        [USER_ROW.passwordHash]: password.hash,
        [USER_ROW.passwordSalt]: salt,
        [USER_ROW.passwordFormat]: format,
      });
    }
    case 'membership': {
      const written = writePassword(profile, password);
      return readPassword(profile, {
        [USER_ROW.passwordHash]: written.hash,
        [USER_ROW.passwordSalt]: written.salt,
        [USER_ROW.passwordFormat]: written.format,
      });
    }
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown profile kind ${String(unreachable)}`);
    }
  }
}

/**
 * Why `profile` cannot keep an imported password so that it verifies as given, or undefined when it
 * can: a salt it has no column for, a format it would read differently (no format mapping and a
 * format not recognisable from the hash alone, a fixed format that differs, Membership's configured
 * algorithm), or a value longer than its column. `formats` are the hasher's, in its detection order.
 * The message names the profile, the columns and format names, never the hash or the salt.
 */
export function passwordStorageProblem(
  profile: SchemaProfile,
  password: StoredPassword,
  formats: readonly KnownFormat[],
): string | undefined {
  const kept = passwordAsStored(profile, password);
  const where = `schema profile ${profile.name}`;
  if (password.salt !== undefined && password.salt !== '' && kept.salt !== password.salt) {
    return profile.kind === 'users-table'
      ? `${where} has no password salt column (passwordSalt); the salt cannot be stored`
      : `${where} keeps a salt only with its own Membership formats; the salt cannot be stored with this format`;
  }
  if (password.format !== undefined) {
    const given = resolveFormatSpec(password, formats);
    const read = resolveFormatSpec(kept, formats);
    if (given && !(read && sameFormatSpec(given, read))) {
      return `${where} ${formatMismatch(profile, password.format)}`;
    }
  }
  return profile.kind === 'users-table' ? lengthProblem(profile, password) : undefined;
}

function formatMismatch(profile: SchemaProfile, format: string): string {
  if (profile.kind === 'membership') {
    return `reads Membership rows with its own formats (${Object.values(profile.passwordFormats).join(', ')}); "${format}" cannot be stored`;
  }
  const mapping = profile.passwordFormat;
  if (mapping?.kind === 'fixed') return `stores every password as "${mapping.spec}"; "${format}" conflicts with it`;
  return `has no password format column (passwordFormat), and "${format}" is not what the hash alone is recognised as`;
}

function lengthProblem(profile: UsersTableProfile, password: StoredPassword): string | undefined {
  const tooLong = (column: Column | undefined, value: string | undefined) =>
    column && value !== undefined && column.type.kind === 'text' && column.type.maxLength !== 'max'
      ? value.length > column.type.maxLength
      : false;
  const formatColumn = profile.passwordFormat?.kind === 'column' ? profile.passwordFormat.column : undefined;
  for (const [column, value, role] of [
    [profile.passwordHash, password.hash, 'hash'],
    [profile.passwordSalt, password.salt, 'salt'],
    [formatColumn, password.format, 'format'],
  ] as const) {
    if (column && tooLong(column, value)) {
      return `schema profile ${profile.name}: the password ${role} is longer than column "${column.name}" holds`;
    }
  }
  return undefined;
}
