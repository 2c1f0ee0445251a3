import type { ScryptCost } from '../../../src/config';
import type { DomainLogger } from '../../../src/domain/deps';
import type { StoredPassword } from '../../../src/domain/user';
import { formatSpec } from '../../../src/passwords/format-spec';
import { KdfLimiter } from '../../../src/passwords/kdf-limiter';
import { LEGACY_FORMATS } from '../../../src/passwords/legacy-formats';
import { createPasswordHasher } from '../../../src/passwords/password-hasher';
import type { PasswordVector } from '../../support/password-vectors';

/** The low scrypt cost every test uses (the machine is shared). */
export const TEST_COST: ScryptCost = { logN: 10, r: 8, p: 1 };

export interface LogLine {
  readonly level: 'warn' | 'info';
  readonly obj: object;
  readonly msg: string;
}

/** The `problem` a warning names, or '' when the line has none. */
export function problemOf(line: LogLine | undefined): string {
  const problem = (line?.obj as { problem?: unknown } | undefined)?.problem;
  return typeof problem === 'string' ? problem : '';
}

export function recordingLogger(): DomainLogger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
  };
}

/** A hasher with every legacy format, a recording logger, and a count of KDF slots entered. */
export function testHasher(
  options: {
    concurrency?: number;
    queueLimit?: number;
    cost?: ScryptCost;
    equalizeTiming?: boolean;
    maxMemoryBytes?: number;
  } = {},
) {
  let kdfStarts = 0;
  const kdf = new KdfLimiter({
    concurrency: options.concurrency ?? 2,
    queueLimit: options.queueLimit ?? 1000,
    observer: { started: () => kdfStarts++ },
  });
  const logger = recordingLogger();
  const hasher = createPasswordHasher({
    cost: options.cost ?? TEST_COST,
    kdf,
    ...(options.maxMemoryBytes === undefined ? {} : { maxMemoryBytes: options.maxMemoryBytes }),
    logger,
    legacyFormats: LEGACY_FORMATS,
    // These tests count one format's own KDF work; timing equalisation has its own tests.
    equalizeTiming: options.equalizeTiming ?? false,
  });
  return { hasher, kdf, logger, kdfStarts: () => kdfStarts };
}

/** The StoredPassword a schema profile would hand the hasher for this vector. */
export function storedFrom(vector: PasswordVector, options: { withFormat: boolean }): StoredPassword {
  const format = formatSpec(vector.format, { salt_position: vector.salt_position, encoding: vector.encoding });
  return {
    hash: vector.hash,
    ...(vector.salt === undefined ? {} : { salt: vector.salt }),
    ...(options.withFormat ? { format } : {}),
  };
}
