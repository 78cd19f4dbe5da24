import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { QBO_RATE_LIMITS } from '../../functions/quickbooks/client';
import type { Fetch } from '../../functions/shared/http';
import { RateWindow } from '../../functions/shared/rate-window';
import type { SandboxClock } from '../../local/shared/clock';

/**
 * A wait on a frozen sandbox clock: time jumps forward by what the caller has to wait, so a run
 * spends sandbox time only where the limits make it wait (never on this machine's speed). Each
 * wait is computed from the current clock, so concurrent waiters never add their waits up.
 */
export function virtualSleep(clock: SandboxClock): (ms: number) => Promise<void> {
  return async (ms) => {
    if (ms > 0) clock.advance(ms);
    await yieldToEventLoop();
  };
}

/**
 * The QBO client paces itself with the wall clock; on a virtual clock the same per-realm pacing
 * (8/s, 400/min) is applied here, in front of its fetch, so QBO's limits cost sandbox time too.
 */
export function pacedFetch(clock: SandboxClock, inner: Fetch = fetch): Fetch {
  const window = new RateWindow(QBO_RATE_LIMITS, () => clock.now(), virtualSleep(clock));
  return async (input, init) => {
    await window.acquire();
    return inner(input, init);
  };
}
