import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { experimental } from '@grpc/grpc-js';
import type { Logger } from '../logger';

type CertificateProvider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/**
 * How often certificate files are re-read. A renewed certificate (cert-manager, certbot, a
 * secrets-store CSI driver) is served to new connections within this long, without a restart.
 */
export const TLS_RELOAD_INTERVAL_MS = 30_000;

/** PEM files of one side of a TLS connection, each with the config key that names it (for messages). */
export interface TlsFiles {
  /** Own certificate chain and private key: both or neither. */
  readonly cert?: { readonly file: string; readonly key: string } | undefined;
  readonly key?: { readonly file: string; readonly key: string } | undefined;
  /** CA bundle the peer's certificate must chain to. */
  readonly ca?: { readonly file: string; readonly key: string } | undefined;
}

interface Material {
  readonly cert: Buffer | null;
  readonly key: Buffer | null;
  readonly ca: Buffer | null;
}

/**
 * A grpc-js CertificateProvider over PEM files that reloads them while the process runs.
 *
 * Unlike grpc-js's FileWatcherCertificateProvider, a reload that fails — a file half-written during
 * rotation, a key that does not match its certificate, a missing file — keeps the last good
 * material and logs a warning, instead of handing grpc-js `null` (which makes a server drop every new
 * connection until the files are fixed). The first read is synchronous and throws an Error naming
 * the config key, so a bad path stops start-up.
 *
 * `defaultCa` is used when no CA file is given (a client: Node's bundled roots).
 */
export class ReloadingTlsFiles implements CertificateProvider {
  readonly #files: TlsFiles;
  readonly #logger: Logger;
  readonly #label: string;
  readonly #intervalMs: number;
  readonly #defaultCa: Buffer | null;
  readonly #caListeners = new Set<CaListener>();
  readonly #identityListeners = new Set<IdentityListener>();
  #material: Material;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: {
    readonly files: TlsFiles;
    /** What these files secure, for log lines (`grpc server`, `bridge upstream`). */
    readonly label: string;
    readonly logger: Logger;
    readonly reloadIntervalMs?: number;
    readonly defaultCa?: Buffer | null;
  }) {
    this.#files = options.files;
    this.#label = options.label;
    this.#logger = options.logger;
    this.#intervalMs = options.reloadIntervalMs ?? TLS_RELOAD_INTERVAL_MS;
    this.#defaultCa = options.defaultCa ?? null;
    if ((this.#files.cert === undefined) !== (this.#files.key === undefined)) {
      throw new Error(`${(this.#files.cert ?? this.#files.key)?.key}: a certificate needs both its file and its key`);
    }
    this.#material = this.#read();
    validateTlsMaterial(this.#material, this.#names());
  }

  /** `GRPC_TLS_KEY (/etc/tls/key.pem)`: what a message about each file names. */
  #names(): TlsNames {
    const name = (f: { file: string; key: string } | undefined) => (f ? `${f.key} (${f.file})` : undefined);
    return { cert: name(this.#files.cert), key: name(this.#files.key), ca: name(this.#files.ca) };
  }

  /** Whether this side presents a certificate of its own. */
  get hasIdentity(): boolean {
    return this.#material.cert !== null;
  }

  /** Whether a CA bundle (file or default) is there to verify the peer. */
  get hasCa(): boolean {
    return this.#material.ca !== null || this.#defaultCa !== null;
  }

  /**
   * Re-reads the files now. Returns true when they changed and were applied; a failure keeps the
   * current material, logs a warning (never a file's content) and returns false.
   */
  reload(): boolean {
    let next: Material;
    try {
      next = this.#read();
      if (sameMaterial(next, this.#material)) return false;
      validateTlsMaterial(next, this.#names());
    } catch (error) {
      this.#logger.warn(
        {
          event: 'tls_reload_failed',
          tls: this.#label,
          reason: error instanceof Error ? error.message : String(error),
        },
        'certificate files not reloaded; keeping the current ones',
      );
      return false;
    }
    this.#material = next;
    this.#logger.info(
      { event: 'tls_reloaded', tls: this.#label, ...describe(next.cert) },
      'certificate files reloaded',
    );
    for (const listener of this.#identityListeners) listener(this.#identityUpdate());
    for (const listener of this.#caListeners) listener(this.#caUpdate());
    return true;
  }

  addCaCertificateListener(listener: CaListener): void {
    this.#caListeners.add(listener);
    this.#watch();
    process.nextTick(listener, this.#caUpdate());
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.#caListeners.delete(listener);
    this.#unwatch();
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.add(listener);
    this.#watch();
    process.nextTick(listener, this.#identityUpdate());
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.delete(listener);
    this.#unwatch();
  }

  /** Stops re-reading (grpc-js also stops it when the last server or channel using it closes). */
  close(): void {
    this.#caListeners.clear();
    this.#identityListeners.clear();
    this.#unwatch();
  }

  #caUpdate(): experimental.CaCertificateUpdate | null {
    const ca = this.#material.ca ?? this.#defaultCa;
    return ca ? { caCertificate: ca } : null;
  }

  #identityUpdate(): experimental.IdentityCertificateUpdate | null {
    const { cert, key } = this.#material;
    return cert && key ? { certificate: cert, privateKey: key } : null;
  }

  #watch(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.reload(), this.#intervalMs);
    this.#timer.unref();
  }

  #unwatch(): void {
    if (this.#caListeners.size > 0 || this.#identityListeners.size > 0 || !this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #read(): Material {
    return {
      cert: readPem(this.#files.cert),
      key: readPem(this.#files.key),
      ca: readPem(this.#files.ca),
    };
  }
}

function readPem(file: { readonly file: string; readonly key: string } | undefined): Buffer | null {
  if (file === undefined) return null;
  try {
    return readFileSync(file.file);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new Error(`${file.key}: cannot read ${file.file} (${reason})`);
  }
}

/** Config keys (and files) of each PEM, for messages. */
export interface TlsNames {
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly ca?: string | undefined;
}

/**
 * Throws when a PEM does not parse or the key does not match the certificate, naming the config key
 * (and file) at fault; never a file's content, and only OpenSSL's error code, not its text.
 */
export function validateTlsMaterial(material: Material, names: TlsNames): void {
  const rejected = (what: string, error: unknown): Error => {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'invalid';
    return new Error(`${what} (${code})`);
  };
  const cert = names.cert ?? 'the certificate';
  const key = names.key ?? 'the private key';
  if (material.cert) {
    try {
      new X509Certificate(material.cert);
    } catch (error) {
      throw rejected(`${cert}: not a PEM certificate`, error);
    }
  }
  if (material.key) {
    try {
      createPrivateKey(material.key);
    } catch (error) {
      throw rejected(`${key}: not a PEM private key (an encrypted key is not supported)`, error);
    }
  }
  if (material.ca) {
    try {
      // Node accepts a CA "bundle" with no certificate in it (and then trusts nobody): refuse that too.
      if (!material.ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no certificate');
      new X509Certificate(material.ca);
      createSecureContext({ ca: material.ca });
    } catch (error) {
      throw rejected(`${names.ca ?? 'the CA bundle'}: not a PEM CA bundle`, error);
    }
  }
  try {
    createSecureContext({
      ...(material.cert ? { cert: material.cert } : {}),
      ...(material.key ? { key: material.key } : {}),
      ...(material.ca ? { ca: material.ca } : {}),
    });
  } catch (error) {
    throw rejected(`${key} does not belong to ${cert}`, error);
  }
}

function sameMaterial(a: Material, b: Material): boolean {
  const same = (x: Buffer | null, y: Buffer | null) => (x === null ? y === null : y !== null && x.equals(y));
  return same(a.cert, b.cert) && same(a.key, b.key) && same(a.ca, b.ca);
}

/** Public facts of the leaf certificate, for the reload log line. */
function describe(cert: Buffer | null): Record<string, string> {
  if (!cert) return {};
  try {
    const x509 = new X509Certificate(cert);
    return {
      subject: x509.subject.replaceAll('\n', ', '),
      valid_to: x509.validTo,
      fingerprint256: x509.fingerprint256,
    };
  } catch {
    return {};
  }
}

/** Node's bundled root CAs, for a client given no CA file. */
export function bundledRoots(): Buffer {
  return Buffer.from(rootCertificates.join('\n'));
}
