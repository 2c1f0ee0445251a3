/**
 * Hardening figures, each a ratio to a baseline measured in the same run:
 * - login through the bridge at concurrency 1 … 2 × cores, against raw scrypt verify at the KDF limit;
 * - peak RSS of a real `serve` process during a login flood, against the documented memory budget;
 * - time from SIGTERM to exit under a login load, against the same with no load.
 *
 * `runHardeningBench()` is called by bench/run.ts; `tsx bench/hardening.ts` runs it alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import Scrypt from 'scrypt-kdf';
import { initStore } from '../src/commands/db-init';
import { kdfMemoryBytes, memoryBudgetBytes } from '../src/memory-budget';
import { defaultKdfMaxMemory } from '../src/passwords/kdf-memory';
import { residentMemory } from '../test/support/process-memory';
import { startServeProcess } from '../test/support/serve-process';
import { startStack, TEST_BRIDGE_TOKEN } from '../test/support/stack';
import { type Measurement, measure, round } from './measure';

export interface HardeningRow {
  readonly figure: string;
  readonly value: string;
  readonly baseline: string;
  readonly ratio: number | null;
}

export interface HardeningOptions {
  /** scrypt log2(N) of every KDF figure. */
  readonly logN: number;
  /** Multiplies operation counts. */
  readonly scale: number;
  /** Raw scrypt verify at the KDF limit, if the caller measured it already. */
  readonly rawKdf?: Measurement;
}

const PASSWORD = 'bench hardening password';
const MiB = 1024 * 1024;
/** Open, so the figures measure the KDF and the transport rather than the abuse limits. */
const LIMITS_OFF = { RATE_LIMIT_LOGIN: 'off', RATE_LIMIT_IP_LOGIN: 'off', RATE_LIMIT_IP: 'off' } as const;

function fmt(m: Measurement): string {
  return `${round(m.perSecond, 1)}/s p50 ${round(m.p50Ms, 1)}ms p99 ${round(m.p99Ms, 1)}ms${m.errors ? ` (${m.errors} errors)` : ''}`;
}

async function postJson(url: string, body: unknown): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

export async function runHardeningBench(
  options: HardeningOptions,
): Promise<{ rows: HardeningRow[]; results: Record<string, unknown> }> {
  const cores = availableParallelism();
  const kdfConcurrency = Math.min(4, cores);
  const cost = { logN: options.logN, r: 8, p: 1 };
  const rows: HardeningRow[] = [];
  const results: Record<string, unknown> = {};

  const rawKdf =
    options.rawKdf ??
    (await (async () => {
      const key = Buffer.from(await Scrypt.kdf(PASSWORD, cost));
      return measure(Math.max(8, Math.round(16 * options.scale * kdfConcurrency)), kdfConcurrency, () =>
        Scrypt.verify(key, PASSWORD),
      );
    })());

  // 1. Login through the bridge at rising concurrency, against the KDF's own ceiling.
  const stack = await startStack({
    bridge: true,
    env: {
      SCRYPT_LOG_N: String(options.logN),
      KDF_CONCURRENCY: String(kdfConcurrency),
      KDF_QUEUE_LIMIT: '1000',
      LOG_LEVEL: 'silent',
      ...LIMITS_OFF,
    },
  });
  try {
    const url = `${stack.bridgeUrl}/v1/login`;
    if ((await postJson(`${stack.bridgeUrl}/v1/create`, { email: 'hb@example.com', password: PASSWORD })) !== 201) {
      throw new Error('could not create the bench user');
    }
    const ops = Math.max(8, Math.round(12 * options.scale * kdfConcurrency));
    // Warm-up at the highest concurrency (JIT, connection pool), not measured.
    await measure(2 * cores, 2 * cores, () =>
      postJson(url, { username_or_email: 'hb@example.com', password: PASSWORD }),
    );
    const byConcurrency: Record<number, Measurement> = {};
    for (let c = 1; c <= 2 * cores; c++) {
      const m = await measure(ops, c, async () => {
        const status = await postJson(url, { username_or_email: 'hb@example.com', password: PASSWORD });
        if (status !== 200) throw new Error(`status ${status}`);
      });
      byConcurrency[c] = m;
      rows.push({
        figure: `bridge /v1/login, concurrency ${c}`,
        value: fmt(m),
        baseline: `raw KDF at ${kdfConcurrency} at once: ${round(rawKdf.perSecond, 1)}/s`,
        ratio: round(m.perSecond / rawKdf.perSecond, 3),
      });
    }
    results.bridgeLoginByConcurrency = byConcurrency;
  } finally {
    await stack.close();
  }

  const dir = mkdtempSync(join(tmpdir(), 'lia-bench-hardening-'));
  try {
    // 2. Peak RSS of a real process during a login flood, against the documented budget.
    const flood = await floodMemory(dir, cost, kdfConcurrency, options.scale);
    results.loginFlood = flood;
    rows.push({
      figure: `peak RSS, login flood (64 clients, ${flood.requests} logins)`,
      value: `${round(flood.peakBytes / MiB, 1)} MiB (idle ${round(flood.idleBytes / MiB, 1)} MiB; ${flood.ok} ok, ${flood.shed} shed)`,
      baseline: `budget ${round(flood.budgetBytes / MiB)} MiB = base + ${kdfConcurrency} × KDF_MAX_MEMORY ${round(defaultKdfMaxMemory(cost) / MiB)} MiB (this run's hashes: ${round(kdfMemoryBytes(cost) / MiB)} MiB each)`,
      ratio: round(flood.peakBytes / flood.budgetBytes, 3),
    });

    // 3. SIGTERM to exit: idle, then under a login load.
    const idle = await sigtermToExit(dir, 'idle', options.logN, kdfConcurrency, 0);
    const loaded = await sigtermToExit(dir, 'loaded', options.logN, kdfConcurrency, 2 * cores);
    results.sigtermToExit = { idle, loaded };
    rows.push({
      figure: `SIGTERM → exit under load (${2 * cores} clients logging in)`,
      value: `${round(loaded.exitMs, 1)}ms, exit ${loaded.code}; in flight ${loaded.inFlight}, lost ${loaded.lost}`,
      baseline: `idle: ${round(idle.exitMs, 1)}ms`,
      ratio: round(loaded.exitMs / idle.exitMs, 3),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, results };
}

async function newStore(dir: string, name: string): Promise<string> {
  const path = join(dir, `${name}.db`);
  await initStore({ kind: 'sqlite', path }, { profile: 'default', createLegacySchema: true });
  return path;
}

function serveEnv(dbPath: string, logN: number, kdfConcurrency: number, extra: Record<string, string> = {}) {
  return {
    STORE_URL: `sqlite:${dbPath}`,
    GRPC_ADDR: '127.0.0.1:0',
    HTTP_ADDR: '127.0.0.1:0',
    BRIDGE_TOKENS: TEST_BRIDGE_TOKEN,
    METRICS_ADDR: 'off',
    SCRYPT_LOG_N: String(logN),
    KDF_CONCURRENCY: String(kdfConcurrency),
    ...LIMITS_OFF,
    ...extra,
  };
}

async function floodMemory(
  dir: string,
  cost: { logN: number; r: number; p: number },
  kdfConcurrency: number,
  scale: number,
) {
  const serve = await startServeProcess(serveEnv(await newStore(dir, 'flood'), cost.logN, kdfConcurrency));
  try {
    const pid = serve.child.pid ?? Number.NaN;
    const url = `${serve.bridgeUrl}/v1/login`;
    await postJson(`${serve.bridgeUrl}/v1/create`, { email: 'flood@example.com', password: PASSWORD });
    for (let i = 0; i < 3; i++) await postJson(url, { username_or_email: 'flood@example.com', password: PASSWORD });
    const idleBytes = residentMemory(pid).currentBytes;
    const requests = Math.round(1500 * scale);
    let sent = 0;
    let ok = 0;
    let shed = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (sent++ < requests) {
          const status = await postJson(url, { username_or_email: 'flood@example.com', password: PASSWORD });
          if (status === 200) ok++;
          else if (status === 429) shed++;
          else throw new Error(`flood answer ${status}`);
        }
      }),
    );
    return {
      requests,
      ok,
      shed,
      idleBytes,
      peakBytes: residentMemory(pid).peakBytes,
      budgetBytes: memoryBudgetBytes({ cost, kdfConcurrency }),
    };
  } finally {
    await serve.stop();
  }
}

/** SIGTERM with `clients` logging in continuously; time until the process exits, and requests lost. */
async function sigtermToExit(dir: string, name: string, logN: number, kdfConcurrency: number, clients: number) {
  const serve = await startServeProcess(
    serveEnv(await newStore(dir, name), logN, kdfConcurrency, { KDF_QUEUE_LIMIT: '1000' }),
  );
  const url = `${serve.bridgeUrl}/v1/login`;
  await postJson(`${serve.bridgeUrl}/v1/create`, { email: 'term@example.com', password: PASSWORD });
  let stopping = false;
  let answered = 0;
  let lost = 0;
  let inFlight = 0;
  const load = Array.from({ length: clients }, async () => {
    while (!stopping) {
      try {
        const status = await postJson(url, { username_or_email: 'term@example.com', password: PASSWORD });
        if (status === 200) answered++;
        else if (status !== 503) lost++;
      } catch (error) {
        // Connection refused once the listener is closed: a clean refusal. Anything else (a reset
        // connection) may be a request the server had accepted: counted as lost.
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code !== 'ECONNREFUSED') lost++;
        return;
      }
    }
  });
  // Let the load reach a steady state: a few answers per client.
  while (answered < 3 * clients) await new Promise((r) => setTimeout(r, 20));
  const exited = new Promise<number | null>((resolve) => serve.child.once('exit', (code) => resolve(code)));
  inFlight = clients;
  const started = performance.now();
  serve.child.kill('SIGTERM');
  const code = await exited;
  const exitMs = performance.now() - started;
  stopping = true;
  await Promise.all(load);
  return { exitMs, code, inFlight, lost };
}

if (require.main === module) {
  runHardeningBench({
    logN: Number(process.env.BENCH_SCRYPT_LOG_N ?? 15),
    scale: Number(process.env.BENCH_SCALE ?? 1),
  }).then(
    ({ rows }) => {
      const width = Math.max(...rows.map((r) => r.figure.length));
      for (const r of rows) {
        console.log(
          `${r.figure.padEnd(width)}  ${r.value.padEnd(60)}  ratio ${String(r.ratio).padStart(7)}  vs ${r.baseline}`,
        );
      }
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
