/**
 * What a caller's request carries into the domain and down to the store: its deadline, so that a
 * query never outlives the RPC that asked for it.
 */
export interface CallContext {
  /** Absolute deadline in epoch milliseconds; undefined means no deadline. */
  readonly deadline?: number | undefined;
}

export const NO_CONTEXT: CallContext = {};

/** Milliseconds left before the deadline (never negative), or undefined without a deadline. */
export function remainingMs(ctx: CallContext, now: number = Date.now()): number | undefined {
  return ctx.deadline === undefined ? undefined : Math.max(0, ctx.deadline - now);
}
