import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { connect, type Socket } from 'node:net';
import { Metadata, status } from '@grpc/grpc-js';
import { GRPC_MAX_CONCURRENT_STREAMS } from '../../src/grpc/limits';
import { promiseClient } from '../support/grpc-call';
import { type Stack, startStack } from '../support/stack';

const FRAME = { headers: 0x1, rstStream: 0x3, settings: 0x4, goaway: 0x7 } as const;
const END_HEADERS = 0x4;
const ACK = 0x1;
const PROTOCOL_ERROR = 0x1;

interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/** HPACK "literal header field without indexing, new name", no Huffman; every string here is < 127 bytes. */
function headerBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    parts.push(Buffer.from([0x00, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value));
  }
  return Buffer.concat(parts);
}

/**
 * A hand-written HTTP/2 client that, unlike Node's, does not hold back streams above the peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS: it shows what the server itself enforces.
 */
class RawH2 {
  readonly frames: Frame[] = [];
  private buffered = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private readonly socket: Socket;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('error', () => {});
    this.socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 9) {
        const length = this.buffered.readUIntBE(0, 3);
        if (this.buffered.length < 9 + length) break;
        this.frames.push({
          type: this.buffered.readUInt8(3),
          flags: this.buffered.readUInt8(4),
          streamId: this.buffered.readUInt32BE(5) & 0x7fffffff,
          payload: this.buffered.subarray(9, 9 + length),
        });
        this.buffered = this.buffered.subarray(9 + length);
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    this.socket.write(frame(FRAME.settings, 0, 0));
  }

  write(data: Buffer): void {
    this.socket.write(data);
  }

  /** Resolves with the first frame (seen so far or later) that matches. */
  async until(match: (f: Frame) => boolean): Promise<Frame> {
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('limits: gRPC concurrent streams and metadata per connection', () => {
  let stack: Stack;
  let port: number;

  before(async () => {
    stack = await startStack({});
    port = Number(stack.grpcAddress.split(':').pop());
    await promiseClient(stack.client).createUser({ email: 'streams@example.com', password: 'streams password' });
  });
  after(async () => {
    await stack.close();
  });

  it(`advertises SETTINGS_MAX_CONCURRENT_STREAMS = GRPC_MAX_CONCURRENT_STREAMS (${GRPC_MAX_CONCURRENT_STREAMS})`, async () => {
    const session = http2.connect(`http://${stack.grpcAddress}`);
    try {
      const settings = await new Promise<http2.Settings>((resolve) => session.once('remoteSettings', resolve));
      assert.equal(settings.maxConcurrentStreams, GRPC_MAX_CONCURRENT_STREAMS);
    } finally {
      session.destroy();
    }
  });

  it('a client that opens more streams than the limit loses its own connection; others are served', async function () {
    this.timeout(20_000);
    const raw = new RawH2(port);
    try {
      await raw.until((f) => f.type === FRAME.settings && (f.flags & ACK) === 0);
      raw.write(frame(FRAME.settings, ACK, 0));
      // Open the limit's worth of calls that never send their message (the handlers wait for it), then one more.
      const block = headerBlock({
        ':method': 'POST',
        ':scheme': 'http',
        ':path': '/identity.v1.IdentityStore/GetUser',
        ':authority': stack.grpcAddress,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      const ids = Array.from({ length: GRPC_MAX_CONCURRENT_STREAMS + 1 }, (_, i) => 2 * i + 1);
      for (const id of ids) raw.write(frame(FRAME.headers, END_HEADERS, id, block));
      // nghttp2 treats a stream past the acknowledged limit as a connection error (RFC 9113 §5.1.2 allows
      // that or REFUSED_STREAM): GOAWAY, naming the last stream it accepted, i.e. exactly the limit's worth.
      const goaway = await raw.until((f) => f.type === FRAME.goaway);
      const lastAccepted = goaway.payload.readUInt32BE(0) & 0x7fffffff;
      assert.equal(lastAccepted, ids[GRPC_MAX_CONCURRENT_STREAMS - 1], 'every stream within the limit was accepted');
      assert.equal(goaway.payload.readUInt32BE(4), PROTOCOL_ERROR);
      assert.match(goaway.payload.subarray(8).toString(), /max concurrent streams/);
      const reset = raw.frames.filter((f) => f.type === FRAME.rstStream);
      assert.deepEqual(reset, [], 'no stream within the limit was reset before the GOAWAY');

      // Another connection is not affected by this one's full table.
      const user = await promiseClient(stack.client).getUser({ email: 'streams@example.com', login: '' });
      assert.equal(user.email, 'streams@example.com');
    } finally {
      raw.close();
    }
    // The held calls are cancelled with the connection; the server still answers afterwards.
    const again = await promiseClient(stack.client).getUser({ email: 'streams@example.com', login: '' });
    assert.equal(again.email, 'streams@example.com');
  });

  it('refuses a 1 MiB metadata block or 1,000 metadata fields without answering for the user, and keeps serving', async () => {
    const oneMiB = new Metadata();
    for (let i = 0; i < 16; i++) oneMiB.set(`x-padding-${i}`, 'p'.repeat(64 * 1024));
    const thousandFields = new Metadata();
    for (let i = 0; i < 1000; i++) thousandFields.set(`x-field-${i}`, 'v');
    for (const metadata of [oneMiB, thousandFields]) {
      const code = await new Promise<number>((resolve) => {
        stack.client.getUser({ email: 'streams@example.com', login: '' }, metadata, (error) =>
          resolve(error?.code ?? status.OK),
        );
      });
      assert.ok(code === status.RESOURCE_EXHAUSTED || code === status.INTERNAL, `refused, not answered: ${code}`);
    }
    const user = await promiseClient(stack.client).getUser({ email: 'streams@example.com', login: '' });
    assert.equal(user.email, 'streams@example.com');
  });
});
