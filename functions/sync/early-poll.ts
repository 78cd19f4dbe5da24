/**
 * When a webhook's early poll reads (decision 66). Every delivery asks for one; the realm's units run
 * one after another (their FIFO group), so most find that a poll begun after their delivery arrived
 * has read their changes already. The others wait until `spacingMs` after the last read began: a
 * burst of single-event deliveries costs one CDC read per spacing, and a change after a quiet spell
 * is read at once.
 */
export type EarlyPollPlan = { read: false } | { read: true; waitMs: number };

/**
 * Clocks of two Lambda containers may differ by this much (they are NTP-synced to milliseconds; a
 * second is generous): a read counts for a delivery only when it began this long after its arrival.
 */
export const CLOCK_SKEW_MS = 1_000;

export function planEarlyPoll(
  receivedAtMs: number | undefined,
  lastReadAtMs: number | undefined,
  now: number,
  spacingMs: number,
): EarlyPollPlan {
  if (lastReadAtMs === undefined) return { read: true, waitMs: 0 };
  if (receivedAtMs !== undefined && lastReadAtMs - CLOCK_SKEW_MS >= receivedAtMs) return { read: false };
  return { read: true, waitMs: Math.max(0, Math.min(spacingMs, lastReadAtMs + spacingMs - now)) };
}
