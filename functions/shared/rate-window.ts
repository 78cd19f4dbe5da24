import { setTimeout as delay } from 'node:timers/promises';

export interface RateLimit {
  /** At most this many starts… */
  limit: number;
  /** …in any window of this many milliseconds. */
  windowMs: number;
}

/**
 * Paces calls so no rolling window sees more starts than its limit (QBO: 10 per second and 500 per
 * minute per realm; we stay under both). In-process: other containers are covered by QBO's 429 and
 * the backoff it triggers.
 */
export class RateWindow {
  private readonly starts: number[] = [];

  constructor(
    private readonly limits: readonly RateLimit[],
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<unknown> = delay,
  ) {}

  /** Resolves, with the start time, when a call may start; the start is recorded. */
  async acquire(): Promise<number> {
    for (;;) {
      const now = this.now();
      const longest = Math.max(...this.limits.map((l) => l.windowMs));
      while (this.starts.length > 0 && (this.starts[0] ?? 0) <= now - longest) this.starts.shift();
      const wait = Math.max(0, ...this.limits.map((limit) => this.waitFor(limit, now)));
      if (wait === 0) {
        this.starts.push(now);
        return now;
      }
      await this.sleep(wait);
    }
  }

  private waitFor(limit: RateLimit, now: number): number {
    const inWindow = this.starts.filter((start) => start > now - limit.windowMs);
    if (inWindow.length < limit.limit) return 0;
    const oldest = inWindow[inWindow.length - limit.limit] ?? now;
    return oldest + limit.windowMs - now + 1;
  }
}
