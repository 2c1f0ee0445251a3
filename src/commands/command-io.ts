import type { IdentityError } from '../domain/errors';

/** What a command reads and writes, passed in so commands run the same under tests. */
export interface CommandIO {
  readonly env: Readonly<Record<string, string | undefined>>;
  readStdin(): Promise<string>;
  out(line: string): void;
  err(line: string): void;
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Reports an IdentityError on stderr as `<code>: <field violations, or else its message>`;
 * the exit code is EXIT.usage for invalid arguments, EXIT.failure otherwise.
 */
export function reportIdentityError(io: CommandIO, error: IdentityError): number {
  const fields = error.violations.map((v) => `${v.field} ${v.description}`).join('; ');
  io.err(`${error.code}: ${fields || error.message}`);
  return error.code === 'invalid_argument' ? EXIT.usage : EXIT.failure;
}

/** Reads all of standard input (passwords arrive this way, never through argv). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A password read from stdin: one trailing newline (from `echo` or a terminal) is not part of it. */
export function passwordFromStdin(text: string): string {
  return text.replace(/\r?\n$/, '');
}

export function processIO(): CommandIO {
  return {
    env: process.env,
    readStdin: () => readAll(process.stdin),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}
