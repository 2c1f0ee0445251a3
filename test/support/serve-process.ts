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
  const child = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', '--require', './src/telemetry/register.ts', 'src/cli.ts', 'serve'],
    { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
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
