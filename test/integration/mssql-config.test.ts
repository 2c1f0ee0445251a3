import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config';
import { IdentityError } from '../../src/domain/errors';
import { describeTarget, MSSQL_DEFAULTS, mssqlSettings } from '../../src/store/mssql/mssql-config';
import { translateMssqlError } from '../../src/store/mssql/translate-error';

const ENV = { HTTP_ADDR: 'off' };
const SECRET = 'p@ss:w/rd S3cret';

describe('mssql STORE_URL and tuning', () => {
  it('parses an mssql:// URL with URL-encoded credentials, with encryption and certificate checks on by default', () => {
    const { config, target, requestTimeoutMs } = mssqlSettings(
      `mssql://app%5Cuser:${encodeURIComponent(SECRET)}@db.example.com:1444/Legacy`,
    );
    assert.equal(config.server, 'db.example.com');
    assert.equal(config.port, 1444);
    assert.equal(config.database, 'Legacy');
    assert.equal(config.user, 'app\\user');
    assert.equal(config.password, SECRET);
    assert.equal(config.options?.encrypt, true);
    assert.equal(config.options?.trustServerCertificate, false);
    assert.equal(config.pool?.max, MSSQL_DEFAULTS.poolMax);
    assert.equal(config.connectionTimeout, MSSQL_DEFAULTS.connectTimeoutMs);
    assert.equal(requestTimeoutMs, MSSQL_DEFAULTS.requestTimeoutMs);
    assert.equal(describeTarget(target), 'db.example.com:1444/Legacy as app\\user');
  });

  it('honours encrypt and trustServerCertificate in the URL and refuses unknown options without echoing them', () => {
    const { config } = mssqlSettings('mssql://u:p@h/db?encrypt=false&trustServerCertificate=true');
    assert.equal(config.options?.encrypt, false);
    assert.equal(config.options?.trustServerCertificate, true);
    assert.throws(() => mssqlSettings('mssql://u:p@h/db?encrypt=maybe'), /encrypt must be true or false/);
    assert.throws(
      () => mssqlSettings(`mssql://u:${encodeURIComponent(SECRET)}@h/db?pasword=oops`),
      (e: unknown) => e instanceof Error && /unknown query option/.test(e.message) && !e.message.includes('pasword'),
    );
  });

  it('reads Encrypt and TrustServerCertificate in an ADO string as the URL form does, refusing a typo instead of trusting any certificate', () => {
    const flags = (ado: string) => {
      const { options } = mssqlSettings(`Server=h;Password=${SECRET};${ado}`).config;
      return [options?.encrypt, options?.trustServerCertificate];
    };
    assert.deepEqual(flags('TrustServerCertificate=off'), [true, false]);
    assert.deepEqual(flags('TrustServerCertificate=False;Encrypt=no'), [false, false]);
    assert.deepEqual(flags('TrustServerCertificate=yes;Encrypt=True'), [true, true]);
    assert.deepEqual(flags(''), [true, false]);
    for (const bad of ['TrustServerCertificate=fals', 'TrustServerCertificate=maybe', 'Encrypt=maybe', 'Encrypt=']) {
      assert.throws(
        () => mssqlSettings(`Server=h;Password=${SECRET};${bad}`),
        (e: unknown) => e instanceof Error && /must be true or false/.test(e.message) && !e.message.includes('S3cret'),
        bad,
      );
    }
  });

  it('a malformed STORE_URL is a configuration error naming STORE_URL that quotes no part of the password', () => {
    const password = 'Zq7Secret0Word';
    const malformed = [
      `mssql://sa:${password.slice(0, 4)}?${password.slice(4)}=1@127.0.0.1/db`,
      `mssql://sa:${password}%ZZ@127.0.0.1/db`,
      `mssql://sa:${password.slice(0, 4)}#${password.slice(4)}@127.0.0.1/db`,
      `mssql://sa:${password}@127.0.0.1/db/extra`,
      `Server=127.0.0.1;Password=${password};TrustServerCertificate=${password}`,
      `Server=127.0.0.1;Password=${password};Encrypt=${password.slice(0, 6)}`,
      // An unencoded '/' ends the authority: the rest of the password would become the database name
      // (and so appear in every log line naming the target), or a query value.
      `mssql://sa:1433/${password}@127.0.0.1`,
      `mssql://sa:1433/${password}@127.0.0.1/db`,
      `mssql://sa:${password.slice(0, 4)}?applicationName=${password.slice(4)}@127.0.0.1/db`,
      // A query key is quoted by no message, not even a known one spelt as the password spells it.
      `mssql://sa:${password.slice(0, 4)}?EnCrYpT=${password.slice(4)}`,
      `mssql://sa:${password}@127.0.0.1:0/db`,
      `Server=127.0.0.1;Password=${password};Connect Timeout=${password}`,
      `Server=127.0.0.1,${password};Password=${password}`,
      `Server=127.0.0.1;Password=${password};Max Pool Size=${password.slice(0, 5)}`,
      `Server=127.0.0.1;Password=${password};MultiSubnetFailover=${password}`,
      `Server=127.0.0.1;Password='${password}`,
    ];
    for (const url of malformed) {
      assert.throws(
        () => loadConfig({ ...ENV, STORE_URL: url }),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e));
          assert.equal(e.key, 'STORE_URL');
          for (let i = 0; i + 4 <= password.length; i++) {
            assert.ok(!e.message.includes(password.slice(i, i + 4)), `${e.message} quotes the password`);
          }
          return true;
        },
        url,
      );
    }
  });

  it('reads the numbers of an ADO string strictly: a typo is refused, naming the keyword, instead of NaN or a default', () => {
    const own = mssqlSettings(
      'Server=h,1444;Connect Timeout=9;Max Pool Size=7;Min Pool Size=2;Packet Size=8192;Request Timeout=3000;ConnectRetryInterval=5',
    ).config;
    assert.equal(own.port, 1444);
    assert.equal(own.connectionTimeout, 9_000);
    assert.equal(own.pool?.max, 7);
    assert.equal(own.options?.packetSize, 8192);
    assert.equal(own.requestTimeout, 3_000);
    assert.equal(mssqlSettings('Server=h;Timeout=4').config.connectionTimeout, 4_000);
    const refused: ReadonlyArray<readonly [string, RegExp]> = [
      ['Connect Timeout=abc', /Connect Timeout must be a whole number of seconds from 1 to/],
      ['Connection Timeout=0', /Connect Timeout must be/],
      ['Timeout=-5', /Connect Timeout must be/],
      ['Connect Timeout=1e9', /Connect Timeout must be/],
      ['Max Pool Size=0', /Max Pool Size must be a whole number from 1 to 200/],
      ['Max Pool Size=1.5', /Max Pool Size must be/],
      ['Max Pool Size=', /Max Pool Size must be/],
      ['Min Pool Size=x', /Min Pool Size must be/],
      ['Packet Size=12', /Packet Size must be a whole number from 512 to 32768/],
      ['Request Timeout=soon', /Request Timeout must be/],
      ['ConnectRetryInterval=0', /ConnectRetryInterval must be/],
      ['MultiSubnetFailover=fals', /MultiSubnetFailover must be true or false/],
      ['Stream=true', /Stream=true is not supported/],
      ['ParseJSON=yes', /ParseJSON=true is not supported/],
      ['UseUTC=no', /UseUTC=false is not supported/],
    ];
    for (const [bad, message] of refused) {
      assert.throws(
        () => mssqlSettings(`Server=h;Password=${SECRET};${bad}`),
        (e: unknown) => e instanceof Error && e.message.startsWith('STORE_URL: ') && message.test(e.message),
        bad,
      );
    }
    for (const server of ['h,abc', 'h,0', 'h,70000', 'h\\inst,x']) {
      assert.throws(
        () => mssqlSettings(`Server=${server}`),
        /STORE_URL: the port after the server name must be/,
        server,
      );
    }
    assert.equal(mssqlSettings('Server=h;Stream=false;UseUTC=true;MultiSubnetFailover=yes').config.stream, false);
  });

  it('parses an ADO connection string; MSSQL_* keys win over its pool and timeout settings', () => {
    const ado = `Server=sql.example.com,1433;Database=Legacy;User Id=app;Password=${SECRET};Encrypt=true;TrustServerCertificate=false;Max Pool Size=7;Connect Timeout=9`;
    const own = mssqlSettings(ado);
    assert.equal(own.config.server, 'sql.example.com');
    assert.equal(own.config.password, SECRET);
    assert.equal(own.config.pool?.max, 7);
    assert.equal(own.config.connectionTimeout, 9_000);
    const tuned = mssqlSettings(ado, {
      poolMax: 3,
      connectTimeoutMs: 1_500,
      requestTimeoutMs: 2_000,
      poolIdleTimeoutMs: 60_000,
    });
    assert.equal(tuned.config.pool?.max, 3);
    assert.equal(tuned.config.pool?.idleTimeoutMillis, 60_000);
    assert.equal(tuned.config.connectionTimeout, 1_500);
    assert.equal(tuned.requestTimeoutMs, 2_000);
  });

  it('loadConfig reads the MSSQL_* keys and names a bad one without echoing STORE_URL', () => {
    const config = loadConfig({
      ...ENV,
      STORE_URL: `mssql://sa:${encodeURIComponent(SECRET)}@127.0.0.1:1433/legacy`,
      MSSQL_POOL_MAX: '4',
      MSSQL_REQUEST_TIMEOUT: '2s',
    });
    assert.equal(config.store.kind, 'mssql');
    assert.deepEqual(config.store.kind === 'mssql' ? config.store.tuning : null, {
      poolMax: 4,
      requestTimeoutMs: 2_000,
    });
    assert.throws(
      () => loadConfig({ ...ENV, STORE_URL: 'mssql://sa:x@h/db', MSSQL_CONNECT_TIMEOUT: '10ms' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'MSSQL_CONNECT_TIMEOUT',
    );
    assert.throws(
      () => loadConfig({ ...ENV, MSSQL_POOL_MAX: '0' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'MSSQL_POOL_MAX',
    );
  });
});

describe('mssql translate-error', () => {
  const ctx = { deadlineCapped: false, target: 'h:1433/db as app' };
  const requestError = (fields: Record<string, unknown>) =>
    Object.assign(new Error('x'), { name: 'RequestError', ...fields });
  const connectionError = (code: string, message = 'x') =>
    Object.assign(new Error(message), { name: 'ConnectionError', code });

  it('maps duplicate keys to already_exists, from the number on the error or on the driver error inside it', () => {
    for (const error of [requestError({ number: 2627 }), requestError({ originalError: { info: { number: 2601 } } })]) {
      const t = translateMssqlError(error, ctx);
      assert.equal(t.error.code, 'already_exists');
      assert.equal(t.retry, 'never');
    }
  });

  it('retries deadlocks and unsent requests always, lost connections for reads only', () => {
    assert.deepEqual(
      [
        translateMssqlError(requestError({ number: 1205 }), ctx),
        translateMssqlError(connectionError('ESOCKET', 'connect ECONNREFUSED'), ctx),
        translateMssqlError(requestError({ code: 'ESOCKET' }), ctx),
      ].map((t) => [t.error.code, t.retry]),
      [
        ['unavailable', 'always'],
        ['unavailable', 'always'],
        ['unavailable', 'reads'],
      ],
    );
  });

  it('a refused login is unavailable with an operator hint naming the target, not retried', () => {
    const t = translateMssqlError(connectionError('ELOGIN', "Login failed for user 'app'."), ctx);
    assert.equal(t.error.code, 'unavailable');
    assert.equal(t.retry, 'never');
    assert.match(t.operatorHint ?? '', /refused the login to h:1433\/db as app/);
  });

  it('a request timeout is deadline_exceeded when the deadline set it, unavailable when MSSQL_REQUEST_TIMEOUT did', () => {
    const timeout = requestError({ code: 'ETIMEOUT' });
    assert.equal(translateMssqlError(timeout, { ...ctx, deadlineCapped: true }).error.code, 'deadline_exceeded');
    assert.equal(translateMssqlError(timeout, ctx).error.code, 'unavailable');
    assert.equal(translateMssqlError(connectionError('ETIMEOUT'), ctx).error.code, 'unavailable');
  });

  it('anything else is internal, keeping the driver error number (not its message) as cause; IdentityErrors pass through', () => {
    const odd = requestError({ number: 8152 });
    const t = translateMssqlError(odd, ctx);
    assert.equal(t.error.code, 'internal');
    assert.ok(t.error.cause instanceof Error);
    assert.equal(t.error.cause.name, 'RequestError');
    assert.equal(t.error.cause.message, 'SQL Server error 8152');
    const own = new IdentityError('not_found', 'user not found');
    assert.equal(translateMssqlError(own, ctx).error, own);
  });
});
