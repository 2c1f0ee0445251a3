import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Throw-away test certificates, made at test time with the `openssl` CLI in a temp dir the test owns
 * (never committed). EC P-256 keys: quick to generate. Every name carries "TEST ONLY".
 */
export interface TestCert {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface TestCa extends TestCert {
  readonly name: string;
  /** A leaf certificate signed by this CA, valid for localhost and 127.0.0.1. */
  issue(name: string, usage: 'server' | 'client'): TestCert;
}

const DAYS = '2';

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(dir: string, file: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file], dir);
}

function read(dir: string, certFile: string, keyFile: string): TestCert {
  const cert = join(dir, certFile);
  const key = join(dir, keyFile);
  return { certFile: cert, keyFile: key, cert: readFileSync(cert), key: readFileSync(key) };
}

/** A self-signed test CA in `dir`, files named after `name`. */
export function createTestCa(dir: string, name: string): TestCa {
  newKey(dir, `${name}-ca.key`);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}-ca.key`,
      '-out',
      `${name}-ca.pem`,
      '-days',
      DAYS,
      '-subj',
      `/CN=TEST ONLY ${name} CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const ca = read(dir, `${name}-ca.pem`, `${name}-ca.key`);
  return {
    ...ca,
    name,
    issue(leaf, usage) {
      const base = `${name}-${leaf}`;
      newKey(dir, `${base}.key`);
      openssl(['req', '-new', '-key', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=TEST ONLY ${leaf}`], dir);
      writeFileSync(
        join(dir, `${base}.ext`),
        [
          'basicConstraints=CA:FALSE',
          'keyUsage=critical,digitalSignature',
          `extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
          'subjectAltName=DNS:localhost,IP:127.0.0.1',
          '',
        ].join('\n'),
      );
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${base}.csr`,
          '-CA',
          `${name}-ca.pem`,
          '-CAkey',
          `${name}-ca.key`,
          '-CAcreateserial',
          '-out',
          `${base}.pem`,
          '-days',
          DAYS,
          '-extfile',
          `${base}.ext`,
        ],
        dir,
      );
      return read(dir, `${base}.pem`, `${base}.key`);
    },
  };
}
