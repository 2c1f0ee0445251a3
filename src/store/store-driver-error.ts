/** The facts of a driver error that are safe to log and to put on a span. */
export interface DriverErrorFacts {
  /** The driver's error class (`RequestError`, `ConnectionError`, `Error`); only a plain word is kept. */
  readonly name?: string;
  /** SQL Server error number, or SQLite's extended result code. */
  readonly number?: number;
  /** SQL Server error state. */
  readonly state?: number;
  /** SQL Server error class (severity). */
  readonly severity?: number;
  /** The driver's code (`ESOCKET`, `ETIMEOUT`, `ERR_SQLITE_ERROR`); only a plain word is kept. */
  readonly code?: string;
  /** SQLite's fixed text for the result code (sqlite3_errstr: `database is locked`), never the message. */
  readonly codeText?: string;
  /** The repository method or command that failed (`markMigrated`). */
  readonly operation?: string;
}

const PLAIN_WORD = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** sqlite3_errstr texts are short lower-case phrases; anything else is dropped. */
const SQLITE_CODE_TEXT = /^[a-z][a-z ()/_-]{0,63}$/;

/**
 * What a store adapter keeps as an IdentityError's `cause` in place of the driver's error: its
 * number, state, class and code, never its message. Driver messages can quote the data of the
 * failed statement — SQL Server's 2628 ("String or binary data would be truncated in table …,
 * column …. Truncated value: '…'") prints part of the value, which may be an email or a password
 * hash — and the cause travels into log lines and span exception events. Example message:
 * `SQL Server error 2628 (state 30, class 16) during markMigrated`.
 */
export class StoreDriverError extends Error {
  readonly number: number | undefined;
  readonly state: number | undefined;
  readonly severity: number | undefined;
  readonly code: string | undefined;

  constructor(store: 'SQL Server' | 'SQLite', facts: DriverErrorFacts) {
    super(describeFacts(store, facts));
    this.name = facts.name !== undefined && PLAIN_WORD.test(facts.name) ? facts.name : 'Error';
    this.number = facts.number;
    this.state = facts.state;
    this.severity = facts.severity;
    this.code = facts.code !== undefined && PLAIN_WORD.test(facts.code) ? facts.code : undefined;
  }
}

function describeFacts(store: string, facts: DriverErrorFacts): string {
  const details: string[] = [];
  if (facts.state !== undefined) details.push(`state ${facts.state}`);
  if (facts.severity !== undefined) details.push(`class ${facts.severity}`);
  const code = facts.code !== undefined && PLAIN_WORD.test(facts.code) ? facts.code : undefined;
  if (facts.codeText !== undefined && SQLITE_CODE_TEXT.test(facts.codeText)) details.push(facts.codeText);
  let text: string;
  if (facts.number !== undefined) text = `${store} error ${facts.number}`;
  else if (code !== undefined) text = `${store} driver error ${code}`;
  else text = `${store} driver error`;
  if (details.length > 0) text += ` (${details.join(', ')})`;
  if (facts.operation !== undefined && PLAIN_WORD.test(facts.operation)) text += ` during ${facts.operation}`;
  return text;
}
