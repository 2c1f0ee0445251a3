import { randomBytes } from 'node:crypto';
import type { ServeProcess } from './serve-process';
import { TEST_BRIDGE_TOKEN } from './stack';

/** A traced bridge call: the caller's trace and span ids, and the bridge's answer. */
export interface Sent {
  readonly traceId: string;
  readonly parentId: string;
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A bridge call as an Auth0 script makes it, inside the script's own trace (W3C traceparent). */
export async function post(serve: ServeProcess, route: string, body: object): Promise<Sent> {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  const response = await fetch(`${serve.bridgeUrl}${route}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TEST_BRIDGE_TOKEN}`,
      'content-type': 'application/json',
      traceparent: `00-${traceId}-${parentId}-01`,
    },
    body: JSON.stringify(body),
  });
  return { traceId, parentId, status: response.status, body: (await response.json()) as Record<string, unknown> };
}
