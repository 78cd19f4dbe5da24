import { setTimeout as delay } from 'node:timers/promises';
import { stringField } from '../../local/quickbooks/json';
import type { LocalStack } from '../../local/stack/local-stack';

export interface ThrottlingOptions {
  realmId: string;
  /** QBO's per-company limit during the phase (the sandbox's 500/min cut to this). */
  perMinute: number;
  /** Real milliseconds the limit holds (the sandbox counts its minute in real time). */
  durationMs: number;
  /** Customers renamed at the start of the phase, each announced by a webhook: the backlog. */
  backlog: number;
}

export interface ThrottlingSummary {
  perMinute: number;
  seconds: number;
  renamed: number;
  /** The backlog drained while the limit held (else the run's own quiet check reports the phase). */
  drainedUnderLimit: boolean;
  /** 429s QBO answered during the phase. */
  qbo429: number;
}

/**
 * Issue #13's throttling phase: QBO takes only `perMinute` requests a minute per company while a
 * backlog of renames waits. The phase opens with the minute's allowance already spent by another app
 * of the same company, so the backlog meets 429s however fast or slow this machine is, and the limit
 * holds for at least `durationMs` and until the backlog has drained (`drained`), so the work is done
 * under the limit rather than after it. Nothing may be dead-lettered for it: the worker defers
 * throttled work without spending receives (decision 33).
 */
export async function runThrottling(
  stack: LocalStack,
  options: ThrottlingOptions,
  drained: (timeoutMs: number) => Promise<boolean>,
  drainTimeoutMs: number,
): Promise<ThrottlingSummary> {
  const state = stack.qbo.state;
  const started = Date.now();
  const throttledBefore = state.counters.get('qbo.throttled');
  const previous = state.throttle.limits;
  state.throttle.limits = { perSecond: previous === false ? 10 : previous.perSecond, perMinute: options.perMinute };
  try {
    const ledger = state.ledger(options.realmId);
    state.throttle.spend(options.realmId, ledger.company.now(), options.perMinute);
    const customers = ledger.company
      .all('Customer')
      .filter((stored) => !stored.deleted && stored.record.Job !== true && stored.record.Active !== false)
      .map((stored) => stringField(stored.record, 'Id') ?? '')
      .filter(Boolean);
    let renamed = 0;
    for (let n = 0; n < options.backlog && customers.length > 0; n++) {
      const id = customers[n % customers.length] ?? '';
      ledger.updateCustomer(id, { CompanyName: `Throttled Co ${id}-${String(n)}` });
      renamed++;
      // Spread over a moment, as a person's bulk edit or an import is.
      if (n % 50 === 49) await delay(20);
    }
    const left = options.durationMs - (Date.now() - started);
    if (left > 0) await delay(left);
    const drainedUnderLimit = await drained(drainTimeoutMs);
    return {
      perMinute: options.perMinute,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      renamed,
      drainedUnderLimit,
      qbo429: state.counters.get('qbo.throttled') - throttledBefore,
    };
  } finally {
    state.throttle.limits = previous;
  }
}
