import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../shared/clock';
import type { Counters } from '../shared/counters';
import { SeededRandom } from '../shared/random';
import type { ChangeEvent } from './company';
import { appSourceFor, cloudEventsBody, legacyBody, type PendingEvent } from './webhook-formats';
import { signWebhookBody } from './webhook-signature';

export interface WebhookOptions {
  /** Where to POST; without one, changes are kept until a URL is configured. */
  url?: string;
  format: 'legacy' | 'cloudevents';
  verifierToken: string;
  /** Sandbox ms Intuit gathers events before sending (near real time in sandbox; 1/3/5 min in production). */
  batchWindowMs: number;
  /** Wait before each attempt; the last value repeats (FACTS §2.3: 0 s, 10 s, 20 s, 30 s, 5 m, 20 m, 2 h, 4 h, 6 h, then 6 h). */
  retryScheduleMs: number[];
  /** Real ms the receiver has to answer 200 (Intuit: 3 s). */
  timeoutMs: number;
  /** Chance that an event is never delivered. */
  dropProbability: number;
  /** Chance that a delivery is sent twice. */
  duplicateProbability: number;
  /** Chance that the events of a delivery are shuffled. */
  reorderProbability: number;
  /** CloudEvents only: one POST may carry several realms' events (reported by a third party, unverified). */
  multiRealm: boolean;
  seed: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: Omit<WebhookOptions, 'verifierToken'> = {
  format: 'legacy',
  batchWindowMs: 0,
  retryScheduleMs: [0, 10_000, 20_000, 30_000, 300_000, 1_200_000, 7_200_000, 14_400_000, 21_600_000],
  timeoutMs: 3000,
  dropProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  multiRealm: false,
  seed: 7,
};

export interface DeliveryAttempt {
  deliveryId: string;
  attempt: number;
  /** Sandbox time of the attempt. */
  at: number;
  status?: number;
  error?: string;
  eventIds: string[];
  duplicate: boolean;
}

interface Delivery {
  id: string;
  events: PendingEvent[];
  body: string;
  contentType: string;
  attempts: number;
  nextAttemptAt: number;
}

/**
 * Intuit's webhook sender: gathers changes over a window, signs and POSTs them, and on any answer
 * but 200 retries on Intuit's schedule while later events wait behind the failed delivery.
 */
export class WebhookEmitter {
  options: WebhookOptions;
  readonly attempts: DeliveryAttempt[] = [];
  private pending: PendingEvent[] = [];
  private pendingSince: number | undefined;
  private blocked: Delivery | undefined;
  private random: SeededRandom;
  private running: Promise<void> = Promise.resolve();
  private ticker: NodeJS.Timeout | undefined;
  private readonly appSource: string;

  constructor(
    private readonly clock: SandboxClock,
    private readonly counters: Counters,
    clientId: string,
    options: Partial<WebhookOptions> & { verifierToken: string },
  ) {
    this.options = { ...DEFAULT_WEBHOOK_OPTIONS, ...options };
    this.random = new SeededRandom(this.options.seed);
    this.appSource = appSourceFor(clientId);
    clock.onChange(() => {
      void this.pump();
    });
  }

  configure(options: Partial<WebhookOptions>): void {
    this.options = { ...this.options, ...options };
    if (options.seed !== undefined) this.random = new SeededRandom(options.seed);
    void this.pump();
  }

  /** Called for every change a company announces. */
  enqueue(change: ChangeEvent): void {
    if (this.random.chance(this.options.dropProbability)) {
      this.counters.increment('webhook.dropped', change.realmId);
      return;
    }
    this.pending.push({ change, eventId: randomUUID() });
    this.pendingSince ??= this.clock.now();
    setImmediate(() => void this.pump());
  }

  /** Events not yet delivered: waiting for the window, or behind a failed delivery. */
  backlog(): { pending: number; blockedDeliveryId?: string; nextAttemptAt?: number } {
    return {
      pending: this.pending.length + (this.blocked?.events.length ?? 0),
      ...(this.blocked ? { blockedDeliveryId: this.blocked.id, nextAttemptAt: this.blocked.nextAttemptAt } : {}),
    };
  }

  /** Delivers whatever is due; resolves when nothing due is left. Calls are serialised. */
  pump(): Promise<void> {
    this.running = this.running.then(() => this.deliverDue());
    return this.running;
  }

  /** Follows the wall clock in the standalone sandbox (tests drive `pump` through the clock instead). */
  startTicker(intervalMs = 100): void {
    this.ticker ??= setInterval(() => void this.pump(), intervalMs).unref();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  reset(): void {
    this.pending = [];
    this.pendingSince = undefined;
    this.blocked = undefined;
    this.attempts.length = 0;
  }

  private async deliverDue(): Promise<void> {
    for (;;) {
      const url = this.options.url;
      if (url === undefined) return;
      const now = this.clock.now();
      if (!this.blocked) {
        if (this.pendingSince === undefined || now < this.pendingSince + this.options.batchWindowMs) return;
        this.blocked = this.nextDelivery(now);
        if (!this.blocked) return;
      }
      const delivery = this.blocked;
      if (now < delivery.nextAttemptAt) return;
      const status = await this.attempt(url, delivery, false);
      if (status === 200 && this.random.chance(this.options.duplicateProbability)) {
        this.counters.increment('webhook.duplicated');
        await this.attempt(url, delivery, true);
      }
      if (status === 200) {
        this.counters.increment('webhook.delivered', '*', delivery.events.length);
        this.blocked = undefined;
        continue;
      }
      const schedule = this.options.retryScheduleMs;
      const wait = schedule[Math.min(delivery.attempts, schedule.length - 1)] ?? 0;
      delivery.nextAttemptAt = this.clock.now() + wait;
      this.counters.increment('webhook.failed_attempts');
      if (wait > 0) return;
    }
  }

  private nextDelivery(now: number): Delivery | undefined {
    const first = this.pending[0];
    if (!first) {
      this.pendingSince = undefined;
      return undefined;
    }
    const takeAll = this.options.format === 'cloudevents' && this.options.multiRealm;
    const chosen = takeAll
      ? this.pending
      : this.pending.filter((event) => event.change.realmId === first.change.realmId);
    this.pending = this.pending.filter((event) => !chosen.includes(event));
    this.pendingSince = this.pending.length > 0 ? now : undefined;
    const events = this.random.chance(this.options.reorderProbability) ? this.random.shuffle(chosen) : chosen;
    const cloud = this.options.format === 'cloudevents';
    return {
      id: randomUUID(),
      events,
      body: cloud ? cloudEventsBody(events, this.appSource) : legacyBody(events),
      contentType: cloud ? 'application/cloudevents+json' : 'application/json',
      attempts: 0,
      nextAttemptAt: now,
    };
  }

  private async attempt(url: string, delivery: Delivery, duplicate: boolean): Promise<number | undefined> {
    if (!duplicate) delivery.attempts += 1;
    const record: DeliveryAttempt = {
      deliveryId: delivery.id,
      attempt: delivery.attempts,
      at: this.clock.now(),
      eventIds: delivery.events.map((event) => event.eventId),
      duplicate,
    };
    this.attempts.push(record);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': delivery.contentType,
          'intuit-signature': signWebhookBody(delivery.body, this.options.verifierToken),
          'user-agent': 'Intuit-Webhooks-Sandbox/1.0',
        },
        body: delivery.body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.arrayBuffer();
      record.status = response.status;
      return response.status;
    } catch (error) {
      record.error = error instanceof Error ? error.name : 'error';
      return undefined;
    }
  }
}

export type { ChangeEvent };
