import type { IdentityRepository } from '../../src/domain/identity-repository';
import type { MigrationMark } from '../../src/domain/user';

/**
 * A store as the service sees it, with a seam between the migration check and the write that follows
 * it: the next `getMigrationMark` reads the store, then runs `between`, then answers what it read.
 * That is the race of a change against a concurrent login or GetUser, made deterministic (no sleeps):
 * the change was told "no mark", and by the time it writes, the other call has marked the user.
 */
export class CheckThenWriteSeam<R extends IdentityRepository> {
  #between: (() => Promise<void>) | null = null;
  #ran = 0;
  /** The repository to give the service; `store` is the one underneath, for the test's own reads. */
  readonly repository: R;

  constructor(readonly store: R) {
    this.repository = new Proxy(store, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        if (property !== 'getMigrationMark') return value.bind(target);
        return async (...args: unknown[]): Promise<MigrationMark | null> => {
          const mark = (await value.apply(target, args)) as MigrationMark | null;
          // Taken before it runs: a login inside checks marks too, and must see the real store.
          const between = this.#between;
          this.#between = null;
          if (between) {
            await between();
            this.#ran += 1;
          }
          return mark;
        };
      },
    });
  }

  /** Runs `between` inside the next migration check, after it has read the store. */
  beforeNextCheckAnswers(between: () => Promise<void>): void {
    this.#between = between;
  }

  /** How many times `between` has run. */
  get ran(): number {
    return this.#ran;
  }
}
