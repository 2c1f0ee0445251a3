import type { StoredPassword } from '../domain/user';
import { type FormatSpec, parseFormatSpec } from '../passwords/format-spec';
import { LEGACY_FORMATS } from '../passwords/legacy-formats';
import type { PasswordFormat } from '../passwords/password-format';
import { scryptFormat } from '../passwords/scrypt';

const FORMATS: readonly PasswordFormat[] = [scryptFormat, ...LEGACY_FORMATS];

/** A stored password's format as verification would pick it, with the spec's options. */
export interface ResolvedFormat {
  /** The format name (`bcrypt`, `membership-sha1`, `salted-sha256`, …), or undefined when none applies. */
  readonly name: string | undefined;
  /** Options of the format spec in `stored.format` when it names this format (`salt_position`, `encoding`). */
  readonly options: ReadonlyMap<string, string>;
  /** True when the spec names options the format does not read (verification refuses such a row). */
  readonly unknownOptions: boolean;
}

/**
 * Picks the format exactly as the password hasher does: the one `stored.format` names when it names a
 * known format, otherwise the first whose shape matches, so that an export reads a hash the way a login
 * would verify it.
 */
export function resolveFormat(stored: StoredPassword): ResolvedFormat {
  const spec: FormatSpec | undefined = stored.format === undefined ? undefined : parseFormatSpec(stored.format);
  const named = spec && FORMATS.find((f) => f.name === spec.name);
  const format =
    named ??
    FORMATS.find((f) => {
      try {
        return f.detect(stored);
      } catch {
        return false;
      }
    });
  if (!format) return { name: undefined, options: new Map(), unknownOptions: false };
  const options = spec?.name === format.name ? spec.options : new Map<string, string>();
  const unknownOptions = [...options.keys()].some((key) => !format.options?.includes(key));
  return { name: format.name, options, unknownOptions };
}
