import type { CaseFold } from './schema-profile';

/**
 * Folds a lookup value the way the legacy .NET application stored it, so that `NormalizedEmail =
 * @value` finds the row:
 * - `upper`: ASP.NET Identity's UpperInvariantLookupNormalizer, `value.Normalize().ToUpperInvariant()`
 *   — Unicode NFC, then upper case;
 * - `lower`: ASP.NET Membership's `LOWER(@Email)` / `ToLowerInvariant()` — lower case, no normalization.
 *
 * .NET's invariant casing maps one UTF-16 code point to one (simple case mapping); JavaScript's
 * toUpperCase applies the full mapping, which turns `ß` into `SS` and `ﬁ` into `FI`. A code point whose
 * full mapping is longer than one code point is therefore left as it is, which is what .NET does for
 * these (ß, ligatures, ŉ, ǰ, ΐ …). What can still differ: the few Greek letters with a simple mapping
 * different from their first full-mapping letter (ᾳ → ᾼ in .NET), the Unicode version of the two
 * runtimes, and SQL Server's LOWER under a non-Unicode collation. None of these occur in e-mail
 * addresses or user names in practice.
 */
export function foldCase(value: string, fold: CaseFold): string {
  switch (fold) {
    case 'upper':
      return mapEachCodePoint(value.normalize('NFC'), (c) => c.toUpperCase());
    case 'lower':
      return mapEachCodePoint(value, (c) => c.toLowerCase());
    default: {
      const unreachable: never = fold;
      throw new Error(`unknown case fold ${String(unreachable)}`);
    }
  }
}

function mapEachCodePoint(value: string, map: (c: string) => string): string {
  let out = '';
  for (const c of value) {
    const mapped = map(c);
    // Multi-code-point results come from full (special) casing, which .NET's invariant casing does not do.
    out += codePointCount(mapped) === 1 ? mapped : c;
  }
  return out;
}

function codePointCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
