import { setTimeout as delay } from 'node:timers/promises';
import type { QboCallGate } from '../quickbooks/client-config';
import type { QboCallLimiter } from '../store/qbo-call-limiter';
import { RateLimitedError } from '../shared/errors';
import { fitsBeforeDeadline } from '../shared/invocation-deadline';

/** The code of a wait the shared limiter would not do here: the caller defers the work (decision 33). */
export const QBO_HELD_CODE = 'qbo_limiter';

export interface QboCallGateOptions {
  /** The longest one call waits for the limiter before it gives up with a RateLimitedError. */
  maxWaitMs: number;
  /** Scales QBO's 60 s throttle wait (the chaos run compresses time; 1 in a deployment). */
  throttleWaitScale: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

/**
 * Every QBO call of a company passes the limiter shared by all containers (decision 33); a wait
 * longer than the caller may spend, or longer than its invocation has left, becomes a
 * RateLimitedError, which the worker defers without spending a receive.
 */
export class SharedQboCallGate implements QboCallGate {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<unknown>;

  constructor(
    private readonly limiter: QboCallLimiter,
    private readonly realmId: string,
    private readonly options: QboCallGateOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? delay;
  }

  async enter(): Promise<() => Promise<void>> {
    const started = this.now();
    for (;;) {
      const admission = await this.limiter.admit(this.realmId, this.now());
      if (admission.admitted) return admission.release;
      const wait = Math.max(10, admission.retryAtMs - this.now());
      const waited = this.now() - started;
      if (waited + wait > this.options.maxWaitMs || !fitsBeforeDeadline(wait, this.now))
        throw new RateLimitedError(
          `QuickBooks calls of this company are held by the connector's limiter for ${String(Math.ceil(wait / 1000))} s`,
          { system: 'quickbooks', code: QBO_HELD_CODE, retryAfterMs: wait },
        );
      await this.sleep(wait);
    }
  }

  async throttled(retryAfterMs: number): Promise<void> {
    const now = this.now();
    await this.limiter.block(this.realmId, now + Math.ceil(retryAfterMs * this.options.throttleWaitScale), now);
  }
}
