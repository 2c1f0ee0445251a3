import { parseArgs } from 'node:util';

/** A command-line mistake: printed with the command's usage, exit 2. Its message never repeats a value. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type ParseOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/**
 * parseArgs in strict mode, its errors turned into UsageError. Node's own messages quote the argument
 * they stumbled on, which may be a password pasted in the wrong place (`--password-stdin hunter2`), so
 * they are replaced: an unknown option is named up to any `=`, a stray argument or a value never.
 */
export function parseCommandArgs<O extends ParseOptions>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(safeMessage(error, args, options));
  }
}

function safeMessage(error: unknown, args: readonly string[], options: ParseOptions): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const known = new Set(Object.keys(options ?? {}));
      const unknown = args
        .filter((a) => a.startsWith('-'))
        .map((a) => a.replace(/^-+/, '').split('=')[0] ?? '')
        .find((name) => !known.has(name) && /^[a-z][a-z0-9-]{0,40}$/i.test(name));
      return unknown === undefined ? 'unknown option' : `unknown option --${unknown}`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return 'unexpected argument (not an option of this command; not repeated here)';
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return 'an option is missing its value, or was given one it does not take';
    default:
      return 'invalid arguments';
  }
}
