/**
 * How `StoredPassword.format` carries a format's options: the format name, then `;key=value` pairs,
 * e.g. `salted-sha256;salt_position=suffix;encoding=utf16le`. Schema profiles build it with
 * `formatSpec`; a plain name (`bcrypt`, `membership-sha1`) is a spec without options.
 */
export interface FormatSpec {
  readonly name: string;
  readonly options: ReadonlyMap<string, string>;
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const OPTION = /^([a-z][a-z0-9_]*)=([A-Za-z0-9_.-]+)$/;

/** The spec in `text`, or undefined when it is not one (e.g. a schema's own code such as `1`). */
export function parseFormatSpec(text: string): FormatSpec | undefined {
  const [name, ...pairs] = text.split(';');
  if (name === undefined || !NAME.test(name)) return undefined;
  const options = new Map<string, string>();
  for (const pair of pairs) {
    const match = OPTION.exec(pair);
    if (!match?.[1] || match[2] === undefined || options.has(match[1])) return undefined;
    options.set(match[1], match[2]);
  }
  return { name, options };
}

/** Writes a spec; options left undefined are omitted (the format's default applies). */
export function formatSpec(name: string, options: Readonly<Record<string, string | undefined>> = {}): string {
  const pairs = Object.entries(options).flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${value}`]));
  return [name, ...pairs].join(';');
}
