import type { StoredPassword } from '../domain/user';
import { isScryptKdfHash } from '../passwords/scrypt';
import type { UsersTableProfile } from './schema-profile';
import { type Row, toText, USER_ROW } from './user-row';

/** Empty text in a salt or format column means the same as NULL: nothing there. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The password of a users-table row, selected with the USER_ROW aliases: the hash, the salt where the
 * profile maps a salt column, and the format its `passwordFormat` gives. A fixed format applies to
 * every row except those holding the adapter's own scrypt hashes (written by CreateUser,
 * ChangePassword or a rehash at login), which are read as `scrypt`. A format column's value is passed
 * on as it is: a value that names no known format leaves the hasher to detect the format by shape.
 */
export function readUsersTablePassword(profile: UsersTableProfile, row: Row): StoredPassword {
  // A NULL hash (an account without a local password) matches no format, so it never signs in.
  const hash = toText(row[USER_ROW.passwordHash]) ?? '';
  const salt = profile.passwordSalt ? nonEmpty(toText(row[USER_ROW.passwordSalt])) : undefined;
  const mapping = profile.passwordFormat;
  let format: string | undefined;
  if (mapping) {
    const kind = mapping.kind;
    switch (kind) {
      case 'fixed':
        format = isScryptKdfHash(hash) ? 'scrypt' : mapping.spec;
        break;
      case 'column':
        format = nonEmpty(toText(row[USER_ROW.passwordFormat])?.trim());
        break;
      default: {
        const unreachable: never = kind;
        throw new Error(`unknown password format mapping ${String(unreachable)}`);
      }
    }
  }
  return { hash, ...(salt === undefined ? {} : { salt }), ...(format === undefined ? {} : { format }) };
}

/**
 * What a password write puts in the salt and format columns (where mapped): the password's own salt
 * and format, NULL when it has none — so a new scrypt hash (`{hash, format: 'scrypt'}`) clears the
 * salt and records `scrypt`.
 */
export function passwordColumnValues(password: StoredPassword): { salt: string | null; format: string | null } {
  return { salt: password.salt ?? null, format: password.format ?? null };
}

/** True when the profile keeps more of a password than its hash column. */
export function mapsPasswordDetails(profile: UsersTableProfile): boolean {
  return profile.passwordSalt !== undefined || profile.passwordFormat !== undefined;
}
