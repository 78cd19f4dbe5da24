import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { QBO_RATE_LIMITS } from '../../functions/quickbooks/client';
import type { Fetch } from '../../functions/shared/http';
import { RateWindow } from '../../functions/shared/rate-window';
import type { SandboxClock } from '../../local/shared/clock';

interface Sleeper {
  at: number;
  wake: () => void;
}

/** Statuses whose Response must have no body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * Time on a frozen sandbox clock, moved only by waits, so a run spends sandbox time only where the
 * limits make it wait (never on this machine's speed). A wait is a timer at `now + ms`; the clock
 * jumps to the earliest timer only once nothing else can run at the current instant: no tracked
 * request in flight and no continuation pending. A request therefore takes no sandbox time: its
 * answer comes back at the instant it was sent, as on a fast network, however the machine
 * interleaves it with another caller's wait. (A wait that jumped the clock at once made sandbox
 * time depend on that interleaving: an answer read after another caller's 2 s jump seemed 2 s late,
 * so the governor held its burst slot 2 s longer and counted the answer's `x-ratelimit-reset` from
 * the jump; the 10,000-customer backfill measured anywhere from 1× to 2× the burst limit's floor.)
 */
export class VirtualTime {
  private readonly sleepers: Sleeper[] = [];
  private inFlight = 0;
  private drained: (() => void)[] = [];
  private advancing = false;

  constructor(readonly clock: SandboxClock) {}

  /** Resolves when the clock reaches `now + ms`. */
  readonly sleep = (ms: number): Promise<void> =>
    new Promise<void>((wake) => {
      this.sleepers.push({ at: this.clock.now() + Math.max(0, ms), wake });
      void this.advance();
    });

  /** Runs `operation` as in flight: the clock does not move until it has settled. */
  async track<T>(operation: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await operation();
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const resume of this.drained.splice(0)) resume();
    }
  }

  /** `inner` as a tracked request: in flight until its body has been read. */
  fetch(inner: Fetch = fetch): Fetch {
    return (input, init) =>
      this.track(async () => {
        const response = await inner(input, init);
        const body = NULL_BODY.has(response.status) ? null : await response.arrayBuffer();
        return new Response(body, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      });
  }

  /**
   * The QBO client paces itself with the wall clock; on the virtual clock the same per-realm pacing
   * (8/s, 400/min) is applied here, in front of its fetch, so QBO's limits cost sandbox time too.
   */
  pacedFetch(inner: Fetch = fetch): Fetch {
    const window = new RateWindow(QBO_RATE_LIMITS, () => this.clock.now(), this.sleep);
    const tracked = this.fetch(inner);
    return async (input, init) => {
      await window.acquire();
      return tracked(input, init);
    };
  }

  /** Moves the clock from timer to timer while there are timers, each time once all else is quiet. */
  private async advance(): Promise<void> {
    if (this.advancing) return;
    this.advancing = true;
    try {
      while (this.sleepers.length > 0) {
        await this.quiet();
        const next = Math.min(...this.sleepers.map((sleeper) => sleeper.at));
        const now = this.clock.now();
        if (next > now) this.clock.advance(next - now);
        const due = this.sleepers.filter((sleeper) => sleeper.at <= next);
        this.sleepers.splice(0, this.sleepers.length, ...this.sleepers.filter((sleeper) => sleeper.at > next));
        for (const sleeper of due) sleeper.wake();
      }
    } finally {
      this.advancing = false;
    }
  }

  /** Until no tracked request is in flight and the continuations they and the last wakes queued have run. */
  private async quiet(): Promise<void> {
    for (;;) {
      await yieldToEventLoop();
      if (this.inFlight === 0) return;
      await new Promise<void>((resume) => this.drained.push(resume));
    }
  }
}
