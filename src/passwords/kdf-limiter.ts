import { IdentityError } from '../domain/errors';

/** What the limiter reports, for metrics (issue: observability) and tests. */
export interface KdfObserver {
  /** Called when a task leaves the queue and starts, with how long it waited. */
  started?(waitMs: number): void;
  /** Called when a task is refused because the queue is full. */
  rejected?(): void;
  /**
   * Called when a task is given up without running because its caller's deadline passed, on arrival
   * or while it waited (`waitMs` 0 on arrival).
   */
  expired?(waitMs: number): void;
}

/** How one task may run. */
export interface KdfRunOptions {
  /**
   * The caller's deadline in epoch milliseconds (CallContext.deadline); undefined waits as long as
   * the queue takes.
   */
  readonly deadline?: number | undefined;
}

/** One queued task: `grant` hands it a slot; `expire` gives it up. */
interface Waiter {
  readonly deadline: number | undefined;
  grant(): void;
  expire(): void;
}

export const KDF_DEADLINE_MESSAGE = 'the deadline passed before password verification could start';

function deadlineExceeded(): IdentityError {
  return new IdentityError('deadline_exceeded', KDF_DEADLINE_MESSAGE);
}

/**
 * Bounds password-hash work: at most `concurrency` KDF computations run at once (each holds its
 * memory, at most KDF_MAX_MEMORY), at most `queueLimit` wait, and anything beyond fails at once with
 * `resource_exhausted` so overload sheds load instead of growing latency and memory. A task whose
 * caller's deadline passes before it gets a slot fails with `deadline_exceeded` and never runs: under
 * overload the slots go to callers still waiting for the answer.
 */
export class KdfLimiter {
  readonly #concurrency: number;
  readonly #queueLimit: number;
  readonly #observer: KdfObserver;
  readonly #now: () => number;
  readonly #queue: Waiter[] = [];
  #running = 0;

  constructor(options: { concurrency: number; queueLimit: number; observer?: KdfObserver; now?: () => number }) {
    if (options.concurrency < 1) throw new RangeError('concurrency must be at least 1');
    this.#concurrency = options.concurrency;
    this.#queueLimit = options.queueLimit;
    this.#observer = options.observer ?? {};
    // Deadlines are epoch milliseconds (grpc-js's), so they are compared with the wall clock.
    this.#now = options.now ?? Date.now;
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

  /**
   * Runs `work` when a slot is free. Raises `resource_exhausted` when the queue is full, and
   * `deadline_exceeded` (without running `work`) when `options.deadline` has passed on arrival or
   * passes while the task waits.
   */
  async run<T>(work: () => Promise<T>, options: KdfRunOptions = {}): Promise<T> {
    const enqueuedAt = performance.now();
    const { deadline } = options;
    if (deadline !== undefined && deadline <= this.#now()) {
      this.#observer.expired?.(0);
      throw deadlineExceeded();
    }
    if (this.#running >= this.#concurrency) {
      if (this.#queue.length >= this.#queueLimit) {
        this.#observer.rejected?.();
        throw new IdentityError('resource_exhausted', 'password verification is overloaded; retry later');
      }
      await this.#wait(deadline, enqueuedAt);
    } else {
      this.#running++;
    }
    this.#observer.started?.(performance.now() - enqueuedAt);
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  /** Queues the caller until a slot passes to it; rejects when its deadline comes first. */
  #wait(deadline: number | undefined, enqueuedAt: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        deadline,
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
        expire: () => {
          clearTimeout(timer);
          this.#observer.expired?.(performance.now() - enqueuedAt);
          reject(deadlineExceeded());
        },
      };
      this.#queue.push(waiter);
      if (deadline === undefined) return;
      timer = setTimeout(
        () => {
          const index = this.#queue.indexOf(waiter);
          if (index === -1) return; // already granted in this same turn
          this.#queue.splice(index, 1);
          waiter.expire();
        },
        Math.max(0, deadline - this.#now()),
      );
      // A waiter alone must not hold the process open: whatever holds its slot does.
      timer.unref();
    });
  }

  /**
   * Passes the slot straight to the next waiter whose deadline has not passed, so `running` stays
   * accurate without a gap; waiters found expired on the way are given up, not started.
   */
  #release(): void {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
      if (next.deadline !== undefined && next.deadline <= this.#now()) {
        next.expire();
        continue;
      }
      next.grant();
      return;
    }
    this.#running--;
  }
}
