import { IdentityError } from '../domain/errors';

/** What the limiter reports, for metrics (issue: observability) and tests. */
export interface KdfObserver {
  /** Called when a task leaves the queue and starts, with how long it waited. */
  started?(waitMs: number): void;
  /** Called when a task is refused because the queue is full. */
  rejected?(): void;
}

/**
 * Bounds password-hash work: at most `concurrency` KDF computations run at once (each holds its
 * memory, 128·N·r bytes for scrypt), at most `queueLimit` wait, and anything beyond fails at once
 * with `resource_exhausted` so overload sheds load instead of growing latency and memory.
 */
export class KdfLimiter {
  readonly #concurrency: number;
  readonly #queueLimit: number;
  readonly #observer: KdfObserver;
  readonly #queue: Array<() => void> = [];
  #running = 0;

  constructor(options: { concurrency: number; queueLimit: number; observer?: KdfObserver }) {
    if (options.concurrency < 1) throw new RangeError('concurrency must be at least 1');
    this.#concurrency = options.concurrency;
    this.#queueLimit = options.queueLimit;
    this.#observer = options.observer ?? {};
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  get concurrency(): number {
    return this.#concurrency;
  }

  /** Runs `work` when a slot is free. Raises `resource_exhausted` when the queue is full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const enqueuedAt = performance.now();
    if (this.#running >= this.#concurrency) {
      if (this.#queue.length >= this.#queueLimit) {
        this.#observer.rejected?.();
        throw new IdentityError('resource_exhausted', 'password verification is overloaded; retry later');
      }
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#running++;
    }
    this.#observer.started?.(performance.now() - enqueuedAt);
    try {
      return await work();
    } finally {
      const next = this.#queue.shift();
      // The slot passes straight to the next waiter, so `running` stays accurate without a gap.
      if (next) next();
      else this.#running--;
    }
  }
}
