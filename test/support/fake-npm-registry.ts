import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One advisory as npm's bulk endpoint returns it (`POST /-/npm/v1/security/advisories/bulk`). */
export interface BulkAdvisory {
  id: number;
  url: string;
  title: string;
  severity: 'info' | 'low' | 'moderate' | 'high' | 'critical';
  vulnerable_versions: string;
  cwe: string[];
  cvss: { score: number; vectorString: string | null };
}

/**
 * What the registry answers to the bulk advisory request: a status (405 is what this workplace's
 * registry answers), or advisories computed from what npm sent (`{ name: [installed versions] }`).
 */
export type AdvisoryAnswer =
  | { status: number }
  | { advisories: (sent: Record<string, string[]>) => Record<string, BulkAdvisory[]> };

export interface FakeNpmRegistry {
  /** `http://127.0.0.1:PORT/`, for `npm --registry`. */
  readonly url: string;
  /** The package → versions maps npm posted to the bulk endpoint, in order. */
  readonly bulkRequests: Record<string, string[]>[];
  answer: AdvisoryAnswer;
  close(): Promise<void>;
}

/**
 * A registry on a free loopback port that speaks only the advisory endpoint; every other request
 * (npm asks for packuments to work out fix ranges) gets 404, which npm treats as "no metadata".
 */
export async function startFakeNpmRegistry(answer: AdvisoryAnswer): Promise<FakeNpmRegistry> {
  const bulkRequests: Record<string, string[]>[] = [];
  const registry = { answer };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/-/npm/v1/security/advisories/bulk') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
        return;
      }
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const sent = JSON.parse(body.toString('utf8')) as Record<string, string[]>;
      bulkRequests.push(sent);
      const current = registry.answer;
      if ('status' in current) {
        res.writeHead(current.status, { allow: 'GET,HEAD' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(current.advisories(sent)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    bulkRequests,
    get answer() {
      return registry.answer;
    },
    set answer(next) {
      registry.answer = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
