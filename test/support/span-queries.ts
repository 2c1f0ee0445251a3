import assert from 'node:assert/strict';
import type { ReceivedSpan } from '../../src/telemetry/otlp/received-span';

/** OTLP span kinds. */
export const INTERNAL = 1;
export const SERVER = 2;
export const CLIENT = 3;

/** The gRPC client and server spans of every IdentityStore RPC. */
export const RPC_SPAN = /^grpc\.identity\.v1\.IdentityStore\//;

/** The spans called `name` (or matching it), of `kind` when given. */
export const named = (spans: readonly ReceivedSpan[], name: string | RegExp, kind?: number): ReceivedSpan[] =>
  spans.filter((s) => (typeof name === 'string' ? s.name === name : name.test(s.name)) && (kind ?? s.kind) === s.kind);

/** The one span `named` finds; fails the test when there is not exactly one. */
export function one(spans: readonly ReceivedSpan[], name: string | RegExp, kind?: number): ReceivedSpan {
  const found = named(spans, name, kind);
  assert.equal(found.length, 1, `one ${String(name)} span expected, got ${found.length}: ${spans.map((s) => s.name)}`);
  return found[0] as ReceivedSpan;
}

/**
 * A `waitForTrace` condition: the four hops of a bridge call (HTTP server, gRPC client and server, the
 * domain span `useCase`) have all arrived; spans end inner first, the HTTP span last.
 */
export const hopsArrived =
  (route: string, useCase: string) =>
  (spans: readonly ReceivedSpan[]): boolean =>
    named(spans, `POST ${route}`, SERVER).length > 0 &&
    named(spans, RPC_SPAN, CLIENT).length > 0 &&
    named(spans, RPC_SPAN, SERVER).length > 0 &&
    named(spans, useCase).length > 0;
