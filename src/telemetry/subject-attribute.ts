import { createHmac, randomBytes } from 'node:crypto';

/** How a request's user is named in spans and logs: the address itself, or a keyed hash of it. */
export interface SubjectField {
  /**
   * `email_hash` / `username_hash` (a login without `@` is a username), or `email` / `username` only
   * with OTEL_RECORD_EMAIL=true. Spans carry it as `identity.<key>`, log lines as `<key>`.
   */
  readonly key: 'email' | 'email_hash' | 'username' | 'username_hash';
  readonly value: string;
}

export type DescribeSubject = (login: string) => SubjectField;

/** Hex characters kept of the HMAC: 128 bits, plenty to follow one user without collisions. */
const HASH_HEX_CHARS = 32;

/**
 * Names the login (an email, or a username) of a request without storing it: HMAC-SHA256 under `key`
 * of the trimmed, lower-cased value (emails compare case-insensitively), so one user's requests can
 * be followed across spans and log lines while the address itself never leaves the process. Without a
 * configured key a random one is drawn per process: hashes then match within one process only.
 * With `recordEmail` the value is recorded as it is (a deliberate choice: it is personal data).
 */
export function createSubjectDescriber(options: { recordEmail: boolean; key: string | null }): DescribeSubject {
  const kind = (login: string) => (login.includes('@') ? 'email' : 'username');
  if (options.recordEmail) return (login) => ({ key: kind(login), value: login.trim() });
  const key = options.key === null ? randomBytes(32) : Buffer.from(options.key, 'utf8');
  return (login) => ({
    key: `${kind(login)}_hash`,
    value: createHmac('sha256', key).update(login.trim().toLowerCase(), 'utf8').digest('hex').slice(0, HASH_HEX_CHARS),
  });
}
