import assert from 'node:assert/strict';
import { runCliToExit } from '../support/serve-process';
import { TEST_BRIDGE_TOKEN, TEST_SCRYPT_ENV } from '../support/stack';

/** The database password every malformed STORE_URL below carries, whole or in part. */
const PASSWORD = 'Kv9Mq2Secret7Xw';

/** Every substring of the password of at least four characters a message must not contain. */
function quotesPassword(text: string): string | null {
  for (let i = 0; i + 4 <= PASSWORD.length; i++) {
    const part = PASSWORD.slice(i, i + 4);
    if (text.includes(part)) return part;
  }
  return null;
}

/** Runs `serve` as `npm start` does, to its end: exit code and everything it wrote. */
function serve(storeUrl: string): Promise<{ code: number | null; output: string }> {
  return runCliToExit('serve', {
    ...TEST_SCRYPT_ENV,
    STORE_URL: storeUrl,
    BRIDGE_TOKENS: TEST_BRIDGE_TOKEN,
    GRPC_ADDR: '127.0.0.1:0',
    HTTP_ADDR: '127.0.0.1:0',
    METRICS_ADDR: 'off',
    LOG_LEVEL: 'info',
  });
}

describe('serve: a malformed STORE_URL is a configuration error that quotes no part of the password', function () {
  this.timeout(60_000);

  // One of each kind of mistake: an unencoded '?' or '/' in the password, a bad %-escape, a typo in
  // an ADO flag (once trusted as true), a number that is not one.
  const malformed: ReadonlyArray<readonly [string, string]> = [
    ["'?' in the password", `mssql://sa:${PASSWORD.slice(0, 4)}?${PASSWORD.slice(4)}=1@127.0.0.1/db`],
    // User '127.0.0.1', password '1/…': read as host 127.0.0.1, port 1 and a database named after the
    // rest of the password (so a regression would dial only a closed loopback port).
    ["'/' in the password (after digits, read as a port)", `mssql://127.0.0.1:1/${PASSWORD}@127.0.0.1`],
    ['a bad %-escape', `mssql://sa:${PASSWORD}%ZZ@127.0.0.1/db`],
    ['an ADO flag typo', `Server=127.0.0.1;User Id=sa;Password=${PASSWORD};TrustServerCertificate=${PASSWORD}`],
    ['an ADO number typo', `Server=127.0.0.1;Password=${PASSWORD};Connect Timeout=${PASSWORD.slice(0, 6)}`],
  ];

  for (const [what, url] of malformed) {
    it(`${what}: exit 2, "configuration error: STORE_URL: …", nothing of the password`, async () => {
      const run = await serve(url);
      assert.equal(run.code, 2, run.output);
      assert.match(run.output, /^configuration error: STORE_URL: /m);
      assert.equal(quotesPassword(run.output), null, run.output);
      assert.doesNotMatch(run.output, /grpc_listening|"event":"started"/, 'nothing was started');
    });
  }
});
