/**
 * How the queues feed the functions (the stack's event-source mappings), in plain numbers so the
 * local stack reads them without loading the CDK (like lib/function-timeouts.ts).
 */

/** Worker concurrency per queue (docs/architecture.md#components): bounded so the Pipedrive budget, not Lambda, sets the pace. */
export const WORKER_MAX_CONCURRENCY = { changes: 5, bulk: 2 } as const;
export const WORKER_BATCH_SIZE = 10;
/** One connection's poll or reconcile per invocation of the poll function (decision 38). */
export const SCHEDULE_BATCH_SIZE = 1;
/**
 * Connections polled or reconciled at once (decision 38): each is one invocation of its own, so a
 * deployment with hundreds of QBO companies finishes a poll round well inside the 15-minute interval.
 * QBO's limits are per company; Pipedrive is not called by the poll.
 */
export const SCHEDULE_MAX_CONCURRENCY = 10;
