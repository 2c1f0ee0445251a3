/**
 * `npm run bench`: every figure is printed next to a baseline measured in the same run, as a ratio,
 * so results compare across machines: KDF-bound figures against raw scrypt, look-ups against the
 * SQLite adapter's findByEmail alone, login latencies against the right password or the unknown user.
 * Writes bench/results.json. Never run by the tests.
 *
 * Environment: BENCH_SCRYPT_LOG_N (default 15, the cost used by every KDF figure), BENCH_SCALE
 * (multiplies operation counts; default 1).
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import Scrypt from 'scrypt-kdf';
import { openRepository } from '../src/store/open-repository';
import { promiseClient } from '../test/support/grpc-call';
import { SILENT_LOGGER } from '../test/support/silent-logger';
import { startStack, TEST_BRIDGE_TOKEN } from '../test/support/stack';
import { runHardeningBench } from './hardening';
import { insertLegacyUser, interleavedTiming, membershipSha1Timing } from './login-timing';
import { type Measurement, measure, round } from './measure';
import { benchMssql } from './mssql';

const LOG_N = Number(process.env.BENCH_SCRYPT_LOG_N ?? 15);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const CORES = availableParallelism();
const KDF_CONCURRENCY = Math.min(4, CORES);
const cost = { logN: LOG_N, r: 8, p: 1 };
const PASSWORD = 'bench password 1';

type Row = { figure: string; value: string; baseline: string; ratio: number | null };
const rows: Row[] = [];
const results: Record<string, unknown> = {
  machine: {
    cpus: CORES,
    model: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
  },
  scrypt: cost,
  kdfConcurrency: KDF_CONCURRENCY,
  at: new Date().toISOString(),
};

function fmt(m: Measurement): string {
  return `${round(m.perSecond, 1)}/s p50 ${round(m.p50Ms, 1)}ms p99 ${round(m.p99Ms, 1)}ms${m.errors ? ` (${m.errors} errors)` : ''}`;
}

function row(figure: string, value: Measurement, baselineName: string, baseline: Measurement): void {
  rows.push({
    figure,
    value: fmt(value),
    baseline: `${baselineName}: ${round(baseline.perSecond, 1)}/s`,
    ratio: round(value.perSecond / baseline.perSecond, 3),
  });
}

/** A sequential login latency as a ratio of p50s to the unknown-user p50 measured beside it. */
function timingRow(figure: string, value: Measurement | undefined, unknownUser: Measurement | undefined): void {
  if (!value || !unknownUser) return;
  rows.push({
    figure: `${figure} (sequential)`,
    value: `p50 ${round(value.p50Ms, 1)}ms p99 ${round(value.p99Ms, 1)}ms`,
    baseline: `unknown user p50 ${round(unknownUser.p50Ms, 1)}ms`,
    ratio: round(value.p50Ms / unknownUser.p50Ms, 3),
  });
}

async function main(): Promise<void> {
  // Baseline: raw scrypt-kdf verify at the KDF concurrency limit, no service around it.
  const key = Buffer.from(await Scrypt.kdf(PASSWORD, cost));
  const kdfOps = Math.max(8, Math.round(40 * SCALE * KDF_CONCURRENCY));
  // A short warm-up first, so the baseline is not the only figure that pays for a cold start.
  await measure(KDF_CONCURRENCY * 2, KDF_CONCURRENCY, () => Scrypt.verify(key, PASSWORD));
  const rawKdf = await measure(kdfOps, KDF_CONCURRENCY, () => Scrypt.verify(key, PASSWORD));
  results.rawKdf = rawKdf;
  rows.push({
    figure: `raw scrypt verify (logN ${LOG_N}, ${KDF_CONCURRENCY} at once)`,
    value: fmt(rawKdf),
    baseline: '(baseline)',
    ratio: 1,
  });

  const stack = await startStack({
    bridge: true,
    env: {
      SCRYPT_LOG_N: String(LOG_N),
      KDF_CONCURRENCY: String(KDF_CONCURRENCY),
      KDF_QUEUE_LIMIT: '1000',
      LOG_LEVEL: 'silent',
      // The timing figures repeat wrong passwords for one login: the per-identifier throttle would answer 429.
      RATE_LIMIT_LOGIN: 'off',
    },
  });
  try {
    const rpc = promiseClient(stack.client);
    await rpc.createUser({ email: 'bench@example.com', password: PASSWORD, username: 'bench' });

    // Authenticate over gRPC at the same cost and concurrency: the service's overhead on top of the KDF.
    const auth = await measure(kdfOps, KDF_CONCURRENCY, () =>
      rpc.authenticate({ login: 'bench@example.com', password: PASSWORD }),
    );
    results.grpcAuthenticate = auth;
    row('gRPC Authenticate (same cost, same concurrency)', auth, 'raw KDF', rawKdf);
    const auth2x = await measure(kdfOps, 2 * CORES, () =>
      rpc.authenticate({ login: 'bench@example.com', password: PASSWORD }),
    );
    results.grpcAuthenticate2xCores = auth2x;
    row(`gRPC Authenticate (concurrency ${2 * CORES})`, auth2x, 'raw KDF', rawKdf);

    // Look-ups: no KDF, so this measures the transport and the store. The baseline is the SQLite
    // adapter's findByEmail on the same file and row, with nothing around it (no gRPC, no domain).
    const lookups = Math.round(4000 * SCALE);
    const bareStore = await openRepository(stack.config.store, {
      profile: stack.config.schemaProfile,
      logger: SILENT_LOGGER,
    });
    let storeFind: Measurement;
    try {
      storeFind = await measure(lookups, 16, async () => {
        if (!(await bareStore.findByEmail('bench@example.com'))) throw new Error('bench user not found');
      });
    } finally {
      await bareStore.close();
    }
    results.storeFindByEmail = storeFind;
    rows.push({
      figure: 'store findByEmail (sqlite adapter alone, concurrency 16)',
      value: fmt(storeFind),
      baseline: '(baseline for look-ups)',
      ratio: 1,
    });
    const getUser = await measure(lookups, 16, () => rpc.getUser({ email: 'bench@example.com', login: '' }));
    results.grpcGetUser = getUser;
    row('gRPC GetUser (concurrency 16)', getUser, 'store findByEmail', storeFind);

    const bridge = `${stack.bridgeUrl}`;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${bridge}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      if (res.status >= 300) throw new Error(`status ${res.status}`);
    };
    const bridgeGet = await measure(lookups, 16, () => post('/v1/get-user', { email: 'bench@example.com' }));
    results.bridgeGetUser = bridgeGet;
    row('bridge /v1/get-user (concurrency 16)', bridgeGet, 'gRPC GetUser', getUser);
    row('bridge /v1/get-user (concurrency 16)', bridgeGet, 'store findByEmail', storeFind);
    const bridgeLogin = await measure(kdfOps, KDF_CONCURRENCY, () =>
      post('/v1/login', { username_or_email: 'bench', password: PASSWORD }),
    );
    results.bridgeLogin = bridgeLogin;
    row('bridge /v1/login (same cost, same concurrency)', bridgeLogin, 'raw KDF', rawKdf);

    // Timing of the login answers, one at a time, interleaved: unknown user, wrong password, right
    // password (scrypt user), and a wrong password for a bcrypt user (a cheap legacy hash, cost 4).
    const timingOps = Math.max(10, Math.round(30 * SCALE));
    const bcryptUser = await insertLegacyUser(stack, 'bcrypt');
    await rpc.authenticate({ login: bcryptUser.email, password: bcryptUser.password });
    const timing = await interleavedTiming(
      {
        unknownUser: () => rpc.authenticate({ login: 'nobody@example.com', password: PASSWORD }),
        wrongPassword: () => rpc.authenticate({ login: 'bench@example.com', password: 'not the password' }),
        rightPassword: () => rpc.authenticate({ login: 'bench@example.com', password: PASSWORD }),
        bcryptWrongPassword: () => rpc.authenticate({ login: bcryptUser.email, password: bcryptUser.wrongPassword }),
      },
      timingOps,
    );
    results.loginTiming = timing;
    const right = timing.rightPassword?.p50Ms ?? Number.NaN;
    for (const name of ['unknownUser', 'wrongPassword', 'rightPassword'] as const) {
      const t = timing[name];
      if (!t) continue;
      rows.push({
        figure: `login latency, ${name} (sequential)`,
        value: `p50 ${round(t.p50Ms, 1)}ms p99 ${round(t.p99Ms, 1)}ms`,
        baseline: `right password p50 ${round(right, 1)}ms`,
        ratio: round(t.p50Ms / right, 3),
      });
    }
    timingRow('login latency, bcrypt (cost 4) user, wrong password', timing.bcryptWrongPassword, timing.unknownUser);
  } finally {
    await stack.close();
  }

  // A Membership SHA1 user's wrong password, on a profile with salt and format columns.
  const sha1 = await membershipSha1Timing({
    logN: LOG_N,
    kdfConcurrency: KDF_CONCURRENCY,
    rounds: Math.max(10, Math.round(30 * SCALE)),
  });
  results.loginTimingMembershipSha1 = sha1;
  timingRow('login latency, Membership SHA1 user, wrong password', sha1.membershipSha1WrongPassword, sha1.unknownUser);
  timingRow('login latency, Membership SHA1 user, right password', sha1.membershipSha1RightPassword, sha1.unknownUser);

  // The same two RPCs on the mssql adapter, over TDS to the test server (informational: not SQL Server).
  const mssql = await benchMssql({
    scryptLogN: LOG_N,
    kdfConcurrency: KDF_CONCURRENCY,
    lookups: Math.round(2000 * SCALE),
    logins: kdfOps,
  });
  results.mssql = mssql;
  const sqliteGet = results.grpcGetUser as Measurement;
  const sqliteAuth = results.grpcAuthenticate as Measurement;
  row('mssql adapter over TDS: gRPC GetUser (concurrency 16)', mssql.getUser, 'sqlite GetUser', sqliteGet);
  row('mssql adapter over TDS: gRPC Authenticate', mssql.authenticate, 'sqlite Authenticate', sqliteAuth);

  // Abuse and fault figures (bench/hardening.ts): bridge login by concurrency, RSS under a flood, SIGTERM to exit.
  const hardening = await runHardeningBench({ logN: LOG_N, scale: SCALE, rawKdf });
  results.hardening = hardening.results;
  rows.push(...hardening.rows);

  const width = Math.max(...rows.map((r) => r.figure.length));
  console.log(
    `\nlegacy-identity-adapter bench — ${CORES} cores, ${results.machine && (results.machine as { model: string }).model}, scrypt logN ${LOG_N} r 8 p 1\n`,
  );
  for (const r of rows) {
    console.log(
      `${r.figure.padEnd(width)}  ${r.value.padEnd(44)}  ratio ${r.ratio === null ? '-' : r.ratio.toFixed(3).padStart(7)}  vs ${r.baseline}`,
    );
  }
  writeFileSync('bench/results.json', `${JSON.stringify({ ...results, table: rows }, null, 2)}\n`);
  console.log('\nwritten: bench/results.json');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
