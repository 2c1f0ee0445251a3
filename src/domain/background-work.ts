/** Work started after an answer was sent (hash upgrades), tracked so shutdown can wait for it. */
export class BackgroundWork {
  readonly #pending = new Set<Promise<void>>();

  run(task: () => Promise<void>): void {
    const work = task();
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Resolves once everything started so far (and anything it started) has finished. */
  async settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }
}
