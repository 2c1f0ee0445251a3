import assert from 'node:assert/strict';
import { IdentityError } from '../../../src/domain/errors';
import { KdfLimiter } from '../../../src/passwords/kdf-limiter';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const isDeadlineExceeded = (e: unknown) => e instanceof IdentityError && e.code === 'deadline_exceeded';

/** A limiter whose observer counts what happened to each task. */
function observedLimiter(options: { concurrency?: number; queueLimit?: number; now?: () => number } = {}) {
  const seen = { started: 0, rejected: 0, expired: 0 };
  const limiter = new KdfLimiter({
    concurrency: options.concurrency ?? 1,
    queueLimit: options.queueLimit ?? 10,
    observer: {
      started: () => seen.started++,
      rejected: () => seen.rejected++,
      expired: () => seen.expired++,
    },
    ...(options.now ? { now: options.now } : {}),
  });
  return { limiter, seen };
}

describe('KdfLimiter: deadlines', () => {
  it('fails a queued task with deadline_exceeded when its deadline passes, never runs it, and still runs the next one', async () => {
    const { limiter, seen } = observedLimiter();
    const gate = deferred();
    const holding = limiter.run(() => gate.promise);
    let expiredRan = false;
    const expiring = limiter.run(
      async () => {
        expiredRan = true;
      },
      { deadline: Date.now() + 20 },
    );
    let nextRan = false;
    const next = limiter.run(async () => {
      nextRan = true;
      return 'next';
    });
    assert.equal(limiter.queued, 2);

    await assert.rejects(expiring, isDeadlineExceeded);
    assert.equal(limiter.queued, 1, 'the expired waiter left the queue');
    assert.equal(limiter.running, 1, 'it never took a slot');
    assert.equal(seen.expired, 1);

    gate.resolve();
    await holding;
    assert.equal(await next, 'next');
    assert.equal(nextRan, true);
    assert.equal(expiredRan, false, 'the expired task ran');
    assert.equal(seen.started, 2, 'the holder and the next task only');
    assert.equal(limiter.running, 0);
    assert.equal(limiter.queued, 0);
  });

  it('frees the queue place of an expired waiter for the next caller', async () => {
    const { limiter, seen } = observedLimiter({ queueLimit: 1 });
    const gate = deferred();
    const holding = limiter.run(() => gate.promise);
    await assert.rejects(
      limiter.run(async () => 1, { deadline: Date.now() + 20 }),
      isDeadlineExceeded,
    );
    const after = limiter.run(async () => 'after');
    assert.equal(seen.rejected, 0, 'the queue still had room');
    gate.resolve();
    await holding;
    assert.equal(await after, 'after');
  });

  it('fails at once, without running, a task whose deadline has already passed on arrival', async () => {
    const { limiter, seen } = observedLimiter();
    let ran = false;
    await assert.rejects(
      limiter.run(
        async () => {
          ran = true;
        },
        { deadline: Date.now() - 1 },
      ),
      isDeadlineExceeded,
    );
    assert.equal(ran, false);
    assert.deepEqual(seen, { started: 0, rejected: 0, expired: 1 });
    assert.equal(limiter.running, 0, 'no slot taken even though one was free');
  });

  it('skips a waiter found past its deadline when a slot frees, before its timer fires', async () => {
    let now = 1_000_000;
    const { limiter, seen } = observedLimiter({ now: () => now });
    const gate = deferred();
    const holding = limiter.run(() => gate.promise);
    let lateRan = false;
    // The deadline is an hour away on the real clock, so only the limiter's own check can catch it.
    const late = limiter.run(
      async () => {
        lateRan = true;
      },
      { deadline: now + 3_600_000 },
    );
    const next = limiter.run(async () => 'next');
    now += 3_600_001;
    gate.resolve();
    await holding;
    await assert.rejects(late, isDeadlineExceeded);
    assert.equal(await next, 'next');
    assert.equal(lateRan, false);
    assert.deepEqual(seen, { started: 2, rejected: 0, expired: 1 });
  });

  it('does not interrupt a task that started before its deadline', async () => {
    let now = 0;
    const { limiter } = observedLimiter({ now: () => now });
    const gate = deferred();
    const running = limiter.run(
      async () => {
        await gate.promise;
        return 'done';
      },
      { deadline: 100 },
    );
    now = 200;
    gate.resolve();
    assert.equal(await running, 'done');
  });

  it('waits without limit when the caller has no deadline', async () => {
    const { limiter } = observedLimiter();
    const gate = deferred();
    const holding = limiter.run(() => gate.promise);
    const waiting = limiter.run(async () => 'waited', { deadline: undefined });
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(limiter.queued, 1);
    gate.resolve();
    await holding;
    assert.equal(await waiting, 'waited');
  });
});
