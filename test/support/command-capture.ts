import type { CommandIO } from '../../src/commands/command-io';

/** A CommandIO over `env` with an empty stdin that keeps what the command prints, line by line. */
export function commandCapture(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = { env, readStdin: async () => '', out: (l) => out.push(l), err: (l) => err.push(l) };
  return { io, out, err, json: () => out.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
