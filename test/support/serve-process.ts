import { type ChildProcess, spawn } from 'node:child_process';

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly grpcAddress: string;
  readonly bridgeUrl: string;
  readonly metricsUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines on stdout so far. */
  logLines(): Record<string, unknown>[];
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `legacy-identity serve` as a real process, the way `npm start` runs it: telemetry/register.ts
 * preloaded with `--require` (through tsx, on the sources), configured only by `env`. Resolves once
 * the `started` log line names the gRPC, bridge and metrics addresses.
 */
export async function startServeProcess(env: Record<string, string>): Promise<ServeProcess> {
  const child = spawnCli('serve', env);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.includes('"event":"started"'));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    exited.then((code) => reject(new Error(`serve exited early (${code}): ${stdout}${stderr}`)));
  });
  return {
    child,
    grpcAddress: String(started.grpc),
    bridgeUrl: String(started.bridge),
    metricsUrl: String(started.metrics),
    output: () => stdout + stderr,
    logLines: () =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** `legacy-identity <command>` as `npm start` / `npm run cli` run it: tsx, telemetry/register.ts preloaded. */
function spawnCli(command: string, env: Record<string, string>): ChildProcess {
  return spawn(
    process.execPath,
    ['--require', 'tsx/cjs', '--require', './src/telemetry/register.ts', 'src/cli.ts', command],
    { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/** Children of runCliToExit still running (a test failed before they ended); see killUnfinished. */
const unfinished = new Set<ChildProcess>();

/** Runs `legacy-identity <command>` (as spawnCli does) to its end: its exit code and everything it wrote. */
export function runCliToExit(
  command: 'serve' | 'demo',
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawnCli(command, env);
  unfinished.add(child);
  let output = '';
  const collect = (d: Buffer): void => {
    output += d.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      unfinished.delete(child);
      resolve({ code, output });
    }),
  );
}

/** Kills what runCliToExit started and has not ended, so a failed test leaves no server behind. */
export function killUnfinished(): void {
  for (const child of unfinished) child.kill('SIGKILL');
  unfinished.clear();
}
