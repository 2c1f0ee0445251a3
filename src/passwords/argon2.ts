import { argon2d, hash as argon2Hash, argon2i, argon2id } from 'argon2';
import type { StoredPassword } from '../domain/user';
import { decodeBase64Unpadded } from './encodings';
import { equalBytes } from './equal-bytes';
import { argon2MemoryBytes, assertWithinMemory } from './kdf-memory';
import { type KdfAccess, MalformedHashError, type PasswordFormat } from './password-format';

/**
 * Bounds on stored argon2 time and lanes. Memory (`m`) is bounded by KDF_MAX_MEMORY instead: deployed
 * values are OWASP m=19 MiB t=2 p=1, libsodium/PHP m=64–256 MiB t=2–4, RFC 9106's first choice m=2 GiB
 * t=1 p=4 (refused at the default ceiling: the KDF queue runs several hashes at once on a 2-core
 * machine, so one attempt may not take gigabytes unless the operator budgets for it).
 */
export const ARGON2_MAX = { timeCost: 16, parallelism: 16 } as const;
/** argon2's own minimums are salt 8 bytes, tag 4 bytes; a tag under 16 bytes is too weak to trust. */
const MIN_SALT_BYTES = 8;
const MIN_HASH_BYTES = 16;
const MAX_SALT_OR_HASH_BYTES = 1024;
/** 0x10 (1.0, written without `v=` or as v=16) and 0x13 (1.3, v=19). */
const VERSIONS = [0x10, 0x13];

/**
 * `$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>`, salt and hash in unpadded base64. The three
 * parameters may come in any order: the reference implementation writes `m,t,p`, the `argon2` npm
 * package (through @phc/format) writes `m,p,t`.
 */
const PHC =
  /^\$(argon2id|argon2i|argon2d)(?:\$v=(\d{1,3}))?\$([mtp]=\d{1,10},[mtp]=\d{1,10},[mtp]=\d{1,10})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** The `m`, `t` and `p` of a PHC parameter list, each exactly once, or null. */
function readParams(list: string): { m: number; t: number; p: number } | null {
  const params = new Map(list.split(',').map((pair) => [pair[0], Number(pair.slice(2))] as const));
  const m = params.get('m');
  const t = params.get('t');
  const p = params.get('p');
  return params.size === 3 && m !== undefined && t !== undefined && p !== undefined ? { m, t, p } : null;
}

/** The three argon2 variants, as their PHC identifiers name them. */
export type Argon2Kind = 'argon2id' | 'argon2i' | 'argon2d';
const ARGON2_TYPES = { argon2id, argon2i, argon2d } as const satisfies Record<Argon2Kind, number>;

/** An argon2 PHC string taken apart (no bounds checked), or null when it is not one. */
export interface Argon2Phc {
  readonly kind: Argon2Kind;
  /** The `v=` value as written; undefined when the string has none (version 1.0). */
  readonly version: number | undefined;
  readonly m: number;
  readonly t: number;
  readonly p: number;
  /** Unpadded base64, as stored. */
  readonly salt: string;
  readonly hash: string;
}

export function parseArgon2Phc(value: string): Argon2Phc | null {
  const match = PHC.exec(value);
  const params = match?.[3] ? readParams(match[3]) : null;
  if (!match || !params || !match[4] || !match[5]) return null;
  return {
    kind: match[1] as Argon2Kind,
    version: match[2] === undefined ? undefined : Number(match[2]),
    ...params,
    salt: match[4],
    hash: match[5],
  };
}

function argon2Format(kind: Argon2Kind): PasswordFormat {
  const prefix = `$${kind}$`;
  return {
    name: kind,
    detect: (stored: StoredPassword) => stored.hash.startsWith(prefix),
    async verify(password: string, stored: StoredPassword, kdf: KdfAccess): Promise<boolean> {
      const phc = parseArgon2Phc(stored.hash);
      if (!phc || phc.kind !== kind) {
        throw new MalformedHashError(kind, `not a PHC string ${prefix}v=…$m=…,t=…,p=…$<salt>$<hash>`);
      }
      const version = phc.version ?? 0x10;
      if (!VERSIONS.includes(version)) throw new MalformedHashError(kind, 'unknown version (expected 16 or 19)');
      const { m: memoryKiB, t: timeCost, p: parallelism } = phc;
      if (parallelism < 1 || timeCost < 1 || memoryKiB < 8 * parallelism) {
        throw new MalformedHashError(kind, 'cost parameters below argon2 minimums');
      }
      if (timeCost > ARGON2_MAX.timeCost || parallelism > ARGON2_MAX.parallelism) {
        throw new MalformedHashError(kind, `cost t=${timeCost} p=${parallelism} is beyond the allowed bounds`);
      }
      assertWithinMemory(kind, argon2MemoryBytes(memoryKiB), kdf.maxMemoryBytes);
      const salt = decodeBase64Unpadded(phc.salt);
      const expected = decodeBase64Unpadded(phc.hash);
      if (!salt || salt.length < MIN_SALT_BYTES || salt.length > MAX_SALT_OR_HASH_BYTES) {
        throw new MalformedHashError(kind, 'salt is not 8 to 1024 bytes of base64');
      }
      if (!expected || expected.length < MIN_HASH_BYTES || expected.length > MAX_SALT_OR_HASH_BYTES) {
        throw new MalformedHashError(kind, 'hash is not 16 to 1024 bytes of base64');
      }
      // The native binding runs argon2 on the libuv threadpool; the tag is compared here, not in it.
      const computed = await kdf.run(() =>
        argon2Hash(Buffer.from(password, 'utf8'), {
          raw: true,
          type: ARGON2_TYPES[kind],
          version,
          memoryCost: memoryKiB,
          timeCost,
          parallelism,
          salt,
          hashLength: expected.length,
        }),
      );
      return equalBytes(expected, computed);
    },
  };
}

export const argon2idFormat = argon2Format('argon2id');
export const argon2iFormat = argon2Format('argon2i');
/** argon2d: data-dependent memory access, so it leaks timing through the cache; some libraries still wrote it. */
export const argon2dFormat = argon2Format('argon2d');
