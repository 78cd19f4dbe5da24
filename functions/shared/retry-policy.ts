import { type ConnectorError, errorKind, isConnectorError } from './errors';

/** Receives before SQS moves a message to its dead-letter queue (the queues' redrive policy, lib/queues.ts). */
export const MAX_RECEIVE_COUNT = 5;

/** SQS caps a visibility timeout at 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * How long a failed message stays invisible before its next try: the remote side's own wait for
 * rate limits and hard stops, else capped exponential backoff with jitter by receive count.
 */
export function retryDelaySeconds(error: unknown, receiveCount: number, random: () => number = Math.random): number {
  const kind = errorKind(error);
  if ((kind === 'rate-limited' || kind === 'hard-stop') && isConnectorError(error)) {
    const wait = waitOf(error);
    return Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(wait / 1000) + Math.floor(random() * 10));
  }
  const base = Math.min(900, 30 * 2 ** Math.max(0, receiveCount - 1));
  return Math.min(MAX_VISIBILITY_SECONDS, Math.round(base / 2 + random() * (base / 2)));
}

function waitOf(error: ConnectorError): number {
  const wait: unknown = Reflect.get(error, 'retryAfterMs');
  return typeof wait === 'number' && Number.isFinite(wait) ? wait : 60_000;
}
