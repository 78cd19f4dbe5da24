import { AsyncLocalStorage } from 'node:async_hooks';

/** What a handler knows of its Lambda context: the time it has left. */
export interface TimedContext {
  getRemainingTimeInMillis(): number;
}

const deadlines = new AsyncLocalStorage<number>();

/**
 * Runs one invocation with its deadline in reach of everything it calls, so a long wait (a QBO 429
 * wait-out, the shared limiter) can tell whether it fits before the function times out (decision 34).
 * Async-local rather than global: the local stack runs several invocations of a handler in one process.
 */
export function withDeadline<T>(
  context: TimedContext,
  run: () => Promise<T>,
  now: () => number = Date.now,
): Promise<T> {
  return deadlines.run(now() + context.getRemainingTimeInMillis(), run);
}

/** Milliseconds this invocation has left (Infinity outside an invocation, as in tests and scripts). */
export function timeLeftMs(now: () => number = Date.now): number {
  const deadline = deadlines.getStore();
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - now();
}

/** Kept free at the end of an invocation for its own bookkeeping (parking, audit, the batch answer). */
export const DEADLINE_MARGIN_MS = 10_000;

/** True when a wait of `ms` still leaves the margin before the deadline. */
export function fitsBeforeDeadline(ms: number, now: () => number = Date.now): boolean {
  return ms <= timeLeftMs(now) - DEADLINE_MARGIN_MS;
}
