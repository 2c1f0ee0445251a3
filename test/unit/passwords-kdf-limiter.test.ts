import assert from 'node:assert/strict';
import { IdentityError } from '../../src/domain/errors';
import { KdfLimiter } from '../../src/passwords/kdf-limiter';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('KdfLimiter', () => {
  it('runs at most `concurrency` tasks at once and queues the rest in order', async () => {
    const limiter = new KdfLimiter({ concurrency: 2, queueLimit: 10 });
    const gates = [deferred(), deferred(), deferred()];
    const order: number[] = [];
    const runs = gates.map((g, i) =>
      limiter.run(async () => {
        order.push(i);
        await g.promise;
      }),
    );
    await new Promise((r) => setImmediate(r));
    assert.equal(limiter.running, 2);
    assert.equal(limiter.queued, 1);
    assert.deepEqual(order, [0, 1]);
    gates[0]?.resolve();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [0, 1, 2]);
    assert.equal(limiter.running, 2);
    gates[1]?.resolve();
    gates[2]?.resolve();
    await Promise.all(runs);
    assert.equal(limiter.running, 0);
  });

  it('fails at once with resource_exhausted when the queue is full, and recovers', async () => {
    let rejected = 0;
    const limiter = new KdfLimiter({ concurrency: 1, queueLimit: 1, observer: { rejected: () => rejected++ } });
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const second = limiter.run(async () => 'second');
    await assert.rejects(
      limiter.run(async () => 'third'),
      (e: unknown) => e instanceof IdentityError && e.code === 'resource_exhausted',
    );
    assert.equal(rejected, 1);
    gate.resolve();
    await first;
    assert.equal(await second, 'second');
    assert.equal(await limiter.run(async () => 'again'), 'again');
  });

  it('frees the slot when a task throws', async () => {
    const limiter = new KdfLimiter({ concurrency: 1, queueLimit: 0 });
    await assert.rejects(
      limiter.run(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(limiter.running, 0);
    assert.equal(await limiter.run(async () => 1), 1);
  });
});
