import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Metadata, status } from '@grpc/grpc-js';
import { BODY_LIMIT_BYTES, KEEP_ALIVE_TIMEOUT_MS, MAX_CONNECTIONS, MAX_HEADER_BYTES } from '../../src/bridge/limits';
import { GRPC_MAX_RECEIVE_MESSAGE_BYTES } from '../../src/grpc/limits';
import { callError, promiseClient } from '../support/grpc-call';
import { type Stack, startStack, TEST_BRIDGE_TOKEN } from '../support/stack';

/** What a raw connection saw: everything the server wrote, and whether the server closed it. */
interface RawOutcome {
  readonly received: string;
  readonly closedByServer: boolean;
  readonly bytesSent: number;
}

/**
 * Writes `head` at once, then `drip` one byte at a time every `everyMs`, until the server closes the
 * connection or `drip` runs out (then the client closes it, and `closedByServer` is false).
 */
function slowClient(port: number, head: string, drip: string, everyMs: number): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    let clientGaveUp = false;
    socket.on('data', (d) => {
      received += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ received, closedByServer: !clientGaveUp, bytesSent: sent });
    });
    socket.on('connect', () => {
      socket.write(head);
      sent += head.length;
      timer = setInterval(() => {
        if (socket.destroyed) return;
        if (sent - head.length >= drip.length) {
          clientGaveUp = true;
          socket.destroy();
          return;
        }
        socket.write(drip[sent - head.length] ?? '');
        sent++;
      }, everyMs);
    });
  });
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** GET /healthz on a kept-alive connection: the response head, or '' when the server closed it instead. */
function healthOver(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const done = (): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(received);
    };
    const onData = (d: Buffer): void => {
      received += d.toString('latin1');
      if (received.includes('{"status":"ok"}')) done();
    };
    const onClose = (): void => done();
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.on('error', () => {});
    if (socket.destroyed) done();
    else socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
  });
}

describe('limits: slow clients, oversized input, idle connections', () => {
  let stack: Stack;
  let port: number;

  before(async () => {
    // The shortest allowed budget, so the slow-loris guards fire within a couple of seconds.
    stack = await startStack({ bridge: true, env: { BRIDGE_TIMEOUT: '1s' } });
    port = Number(new URL(stack.bridgeUrl ?? '').port);
    await promiseClient(stack.client).createUser({ email: 'limits@example.com', password: 'limits password' });
  });
  after(async () => {
    await stack.close();
  });

  async function lookup(): Promise<number> {
    const response = await fetch(`${stack.bridgeUrl}/v1/get-user`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'limits@example.com' }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  describe('HTTP bridge', () => {
    it('cuts a slow-loris connection that never finishes its headers, and keeps serving others meanwhile', async function () {
      this.timeout(30_000);
      // One header byte every 200 ms: 10 minutes of drip if nobody stopped it.
      const drip = 'X-Slow: '.padEnd(3000, 'a');
      const outcome = slowClient(port, 'POST /v1/get-user HTTP/1.1\r\nHost: localhost\r\n', drip, 200);
      assert.equal(await lookup(), 200, 'a normal request is served while the slow one drips');
      const { closedByServer, bytesSent, received } = await outcome;
      assert.equal(closedByServer, true);
      assert.ok(bytesSent < drip.length, 'cut long before the drip ran out');
      assert.ok(received === '' || received.startsWith('HTTP/1.1 408'), received);
    });

    it('cuts a request whose body trickles in slower than the request budget, with 408', async function () {
      this.timeout(30_000);
      const head =
        'POST /v1/get-user HTTP/1.1\r\nHost: localhost\r\n' +
        `Authorization: Bearer ${TEST_BRIDGE_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n`;
      const outcome = await slowClient(port, head, '{"email":"'.padEnd(2000, 'a'), 200);
      assert.equal(outcome.closedByServer, true);
      assert.ok(outcome.bytesSent < head.length + 2000);
      assert.ok(outcome.received === '' || outcome.received.startsWith('HTTP/1.1 408'), outcome.received);
      if (outcome.received !== '')
        assert.ok(outcome.received.endsWith('{"error":"timeout","message":"request not received in time"}'));
    });

    it('refuses a header block over MAX_HEADER_BYTES with 431 and a body over BODY_LIMIT_BYTES with 413', async () => {
      const bigHeader = await fetch(`${stack.bridgeUrl}/v1/get-user`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_BRIDGE_TOKEN}`,
          'content-type': 'application/json',
          'x-padding': 'a'.repeat(MAX_HEADER_BYTES + 1),
        },
        body: '{}',
      }).catch((error: unknown) => error);
      // Node answers 431 and closes; some clients report the closed socket instead of the status.
      if (bigHeader instanceof Response) {
        assert.equal(bigHeader.status, 431);
        assert.deepEqual(await bigHeader.json(), { error: 'invalid_request', message: 'request headers too large' });
      } else assert.ok(bigHeader instanceof Error);

      const bigBody = await fetch(`${stack.bridgeUrl}/v1/get-user`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_BRIDGE_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'a'.repeat(BODY_LIMIT_BYTES) }),
      });
      assert.equal(bigBody.status, 413);
      assert.deepEqual(await bigBody.json(), { error: 'payload_too_large', message: 'request body too large' });
      assert.equal(await lookup(), 200);
    });

    it(`closes an idle keep-alive connection after KEEP_ALIVE_TIMEOUT_MS (${KEEP_ALIVE_TIMEOUT_MS} ms)`, async function () {
      this.timeout(30_000);
      const outcome = await new Promise<{ closedByServer: boolean; received: string }>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        let received = '';
        const body = JSON.stringify({ email: 'limits@example.com' });
        socket.on('data', (d) => {
          received += d.toString('latin1');
        });
        socket.on('error', () => {});
        // The client never closes: only the server's keep-alive timeout can end this.
        socket.on('close', () => resolve({ closedByServer: true, received }));
        socket.write(
          `POST /v1/get-user HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n` +
            `Authorization: Bearer ${TEST_BRIDGE_TOKEN}\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      });
      assert.equal(outcome.closedByServer, true);
      assert.ok(outcome.received.startsWith('HTTP/1.1 200'), outcome.received.slice(0, 80));
    });
    it(`serves at most MAX_CONNECTIONS (${MAX_CONNECTIONS}) connections at once: the next is dropped unanswered, and served once one closes`, async function () {
      this.timeout(60_000);
      const held: Socket[] = [];
      try {
        // Each held connection has had one request answered, so the server has certainly accepted it. On a
        // slow machine the first may reach the keep-alive timeout meanwhile: top up until the table is full.
        while (held.filter((socket) => !socket.destroyed).length < MAX_CONNECTIONS) {
          const socket = await openSocket(port);
          held.push(socket);
          assert.match(await healthOver(socket), /^HTTP\/1\.1 200/);
        }
        const extra = await openSocket(port);
        assert.equal(await healthOver(extra), '', 'the connection past the limit is closed without an answer');
        const newest = held.at(-1) as Socket;
        assert.match(await healthOver(newest), /^HTTP\/1\.1 200/, 'held connections keep being served');
        newest.destroy();
        // The server notices the close asynchronously; a fresh connection is served once it has.
        for (;;) {
          const fresh = await openSocket(port);
          held.push(fresh);
          if ((await healthOver(fresh)) !== '') break;
          held.pop();
        }
      } finally {
        for (const socket of held) socket.destroy();
      }
    });
  });

  describe('gRPC server', () => {
    it('refuses a message over GRPC_MAX_RECEIVE_MESSAGE_BYTES with RESOURCE_EXHAUSTED and keeps serving', async () => {
      const rpc = promiseClient(stack.client);
      const huge = { blob: 'x'.repeat(GRPC_MAX_RECEIVE_MESSAGE_BYTES) };
      const error = await callError(
        rpc.createUser({ email: 'huge@example.com', password: 'huge password', userMetadata: huge }),
      );
      assert.equal(error.code, status.RESOURCE_EXHAUSTED);
      // Raw bytes too: the size check comes before any decoding.
      const raw = await new Promise<number>((resolve) => {
        stack.client.makeUnaryRequest(
          '/identity.v1.IdentityStore/Authenticate',
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.alloc(GRPC_MAX_RECEIVE_MESSAGE_BYTES + 1, 0x0a),
          new Metadata(),
          (e) => resolve(e?.code ?? status.OK),
        );
      });
      assert.equal(raw, status.RESOURCE_EXHAUSTED);
      const user = await rpc.getUser({ email: 'limits@example.com', login: '' });
      assert.equal(user.email, 'limits@example.com');
      await assert.rejects(rpc.getUser({ email: 'huge@example.com', login: '' }), { code: status.NOT_FOUND });
    });
  });
});
