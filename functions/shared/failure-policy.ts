import { AuthError, BUDGET_EXHAUSTED_CODE, type ConnectorError, errorKind, isConnectorError } from './errors';
import { MAX_RECEIVE_COUNT, retryDelaySeconds } from './retry-policy';

/**
 * What the worker does with a message whose sync failed (decision 7: one path per kind):
 * - `park`: the connection needs re-authorisation; its work waits for the reconnect, not in the DLQ;
 * - `hold-blocked`: the Pipedrive company's Cloudflare block (decision 32), held until it lifts;
 * - `defer-budget`: the connector's share of today's Pipedrive budget is spent; the next budget day;
 * - `defer-throttled`: QBO throttled the company's calls (a 429 or the shared limiter, decision 33);
 * - `retry`: back to the queue after `delaySeconds`; on the last receive it goes to the DLQ.
 * The first four acknowledge the message without spending a receive.
 */
export type FailureAction =
  | { action: 'park' }
  | { action: 'hold-blocked' }
  | { action: 'defer-budget' }
  | { action: 'defer-throttled' }
  | { action: 'retry'; delaySeconds: number; lastReceive: boolean };

/** The worker's failure policy: a pure function of the error and how often the message was received. */
export function failureAction(error: unknown, receiveCount: number, random: () => number = Math.random): FailureAction {
  if (error instanceof AuthError) return { action: 'park' };
  if (errorKind(error) === 'hard-stop') return { action: 'hold-blocked' };
  // Waiting in the queue would spend a receive per day and dead-letter a long backfill's tail.
  if (isRateLimited(error) && error.code === BUDGET_EXHAUSTED_CODE) return { action: 'defer-budget' };
  // QBO's throttling passes by itself, and waiting for it in the queue would spend a receive each
  // time. (A Pipedrive burst 429 is sent again inside the call once the governor's pause allows; only
  // a pause past the governor's longest wait, or a run of 429s, comes back here and is retried through
  // the queue: its pause lives in one process, so there is nothing shared to release parked work against.)
  if (isRateLimited(error) && error.system === 'quickbooks') return { action: 'defer-throttled' };
  return {
    action: 'retry',
    delaySeconds: retryDelaySeconds(error, receiveCount, random),
    lastReceive: isLastReceive(receiveCount),
  };
}

/** SQS moves a message to its dead-letter queue when this receive fails. */
export function isLastReceive(receiveCount: number): boolean {
  return receiveCount >= MAX_RECEIVE_COUNT;
}

function isRateLimited(error: unknown): error is ConnectorError {
  return isConnectorError(error) && error.kind === 'rate-limited';
}
