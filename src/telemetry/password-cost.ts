import type { Attributes } from '@opentelemetry/api';
import type { ScryptCost } from '../config';

/**
 * The work factor written in a self-describing stored hash, as span attributes: why one login costs
 * 5 ms and another 500 ms. Reads only the parameters in the hash's header (never the salt or the
 * digest); a value that does not parse gives no attributes (the hasher reports malformed hashes).
 */
export function storedCostAttributes(hash: string): Attributes {
  const bcrypt = /^\$2[a-z]?\$(\d\d)\$/.exec(hash);
  if (bcrypt) return { 'password.bcrypt.cost': Number(bcrypt[1]) };
  const pbkdf2 = /^pbkdf2_(?:sha256|sha1)\$(\d{1,10})\$/.exec(hash);
  if (pbkdf2) return { 'password.pbkdf2.iterations': Number(pbkdf2[1]) };
  const argon2 = /^\$argon2(?:id|i)(?:\$v=\d{1,3})?\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,10})\$/.exec(hash);
  if (argon2) {
    return {
      'password.argon2.memory_kib': Number(argon2[1]),
      'password.argon2.iterations': Number(argon2[2]),
      'password.argon2.parallelism': Number(argon2[3]),
    };
  }
  const phpass = /^\$[PH]\$([./0-9A-Za-z])/.exec(hash);
  if (phpass?.[1]) return { 'password.phpass.log2_rounds': PHPASS_ITOA64.indexOf(phpass[1]) };
  if (hash.startsWith('c2NyeXB0')) {
    // scrypt-kdf: base64 of "scrypt", version 0, then logN (1 byte), r and p (4 bytes each).
    const header = Buffer.from(hash.slice(0, 24), 'base64');
    if (header.length >= 16 && header[6] === 0) {
      return scryptCostAttributes({ logN: header.readUInt8(7), r: header.readUInt32BE(8), p: header.readUInt32BE(12) });
    }
  }
  return {};
}

export function scryptCostAttributes(cost: ScryptCost): Attributes {
  return { 'password.scrypt.log_n': cost.logN, 'password.scrypt.r': cost.r, 'password.scrypt.p': cost.p };
}

const PHPASS_ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
