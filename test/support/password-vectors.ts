import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredPassword } from '../../src/domain/user';

/** One `vectors` entry of test/fixtures/password-vectors.json (see make-password-vectors.py). */
export interface PasswordVector {
  readonly name: string;
  readonly format: string;
  readonly password: string;
  readonly hash: string;
  readonly salt?: string;
  readonly salt_position?: string;
  readonly encoding?: string;
  readonly tool: string;
  /** True when the format is recognised from the hash's shape alone. */
  readonly detect: boolean;
  readonly also_match?: readonly string[];
}

/** One `login_examples` entry: a stored password as a legacy row holds it, with a right and a wrong password. */
export interface LoginExample {
  readonly format: string;
  readonly password: string;
  readonly wrong_password: string;
  readonly stored: StoredPassword;
  readonly vector: string;
}

export interface PasswordVectorFile {
  readonly vectors: readonly PasswordVector[];
  readonly login_examples: readonly LoginExample[];
}

/** test/fixtures/password-vectors.json, the vectors made by independent tools. */
export function loadPasswordVectors(): PasswordVectorFile {
  const path = join(__dirname, '../fixtures/password-vectors.json');
  return JSON.parse(readFileSync(path, 'utf8')) as PasswordVectorFile;
}
