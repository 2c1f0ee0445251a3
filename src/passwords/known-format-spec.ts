import type { StoredPassword } from '../domain/user';
import { type FormatSpec, parseFormatSpec } from './format-spec';
import { LEGACY_FORMATS } from './legacy-formats';
import type { PasswordFormat } from './password-format';
import { PASSWORD_ENCODINGS, SALT_POSITIONS } from './salted-digest';
import { scryptFormat } from './scrypt';

/** What these checks need of a format. */
export type KnownFormat = Pick<PasswordFormat, 'name' | 'options' | 'detect'>;

/** Every format the service verifies: scrypt and every legacy one (createConfiguredHasher's set). */
export const KNOWN_FORMATS: readonly KnownFormat[] = [scryptFormat, ...LEGACY_FORMATS];

/** The values an option may take, for the options whose values are a closed set. */
const OPTION_VALUES: Readonly<Record<string, readonly string[]>> = {
  salt_position: SALT_POSITIONS,
  encoding: PASSWORD_ENCODINGS,
};

/**
 * Why `text` is not a format spec the service can verify with (`salted-sha256;salt_position=suffix`),
 * or undefined when it is: it must parse, name one of `formats`, and carry only options that format
 * reads, each with a value it accepts. The message names format and option names, safe to print.
 */
export function formatSpecProblem(text: string, formats: readonly KnownFormat[] = KNOWN_FORMATS): string | undefined {
  const spec = parseFormatSpec(text);
  if (!spec) return 'is not a format spec (a format name, then optional ";key=value" options)';
  const format = formats.find((f) => f.name === spec.name);
  if (!format) return `unknown format "${spec.name}" (expected one of: ${formats.map((f) => f.name).join(', ')})`;
  for (const [key, value] of spec.options) {
    if (!format.options?.includes(key)) {
      const accepted = format.options?.length ? format.options.join(', ') : 'none';
      return `format "${format.name}" has no option "${key}" (its options: ${accepted})`;
    }
    const values = OPTION_VALUES[key];
    if (values && !values.includes(value)) return `option "${key}" must be one of: ${values.join(', ')}`;
  }
  return undefined;
}

/**
 * The format the hasher will verify `stored` with, as a spec: the one `stored.format` names when it
 * names a known format (with its options), otherwise the first whose shape matches (without options,
 * so its defaults apply), as createPasswordHasher selects. Undefined when none would.
 */
export function resolveFormatSpec(
  stored: StoredPassword,
  formats: readonly KnownFormat[] = KNOWN_FORMATS,
): FormatSpec | undefined {
  const named = stored.format === undefined ? undefined : parseFormatSpec(stored.format);
  if (named && formats.some((f) => f.name === named.name)) return named;
  const detected = formats.find((f) => {
    try {
      return f.detect(stored);
    } catch {
      return false;
    }
  });
  return detected ? { name: detected.name, options: new Map() } : undefined;
}

/** True when two specs name the same format with the same options (in any order). */
export function sameFormatSpec(a: FormatSpec, b: FormatSpec): boolean {
  return (
    a.name === b.name && a.options.size === b.options.size && [...a.options].every(([k, v]) => b.options.get(k) === v)
  );
}
