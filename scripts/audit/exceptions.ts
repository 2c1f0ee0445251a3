import { readFileSync } from 'node:fs';
import type { Finding } from './npm-audit-output';

/**
 * A reviewed high/critical advisory that does not apply to this project. It excuses one advisory on
 * one package until `expires`; after that day the advisory fails the audit again until someone reviews
 * it anew, so an exception cannot outlive the reasoning behind it unnoticed.
 */
export interface AuditException {
  /** `GHSA-xxxx-xxxx-xxxx`, or npm's numeric advisory id. */
  readonly id: string;
  /** The vulnerable package the advisory names. */
  readonly package: string;
  /** Why it does not apply here (the code path is not used, the input never reaches it …). */
  readonly reason: string;
  /** `YYYY-MM-DD` the reason was last checked. */
  readonly reviewed: string;
  /** `YYYY-MM-DD`, the last day the exception applies. */
  readonly expires: string;
}

/** The longest an exception may run between reviews. */
export const MAX_EXCEPTION_DAYS = 366;

export class ExceptionsFileError extends Error {
  override readonly name = 'ExceptionsFileError';
}

const FIELDS = ['id', 'package', 'reason', 'reviewed', 'expires'] as const;
const ID = /^(GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|[1-9][0-9]*)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

function isRealDate(text: string): boolean {
  return DATE.test(text) && new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text;
}

/** Parses and checks the exceptions file; any mistake names the entry and field and refuses the whole file. */
export function parseExceptions(text: string, file: string): AuditException[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ExceptionsFileError(`${file}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !Array.isArray((parsed as { exceptions?: unknown }).exceptions)
  ) {
    throw new ExceptionsFileError(`${file}: expected an object with an "exceptions" list`);
  }
  for (const key of Object.keys(parsed)) {
    if (key !== 'exceptions' && key !== '$comment')
      throw new ExceptionsFileError(`${file}: unknown top-level field "${key}"`);
  }
  const list = (parsed as { exceptions: unknown[] }).exceptions;
  const seen = new Set<string>();
  return list.map((raw, index) => {
    const where = `${file}: exceptions[${index}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new ExceptionsFileError(`${where} is not an object`);
    const entry = raw as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (!(FIELDS as readonly string[]).includes(key)) {
        throw new ExceptionsFileError(`${where}: unknown field "${key}" (fields: ${FIELDS.join(', ')})`);
      }
    }
    for (const field of FIELDS) {
      const value = entry[field];
      if (typeof value !== 'string' || value.trim() === '') {
        throw new ExceptionsFileError(`${where}: "${field}" must be a non-empty string`);
      }
    }
    const exception = entry as unknown as AuditException;
    if (!ID.test(exception.id)) {
      throw new ExceptionsFileError(`${where}: "id" must be a GHSA id (GHSA-xxxx-xxxx-xxxx) or an npm advisory number`);
    }
    for (const field of ['reviewed', 'expires'] as const) {
      if (!isRealDate(exception[field]))
        throw new ExceptionsFileError(`${where}: "${field}" must be a date YYYY-MM-DD`);
    }
    const days = (Date.parse(exception.expires) - Date.parse(exception.reviewed)) / DAY_MS;
    if (days <= 0) throw new ExceptionsFileError(`${where}: "expires" must be after "reviewed"`);
    if (days > MAX_EXCEPTION_DAYS) {
      throw new ExceptionsFileError(`${where}: "expires" is more than ${MAX_EXCEPTION_DAYS} days after "reviewed"`);
    }
    const key = `${normaliseId(exception.id)} ${exception.package}`;
    if (seen.has(key))
      throw new ExceptionsFileError(`${where}: ${exception.id} on ${exception.package} is listed twice`);
    seen.add(key);
    return exception;
  });
}

export function loadExceptions(file: string): AuditException[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ExceptionsFileError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseExceptions(text, file);
}

function normaliseId(id: string): string {
  return /^GHSA-/i.test(id) ? `GHSA${id.slice(4).toLowerCase()}` : `npm:${id}`;
}

/** Whether `exception` is about `finding` (same advisory, same package), whatever its dates. */
export function exceptionMatches(exception: AuditException, finding: Finding): boolean {
  if (exception.package !== finding.package) return false;
  const id = normaliseId(exception.id);
  return id === finding.id || id === `npm:${finding.source}`;
}

/** Whether the exception still applies on `today` (`YYYY-MM-DD`, UTC): through the whole of its expiry day. */
export function exceptionInForce(exception: AuditException, today: string): boolean {
  return today <= exception.expires;
}
