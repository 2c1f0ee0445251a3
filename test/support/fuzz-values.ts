import fc from 'fast-check';

/**
 * Shared fast-check arbitraries for the fuzz suites. Runs are reproducible: every suite passes
 * `fuzzParameters()` to fc.assert, with a fixed seed unless FUZZ_SEED is set, and a modest run count
 * (FUZZ_RUNS multiplies it) because CI shares two cores.
 */
export function fuzzParameters(runs: number): { seed: number; numRuns: number; endOnFailure: true } {
  const seed = process.env.FUZZ_SEED === undefined ? 20261201 : Number(process.env.FUZZ_SEED);
  const scale = process.env.FUZZ_RUNS === undefined ? 1 : Number(process.env.FUZZ_RUNS);
  return { seed, numRuns: Math.max(1, Math.round(runs * scale)), endOnFailure: true };
}

/** Lone surrogates, NUL, bidi and line separators, BOM, quotes, SQL and path fragments. */
const nasty = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udfff',
  '\u2028',
  '\u202e',
  '\ufeff',
  '\u00ad',
  "'",
  '"',
  '\\',
  "' OR '1'='1",
  '; DROP TABLE Users; --',
  '%',
  '_',
  '../',
  '@',
  '\r\n',
);

/** Strings of every kind: any code point, graphemes, control bytes, hostile fragments, a lone surrogate. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.string({ unit: fc.oneof(nasty, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 12 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => `a${String.fromCharCode(u)}b@example.com`),
);

/** Email-shaped strings, some valid, some almost, so requests get past the first checks. */
export const emailish: fc.Arbitrary<string> = fc.oneof(
  fc.emailAddress(),
  fc.tuple(hostileString, fc.constantFrom('@example.com', '@EXAMPLE.com', '@', '@ex', '')).map(([a, b]) => a + b),
);

/** A string near or over a limit (254-character emails, 1 KiB passwords, 16 KiB metadata). */
export const longString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(253, 254, 255, 1023, 1024, 1025, 4096, 17_000), fc.constantFrom('a', 'é', '😀', '\u0000'))
  .map(([n, c]) => c.repeat(Math.ceil(n / c.length)).slice(0, n));

/** Nesting far beyond any limit: arrays or objects `depth` levels deep. */
export const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 10, max: 2_000 }), fc.boolean())
  .map(([depth, arrays]) => {
    let value: unknown = 'leaf';
    for (let i = 0; i < depth; i++) value = arrays ? [value] : { k: value };
    // How fast-check prints it in a failure report: its own printer recurses and would overflow the
    // stack on a value this deep, hiding the failure. A symbol key is invisible to JSON and protobuf.
    Object.defineProperty(value, fc.toStringMethod, {
      value: () => `<${arrays ? 'arrays' : 'objects'} nested ${depth} deep>`,
      enumerable: false,
    });
    return value;
  });

/** Any value a JSON field might carry. */
export const anyFieldValue = (extra: fc.Arbitrary<unknown>[] = []): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: hostileString },
    { weight: 3, arbitrary: emailish },
    { weight: 1, arbitrary: longString },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: deepValue },
    { weight: 1, arbitrary: fc.boolean() },
    ...extra.map((arbitrary) => ({ weight: 3, arbitrary })),
  );
