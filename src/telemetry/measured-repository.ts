import { toIdentityError } from '../domain/errors';
import type { IdentityRepository } from '../domain/identity-repository';

/** The port methods whose latency is measured (close is not a call of a request). */
const MEASURED: ReadonlySet<PropertyKey> = new Set<keyof IdentityRepository>([
  'findByEmail',
  'findByUsername',
  'findById',
  'insert',
  'updatePassword',
  'setEmailVerified',
  'changeEmail',
  'delete',
  'getMigrationMark',
  'markMigrated',
  'unmark',
  'recordSignIn',
  'ping',
]);

export type RecordStoreOperation = (operation: string, outcome: string, durationMs: number) => void;

/**
 * The same repository, with every port call timed: `record(method, outcome, ms)` where outcome is
 * `ok` or the IdentityError code it raised. Works for any adapter (SQLite, SQL Server), and keeps the
 * adapter's extra methods (`countUsers`) and its identity for private fields: calls run on the target.
 */
export function measureRepository<R extends IdentityRepository>(repository: R, record: RecordStoreOperation): R {
  return new Proxy(repository, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (!MEASURED.has(property)) return value.bind(target);
      const operation = String(property);
      return async (...args: unknown[]) => {
        const started = performance.now();
        try {
          const result: unknown = await value.apply(target, args);
          record(operation, 'ok', performance.now() - started);
          return result;
        } catch (error) {
          record(operation, toIdentityError(error).code, performance.now() - started);
          throw error;
        }
      };
    },
  });
}
