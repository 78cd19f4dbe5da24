import * as z from 'zod';

export interface RetryReason {
  kind: string;
  error: string;
  /** The failure is one the chaos run injected (a 5xx, reset, timeout, 429 or expired token). */
  injected: boolean;
  /** Another message of the customer held its create claim (after that one's injected failure, or at the same time). */
  contention: boolean;
}

const RetryLine = z.looseObject({
  message: z.literal('sync will be retried'),
  eventId: z.string(),
  kind: z.string(),
  error: z.string(),
});

/** What the injected faults look like once a client has classified them. */
const INJECTED =
  /\b5\d\d\b|did not answer within|could not be reached|closed the connection|\b429\b|rate limit|throttl|refresh|401|expired|unavailable/i;

/** Why each message was retried, by event id, from the worker's "sync will be retried" log lines. */
export function explainRetries(output: string): Map<string, RetryReason[]> {
  const reasons = new Map<string, RetryReason[]>();
  for (const line of output.split('\n')) {
    if (!line.includes('sync will be retried')) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = RetryLine.safeParse(json);
    if (!parsed.success) continue;
    const { eventId, kind, error } = parsed.data;
    const injected = (kind === 'transient' || kind === 'rate-limited') && INJECTED.test(error);
    const contention = kind === 'transient' && /is being created by another worker/.test(error);
    reasons.set(eventId, [...(reasons.get(eventId) ?? []), { kind, error, injected, contention }]);
  }
  return reasons;
}
