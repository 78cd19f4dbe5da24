import { CLOCK_SKEW_MS, planEarlyPoll } from '../../../functions/sync/early-poll';

describe('planEarlyPoll (decision 66)', () => {
  const spacing = 2_000;
  const now = 1_000_000;

  it('reads at once when the realm was never read, or its last read is a spacing old', () => {
    expect(planEarlyPoll(now - 10, undefined, now, spacing)).toEqual({ read: true, waitMs: 0 });
    expect(planEarlyPoll(now - 10, now - 60_000, now, spacing)).toEqual({ read: true, waitMs: 0 });
    expect(planEarlyPoll(now - 10, now - spacing, now, spacing)).toEqual({ read: true, waitMs: 0 });
  });

  it('does not read when a read began after the delivery arrived, clock skew allowed for', () => {
    expect(planEarlyPoll(now - 5_000, now - 5_000 + CLOCK_SKEW_MS, now, spacing)).toEqual({ read: false });
    // Within the skew of the arrival, the read may have begun before it: read again.
    expect(planEarlyPoll(now - 5_000, now - 5_000 + CLOCK_SKEW_MS - 1, now, spacing).read).toBe(true);
    // A unit without an arrival time (sent by an older version) always reads.
    expect(planEarlyPoll(undefined, now - 1, now, spacing).read).toBe(true);
  });

  it('waits out the spacing since the last read, never more than the spacing', () => {
    expect(planEarlyPoll(now - 100, now - 500, now, spacing)).toEqual({ read: true, waitMs: 1_500 });
    // A last read "in the future" (another container's clock) waits one spacing at most.
    expect(planEarlyPoll(now + 10_000, now + 5_000, now, spacing)).toEqual({ read: true, waitMs: spacing });
  });
});
