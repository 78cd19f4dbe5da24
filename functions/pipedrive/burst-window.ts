import { BURST_WINDOW_MS } from './plans';

interface Occupant {
  /** When the answer came back; undefined while the request is in flight. */
  end: number | undefined;
}

export interface WindowWait {
  /** Milliseconds until a slot frees up by time alone (0: now). */
  ms: number;
  /** True when only a running request finishing can free a slot. */
  needsCompletion: boolean;
}

export interface BurstSlot {
  /** Marks the request answered (or failed) at `now`. */
  release(now: number): void;
  /** Gives the slot back unused: the request was never sent. */
  cancel(): void;
}

/**
 * One rolling 2-second request window (per token, or the Search API's). Pipedrive counts a request
 * when it arrives, which is some time between our send and its answer, so a request holds its slot
 * from before it is sent until 2 s after its answer: however late it arrived, it has left
 * Pipedrive's window by then. So the window never holds more than `limit` requests in Pipedrive's
 * view either, however many callers race and however slow the network is.
 */
export class BurstWindow {
  private readonly occupants: Occupant[] = [];
  private blockedUntil = 0;

  constructor(
    public limit: number,
    private readonly windowMs: number = BURST_WINDOW_MS,
  ) {}

  /** How long a new request must wait. */
  wait(now: number): WindowWait {
    this.prune(now);
    const blockedMs = Math.max(0, this.blockedUntil - now);
    const excess = this.occupants.length - this.limit + 1;
    if (excess <= 0) return { ms: blockedMs, needsCompletion: false };
    const releases = this.occupants
      .flatMap((occupant) => (occupant.end === undefined ? [] : [occupant.end + this.windowMs]))
      .sort((a, b) => a - b);
    const release = releases[excess - 1];
    if (release === undefined) return { ms: blockedMs, needsCompletion: true };
    return { ms: Math.max(blockedMs, release - now), needsCompletion: false };
  }

  /** Takes a slot; call only when `wait(now)` is zero without a completion pending. */
  take(): BurstSlot {
    const occupant: Occupant = { end: undefined };
    this.occupants.push(occupant);
    return {
      release: (now) => {
        occupant.end ??= now;
      },
      cancel: () => {
        const index = this.occupants.indexOf(occupant);
        if (index >= 0) this.occupants.splice(index, 1);
      },
    };
  }

  /** Pipedrive said the window is full (`x-ratelimit-remaining: 0`): no new request until `until`. */
  blockUntil(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
  }

  /** Requests counted in the window now (in flight or answered less than 2 s ago). */
  occupied(now: number): number {
    this.prune(now);
    return this.occupants.length;
  }

  private prune(now: number): void {
    for (let i = this.occupants.length - 1; i >= 0; i--) {
      const end = this.occupants[i]?.end;
      if (end !== undefined && end + this.windowMs <= now) this.occupants.splice(i, 1);
    }
  }
}
