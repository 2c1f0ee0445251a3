import type { CommandIO } from '../../src/commands/command-io';

/** A CommandIO over `env` and `stdin` (empty unless given) that keeps what the command prints, line by line. */
export function commandCapture(env: Record<string, string>, stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = { env, readStdin: async () => stdin, out: (l) => out.push(l), err: (l) => err.push(l) };
  return { io, out, err, json: () => out.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
