/**
 * The TDS test server's T-SQL → SQLite rewrite. It is deliberately small and explicit: it knows the
 * forms the mssql adapter and the profiles' SQL Server DDL use, and passes everything else through
 * to SQLite unchanged, so T-SQL it does not know fails loudly (as a syntax error) instead of being
 * guessed at. The rules, in the order they apply to each statement:
 *
 * 1. `[name]` → `"name"`; a `[dbo].` schema prefix is dropped (SQLite has no schemas; any other
 *    schema is refused).
 * 2. `N'text'` → `'text'`.
 * 3. `SELECT TOP (n) …` → `SELECT … LIMIT n` (top-level SELECT only).
 * 4. `OUTPUT INSERTED.a AS x, …` (or `DELETED.` in a DELETE) → `RETURNING a AS x, …` at the end.
 * 5. Table hints `WITH (UPDLOCK, HOLDLOCK, …)` are dropped: SQLite serialises writers anyway.
 * 6. `COLLATE *_BIN*` / `*_CS_*` → `COLLATE BINARY`; `COLLATE *_CI_*` → `COLLATE NOCASE` (ASCII
 *    letters only, unlike SQL Server's Unicode-aware collations).
 * 7. Types: `(MAX)` → `(-1)` (the length sys.columns reports for MAX; the server reads it back to
 *    type result columns); other type names are kept as SQLite declared types.
 * 8. Functions: `SYSUTCDATETIME()` / `GETUTCDATE()` → ISO-8601 UTC text; `NEWID()` → a UUID (a
 *    function the engine registers); both parenthesised, as a SQLite DEFAULT needs; `ISNULL(` →
 *    `IFNULL(`; `LEN(` → `LENGTH(`.
 * 9. `SET <session option> …` statements are accepted and ignored.
 * 10. `IF OBJECT_ID(N'name', N'U') IS NULL BEGIN … END` runs its block when the table is missing.
 * 11. `OBJECT_ID(N'name', N'U')` in an expression → a lookup in sqlite_master (NULL when missing).
 * 12. DDL: `CLUSTERED` / `NONCLUSTERED` are dropped (SQLite has one index kind); a column's
 *     `FOREIGN KEY REFERENCES t (c)` → `REFERENCES t (c)`.
 */

type TokenKind = 'ws' | 'comment' | 'word' | 'qident' | 'string' | 'number' | 'param' | 'punct';

interface Token {
  readonly kind: TokenKind;
  /** Source text, or for qident/string the unquoted value. */
  readonly text: string;
  /** Unicode string literal (N'…'). */
  readonly national?: boolean;
}

/** One statement ready for SQLite, or a control-flow node, or a no-op (session options). */
export type RewrittenStatement =
  | { readonly kind: 'sql'; readonly sql: string; readonly verb: string }
  | { readonly kind: 'noop'; readonly verb: string }
  | { readonly kind: 'if-table-missing'; readonly table: string; readonly body: readonly RewrittenStatement[] };

/** A T-SQL feature this rewrite does not support; the server answers it with error 102. */
export class UnsupportedTsql extends Error {
  override readonly name = 'UnsupportedTsql';
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const take = (kind: TokenKind, end: number, text = sql.slice(i, end)) => {
    tokens.push({ kind, text });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i] ?? '';
    const rest = sql.slice(i);
    if (/\s/.test(c)) {
      take('ws', i + (/^\s+/.exec(rest)?.[0].length ?? 1));
    } else if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      take('comment', end === -1 ? sql.length : end);
    } else if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new UnsupportedTsql('unterminated comment');
      take('comment', end + 2);
    } else if (c === '[') {
      const end = sql.indexOf(']', i);
      if (end === -1) throw new UnsupportedTsql('unterminated [identifier]');
      take('qident', end + 1, sql.slice(i + 1, end));
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end === -1) throw new UnsupportedTsql('unterminated "identifier"');
      take('qident', end + 1, sql.slice(i + 1, end));
    } else if (c === "'" || ((c === 'N' || c === 'n') && sql[i + 1] === "'")) {
      const national = c !== "'";
      let j = i + (national ? 2 : 1);
      let value = '';
      for (;;) {
        if (j >= sql.length) throw new UnsupportedTsql('unterminated string literal');
        if (sql[j] === "'") {
          if (sql[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += sql[j];
        j += 1;
      }
      tokens.push({ kind: 'string', text: value, national });
      i = j + 1;
    } else if (c === '@') {
      take('param', i + (/^@@?[A-Za-z_0-9]+/.exec(rest)?.[0].length ?? 1));
    } else if (/[0-9]/.test(c)) {
      take('number', i + (/^[0-9]+(\.[0-9]+)?/.exec(rest)?.[0].length ?? 1));
    } else if (/[A-Za-z_#]/.test(c)) {
      take('word', i + (/^[A-Za-z_#][A-Za-z0-9_$#]*/.exec(rest)?.[0].length ?? 1));
    } else {
      const two = rest.slice(0, 2);
      take('punct', i + (['<=', '>=', '<>', '!='].includes(two) ? 2 : 1));
    }
  }
  return tokens;
}

const isWord = (t: Token | undefined, ...words: string[]) =>
  t?.kind === 'word' && words.some((w) => w.toUpperCase() === t.text.toUpperCase());
const isPunct = (t: Token | undefined, p: string) => t?.kind === 'punct' && t.text === p;
const significant = (t: Token) => t.kind !== 'ws' && t.kind !== 'comment';

/** Splits a batch into statements and rewrites each one. Throws UnsupportedTsql. */
export function rewriteBatch(sql: string): RewrittenStatement[] {
  const tokens = tokenize(sql);
  const parser = new StatementParser(tokens);
  const statements = parser.statements(false);
  return statements;
}

class StatementParser {
  #pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  #peek(skip = 0): Token | undefined {
    let n = skip;
    for (let p = this.#pos; p < this.tokens.length; p++) {
      const t = this.tokens[p];
      if (t && significant(t)) {
        if (n === 0) return t;
        n -= 1;
      }
    }
    return undefined;
  }

  #next(): Token | undefined {
    while (this.#pos < this.tokens.length) {
      const t = this.tokens[this.#pos++];
      if (t && significant(t)) return t;
    }
    return undefined;
  }

  #expect(check: (t: Token | undefined) => boolean, what: string): Token {
    const t = this.#next();
    if (!t || !check(t)) throw new UnsupportedTsql(`expected ${what} near '${t?.text ?? 'end of batch'}'`);
    return t;
  }

  statements(inBlock: boolean): RewrittenStatement[] {
    const out: RewrittenStatement[] = [];
    for (;;) {
      const first = this.#peek();
      if (!first) {
        if (inBlock) throw new UnsupportedTsql('BEGIN without END');
        return out;
      }
      if (isPunct(first, ';')) {
        this.#next();
        continue;
      }
      if (inBlock && isWord(first, 'END')) {
        this.#next();
        return out;
      }
      if (isWord(first, 'IF')) {
        out.push(this.#ifTableMissing());
        continue;
      }
      out.push(rewriteStatement(this.#statementTokens(inBlock)));
    }
  }

  /** `IF OBJECT_ID(N'…', N'U') IS NULL BEGIN … END` */
  #ifTableMissing(): RewrittenStatement {
    this.#next();
    this.#expect((t) => isWord(t, 'OBJECT_ID'), 'OBJECT_ID (the only IF form supported)');
    this.#expect((t) => isPunct(t, '('), '(');
    const name = this.#expect((t) => t?.kind === 'string', 'an object name').text;
    if (isPunct(this.#peek(), ',')) {
      this.#next();
      const type = this.#expect((t) => t?.kind === 'string', 'an object type').text;
      if (type.toUpperCase() !== 'U') throw new UnsupportedTsql(`OBJECT_ID type ${type} is not supported`);
    }
    this.#expect((t) => isPunct(t, ')'), ')');
    this.#expect((t) => isWord(t, 'IS'), 'IS');
    this.#expect((t) => isWord(t, 'NULL'), 'NULL');
    this.#expect((t) => isWord(t, 'BEGIN'), 'BEGIN');
    const body = this.statements(true);
    return { kind: 'if-table-missing', table: tableName(name), body };
  }

  /** Tokens up to `;`, or to the END closing the enclosing block; CASE … END stays inside. */
  #statementTokens(inBlock: boolean): Token[] {
    const taken: Token[] = [];
    let depth = 0;
    let cases = 0;
    while (this.#pos < this.tokens.length) {
      const t = this.tokens[this.#pos];
      if (!t) break;
      if (depth === 0 && isPunct(t, ';')) break;
      if (inBlock && depth === 0 && cases === 0 && isWord(t, 'END')) break;
      if (isPunct(t, '(')) depth += 1;
      if (isPunct(t, ')')) depth -= 1;
      if (isWord(t, 'CASE')) cases += 1;
      if (isWord(t, 'END') && cases > 0) cases -= 1;
      taken.push(t);
      this.#pos += 1;
    }
    return taken;
  }
}

/** `[dbo].[Users]`, `dbo.Users` or `Users` → `Users`. */
function tableName(name: string): string {
  const parts = name.split('.').map((p) => p.replace(/^\[|\]$/g, ''));
  const table = parts.pop() ?? '';
  const schema = parts.pop();
  if (schema !== undefined && schema.toLowerCase() !== 'dbo') {
    throw new UnsupportedTsql(`schema ${schema} is not supported (only dbo)`);
  }
  return table;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;
const UTC_NOW = `(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

function rewriteStatement(tokens: readonly Token[]): RewrittenStatement {
  const sig = tokens.filter(significant);
  const verb = (sig[0]?.text ?? '').toUpperCase();
  if (verb === 'SET' && !sig.some((t) => isPunct(t, '='))) return { kind: 'noop', verb };

  const out: string[] = [];
  let limit: string | null = null;
  let returning: string | null = null;
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!t) continue;
    const nextSig = (from: number, n = 0): { token: Token | undefined; index: number } => {
      let seen = 0;
      for (let j = from; j < tokens.length; j++) {
        const candidate = tokens[j];
        if (candidate && significant(candidate)) {
          if (seen === n) return { token: candidate, index: j };
          seen += 1;
        }
      }
      return { token: undefined, index: tokens.length };
    };
    if (isPunct(t, '(')) depth += 1;
    if (isPunct(t, ')')) depth -= 1;

    // Rule 1: schema prefix.
    if ((t.kind === 'qident' || t.kind === 'word') && isPunct(nextSig(i + 1).token, '.')) {
      const after = nextSig(i + 1, 1).token;
      if (after && (after.kind === 'qident' || after.kind === 'word') && t.text.toLowerCase() === 'dbo') {
        i = nextSig(i + 1).index; // skip `dbo` and `.`
        continue;
      }
    }
    if (t.kind === 'qident') {
      out.push(quote(t.text));
      continue;
    }
    if (t.kind === 'string') {
      out.push(sqlString(t.text));
      continue;
    }
    if (t.kind === 'word') {
      const word = t.text.toUpperCase();
      // Rule 3: TOP (n)
      if (word === 'TOP') {
        if (depth !== 0) throw new UnsupportedTsql('TOP is supported in the outer SELECT only');
        const a = nextSig(i + 1);
        if (isPunct(a.token, '(')) {
          const n = nextSig(i + 1, 1);
          const close = nextSig(i + 1, 2);
          if (n.token?.kind !== 'number' || !isPunct(close.token, ')')) throw new UnsupportedTsql('TOP needs a number');
          limit = n.token.text;
          i = close.index;
        } else if (a.token?.kind === 'number') {
          limit = a.token.text;
          i = a.index;
        } else {
          throw new UnsupportedTsql('TOP needs a number');
        }
        continue;
      }
      // Rule 4: OUTPUT clause, moved to the end as RETURNING.
      if (word === 'OUTPUT' && depth === 0) {
        const parts: string[] = [];
        let j = i + 1;
        for (; j < tokens.length; j++) {
          const u = tokens[j];
          if (!u) break;
          if (isWord(u, 'VALUES', 'SELECT', 'WHERE', 'FROM', 'DEFAULT')) break;
          if (isWord(u, 'INSERTED', 'DELETED') && isPunct(tokens[j + 1], '.')) {
            if (isWord(u, 'DELETED') && verb !== 'DELETE') {
              throw new UnsupportedTsql('OUTPUT DELETED is supported in DELETE only');
            }
            j += 1;
            continue;
          }
          parts.push(u.kind === 'qident' ? quote(u.text) : u.text);
        }
        returning = parts.join('').trim();
        i = j - 1;
        continue;
      }
      // Rule 5: table hints.
      if (word === 'WITH' && isPunct(nextSig(i + 1).token, '(')) {
        const hint = nextSig(i + 1, 1).token;
        if (isWord(hint, 'UPDLOCK', 'HOLDLOCK', 'ROWLOCK', 'NOLOCK', 'READPAST', 'SERIALIZABLE', 'XLOCK')) {
          let j = nextSig(i + 1).index + 1;
          while (j < tokens.length && !isPunct(tokens[j], ')')) j++;
          i = j;
          continue;
        }
      }
      // Rule 6: collations.
      if (word === 'COLLATE') {
        const name = nextSig(i + 1);
        const collation = (name.token?.text ?? '').toUpperCase();
        const sqlite = /_BIN2?$|_BIN2?_|_CS_/.test(collation) ? 'BINARY' : /_CI_/.test(collation) ? 'NOCASE' : null;
        if (!sqlite) throw new UnsupportedTsql(`collation ${name.token?.text ?? ''} is not supported`);
        out.push(`COLLATE ${sqlite}`);
        i = name.index;
        continue;
      }
      // Rule 7: (MAX)
      if (word === 'MAX' && isPunct(tokens[i - 1], '(') && isPunct(tokens[i + 1], ')')) {
        out.push('-1');
        continue;
      }
      // Rule 8: functions.
      if ((word === 'SYSUTCDATETIME' || word === 'GETUTCDATE') && isPunct(nextSig(i + 1).token, '(')) {
        const close = nextSig(i + 1, 1);
        if (!isPunct(close.token, ')')) throw new UnsupportedTsql(`${word} takes no arguments`);
        out.push(UTC_NOW);
        i = close.index;
        continue;
      }
      if (word === 'NEWID' && isPunct(nextSig(i + 1).token, '(')) {
        const close = nextSig(i + 1, 1);
        if (!isPunct(close.token, ')')) throw new UnsupportedTsql('NEWID takes no arguments');
        out.push('(NEWID())');
        i = close.index;
        continue;
      }
      // Rule 12: index kinds and column-level foreign keys.
      if (word === 'CLUSTERED' || word === 'NONCLUSTERED') continue;
      if (word === 'FOREIGN' && isWord(nextSig(i + 1).token, 'KEY') && isWord(nextSig(i + 1, 1).token, 'REFERENCES')) {
        i = nextSig(i + 1).index;
        continue;
      }
      if (word === 'OBJECT_ID' && isPunct(nextSig(i + 1).token, '(')) {
        const name = nextSig(i + 1, 1);
        const comma = nextSig(i + 1, 2);
        const type = nextSig(i + 1, 3);
        const close = nextSig(i + 1, 4);
        if (name.token?.kind !== 'string' || !isPunct(comma.token, ',') || type.token?.kind !== 'string') {
          throw new UnsupportedTsql("OBJECT_ID needs (N'name', N'U')");
        }
        if (type.token.text.toUpperCase() !== 'U' || !isPunct(close.token, ')')) {
          throw new UnsupportedTsql('OBJECT_ID supports user tables (U) only');
        }
        out.push(
          `(SELECT rowid FROM sqlite_master WHERE type = 'table' AND name = ${sqlString(tableName(name.token.text))} COLLATE NOCASE)`,
        );
        i = close.index;
        continue;
      }
      if (word === 'ISNULL' && isPunct(nextSig(i + 1).token, '(')) {
        out.push('IFNULL');
        continue;
      }
      if (word === 'LEN' && isPunct(nextSig(i + 1).token, '(')) {
        out.push('LENGTH');
        continue;
      }
    }
    out.push(t.text);
  }
  let sql = out.join('').trim();
  if (returning) sql += ` RETURNING ${returning}`;
  if (limit !== null) {
    if (verb !== 'SELECT') throw new UnsupportedTsql('TOP is supported in SELECT only');
    sql += ` LIMIT ${limit}`;
  }
  return { kind: 'sql', sql, verb };
}
