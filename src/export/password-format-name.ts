import type { StoredPassword } from '../domain/user';
import { KNOWN_FORMATS, resolveFormatSpec } from '../passwords/known-format-spec';

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
 * Picks the format exactly as the password hasher does (resolveFormatSpec over every known format):
 * the one `stored.format` names when it names a known format, otherwise the first whose shape
 * matches, so that an export reads a hash the way a login would verify it.
 */
export function resolveFormat(stored: StoredPassword): ResolvedFormat {
  const spec = resolveFormatSpec(stored, KNOWN_FORMATS);
  if (!spec) return { name: undefined, options: new Map(), unknownOptions: false };
  const format = KNOWN_FORMATS.find((f) => f.name === spec.name);
  const unknownOptions = [...spec.options.keys()].some((key) => !format?.options?.includes(key));
  return { name: spec.name, options: spec.options, unknownOptions };
}
