import { BUDGET_EXHAUSTED_CODE, HardStopError, RateLimitedError } from '../shared/errors';
import type { HttpResponse } from '../shared/http';
import { type Log, silentLog } from '../shared/log';
import { budgetDay, nextBudgetReset } from './budget-day';
import { type BurstSlot, BurstWindow } from './burst-window';
import type { RequestGate } from './client';
import { HARD_STOP_DEFAULT_MS, isHtml, rateLimitResetMs, rateLimitWaitMs, retryAfterMs } from './faults';
import type { PipedriveOperation } from './operations';
import {
  BURST_LIMIT,
  BURST_WINDOW_MS,
  connectorShare,
  dailyTokenBudget,
  type PipedriveAuthKind,
  type PipedrivePlan,
  SEARCH_BURST_LIMIT,
} from './plans';

/** The shared daily ledger (`BudgetLedger` in DynamoDB): a reservation never takes the total past `limit`. */
export interface TokenLedger {
  reserve(
    companyId: string,
    day: string,
    tokens: number,
    limit: number,
    now: number,
    realmId?: string,
  ): Promise<boolean>;
}

/**
 * The company's Cloudflare block, shared by every container (`PipedriveBlockStore` in DynamoDB): a
 * client built after a reconnect, or in a new container, stops as the one that was blocked did.
 */
export interface BlockRegister {
  blockedUntil(companyId: string): Promise<number | undefined>;
  block(companyId: string, until: number, now: number): Promise<void>;
}

export interface BudgetGovernorConfig {
  /** The Pipedrive company whose budget every connection and container shares. */
  companyId: string;
  /** The QBO company this client writes for: its part of the shared spend is recorded (decision 37). */
  realmId?: string;
  plan: PipedrivePlan;
  seats: number;
  /** Which burst limit applies: the token's kind. */
  auth: PipedriveAuthKind;
  /** Share of the company's daily budget the connector may spend (the rest is for people and other integrations). Default 0.5. */
  budgetShare?: number;
  /** Overrides 30,000 × plan multiplier × seats (e.g. with purchased top-ups). */
  dailyTokenBudget?: number;
  /** How long a Cloudflare 403 stops every call. Default 1 h. */
  hardStopMs?: number;
  /** How long a read of the shared block is trusted before it is read again. Default 5 s. */
  blockRecheckMs?: number;
}

export interface BudgetGovernorDeps {
  ledger: TokenLedger;
  /** The shared block; without it the block lives in this process only (tests of the burst logic). */
  blocks?: BlockRegister;
  now?: () => number;
  /** Waits for burst slots; tests pass one that moves a virtual clock. */
  sleep?: (ms: number) => Promise<void>;
  log?: Log;
}

export interface GovernorStats {
  reservedTokens: number;
  /** Calls refused because the day's share was used up (Pipedrive never saw them). */
  refusedCalls: number;
  rateLimitedAnswers: number;
  hardStops: number;
  /** Time spent waiting for burst slots and short pauses. */
  waitedMs: number;
}

export const DEFAULT_BUDGET_SHARE = 0.5;
/** The longest the governor sleeps for a 429 pause before failing the call instead. */
const MAX_WAIT_MS = 10_000;
const DEFAULT_BLOCK_RECHECK_MS = 5_000;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function intHeader(response: HttpResponse, name: string): number | undefined {
  const value = response.headers.get(name);
  return value !== null && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

/**
 * Decides when a Pipedrive call may go out, for one token of one company:
 * 1. the burst limit: at most the plan's requests per rolling 2 s (and 10 for search), waiting for a
 *    slot, and waiting out `x-ratelimit-reset` when Pipedrive says `x-ratelimit-remaining: 0`;
 * 2. the daily budget: the call's `x-token-cost` is reserved in the company's DynamoDB ledger
 *    against `budget × share` before it is sent; when it does not fit, the call is refused with a
 *    RateLimitedError until the next budget day and Pipedrive never sees it;
 * 3. Pipedrive's own refusals: a 429 pauses every call for its `retry-after`; a Cloudflare 403 page
 *    stops every call to the company for `hardStopMs`.
 * Burst windows and pauses live in this process; the daily ledger and the Cloudflare block are shared
 * by every container (the block is re-read at most every `blockRecheckMs`).
 * Reserved tokens are not given back when a call fails: whether failed calls cost tokens is
 * unverified, so the ledger errs on the side of having spent them.
 */
export class BudgetGovernor implements RequestGate {
  /** Tokens per budget day the connector may spend in this company. */
  readonly dailyLimit: number;
  readonly stats: GovernorStats = {
    reservedTokens: 0,
    refusedCalls: 0,
    rateLimitedAnswers: 0,
    hardStops: 0,
    waitedMs: 0,
  };
  private readonly general: BurstWindow;
  private readonly searches: BurstWindow;
  private readonly hardStopMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly log: Log;
  private pausedUntil = 0;
  private stoppedUntil = 0;
  private blockReadAt = Number.NEGATIVE_INFINITY;
  private blockRead: Promise<void> | undefined;
  private completionWaiters: (() => void)[] = [];

  constructor(
    private readonly config: BudgetGovernorConfig,
    private readonly deps: BudgetGovernorDeps,
  ) {
    const share = config.budgetShare ?? DEFAULT_BUDGET_SHARE;
    if (!(share > 0 && share <= 1)) throw new RangeError('budgetShare must be in (0, 1]');
    this.dailyLimit = connectorShare(config.dailyTokenBudget ?? dailyTokenBudget(config.plan, config.seats), share);
    this.general = new BurstWindow(BURST_LIMIT[config.auth][config.plan], BURST_WINDOW_MS);
    this.searches = new BurstWindow(SEARCH_BURST_LIMIT, BURST_WINDOW_MS);
    this.hardStopMs = config.hardStopMs ?? HARD_STOP_DEFAULT_MS;
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? realSleep;
    this.log = deps.log ?? silentLog;
  }

  /** The burst limit in force for ordinary calls (lowered when Pipedrive reports a lower one). */
  get burstLimit(): number {
    return this.general.limit;
  }

  async run(operation: PipedriveOperation, send: () => Promise<HttpResponse>): Promise<HttpResponse> {
    const slots = await this.acquire(operation);
    try {
      await this.reserve(operation);
    } catch (error) {
      // Nothing was sent, so the slots were never used.
      for (const slot of slots) slot.cancel();
      this.wakeWaiters();
      throw error;
    }
    let response: HttpResponse;
    try {
      response = await send();
    } finally {
      const now = this.now();
      for (const slot of slots) slot.release(now);
      this.wakeWaiters();
    }
    await this.observe(operation, response);
    return response;
  }

  /** Learns a block another container (or an earlier client) recorded; one read at a time. */
  private async readSharedBlock(now: number): Promise<void> {
    const { blocks } = this.deps;
    if (!blocks || now - this.blockReadAt < (this.config.blockRecheckMs ?? DEFAULT_BLOCK_RECHECK_MS)) return;
    this.blockRead ??= blocks
      .blockedUntil(this.config.companyId)
      .then((until) => {
        this.stoppedUntil = Math.max(this.stoppedUntil, until ?? 0);
        this.blockReadAt = now;
      })
      .finally(() => {
        this.blockRead = undefined;
      });
    await this.blockRead;
  }

  /** Throws when calls are stopped, or paused for longer than the governor will wait. */
  private checkStops(now: number): void {
    if (this.stoppedUntil > now) {
      const until = new Date(this.stoppedUntil).toISOString();
      throw new HardStopError(`Pipedrive blocked the connector (Cloudflare page); calls are stopped until ${until}`, {
        system: 'pipedrive',
        code: 'cloudflare_block',
        retryAfterMs: this.stoppedUntil - now,
      });
    }
    const pausedMs = this.pausedUntil - now;
    if (pausedMs > MAX_WAIT_MS) {
      throw new RateLimitedError('Pipedrive rate-limited the connector; calls are paused', {
        system: 'pipedrive',
        code: 'paused',
        retryAfterMs: pausedMs,
      });
    }
  }

  private async acquire(operation: PipedriveOperation): Promise<BurstSlot[]> {
    const windows = operation.search ? [this.general, this.searches] : [this.general];
    for (;;) {
      await this.readSharedBlock(this.now());
      const now = this.now();
      this.checkStops(now);
      let waitMs = Math.max(0, this.pausedUntil - now);
      let needsCompletion = false;
      for (const window of windows) {
        const wait = window.wait(now);
        waitMs = Math.max(waitMs, wait.ms);
        needsCompletion ||= wait.needsCompletion;
      }
      if (waitMs > 0) {
        this.stats.waitedMs += waitMs;
        await this.sleep(waitMs);
      } else if (needsCompletion) {
        await new Promise<void>((resolve) => this.completionWaiters.push(resolve));
      } else {
        return windows.map((window) => window.take());
      }
    }
  }

  private async reserve(operation: PipedriveOperation): Promise<void> {
    const now = this.now();
    const day = budgetDay(now);
    const reserved = await this.deps.ledger.reserve(
      this.config.companyId,
      day,
      operation.cost,
      this.dailyLimit,
      now,
      this.config.realmId,
    );
    if (reserved) {
      this.stats.reservedTokens += operation.cost;
      return;
    }
    this.stats.refusedCalls++;
    throw new RateLimitedError(`The connector's share of the Pipedrive token budget for ${day} is used up`, {
      system: 'pipedrive',
      code: BUDGET_EXHAUSTED_CODE,
      retryAfterMs: Math.max(1, nextBudgetReset(now) - now),
    });
  }

  private wakeWaiters(): void {
    for (const wake of this.completionWaiters.splice(0)) wake();
  }

  /** Learns from the answer: 429 pauses, a Cloudflare page stops, the `x-ratelimit-*` headers block a full window. */
  private async observe(operation: PipedriveOperation, response: HttpResponse): Promise<void> {
    const now = this.now();
    if (response.status === 429) {
      const waitMs = rateLimitWaitMs(response);
      this.stats.rateLimitedAnswers++;
      this.pausedUntil = Math.max(this.pausedUntil, now + waitMs);
      this.log.warn('Pipedrive answered 429; pausing calls', { operation: operation.name, waitMs });
      return;
    }
    if (response.status === 403 && isHtml(response)) {
      const waitMs = Math.max(this.hardStopMs, retryAfterMs(response, now) ?? 0);
      this.stats.hardStops++;
      this.stoppedUntil = Math.max(this.stoppedUntil, now + waitMs);
      this.log.error('Pipedrive blocked the connector (Cloudflare 403); stopping calls', { waitMs });
      // Every other container and client of the company stops too. Failing to record it must not hide the 403.
      await this.deps.blocks?.block(this.config.companyId, this.stoppedUntil, now).catch((error: unknown) => {
        this.log.error('the Pipedrive block could not be shared', {
          error: error instanceof Error ? error.message : 'unknown',
        });
      });
      return;
    }
    this.observeRateLimitHeaders(operation, response, now);
  }

  private observeRateLimitHeaders(operation: PipedriveOperation, response: HttpResponse, now: number): void {
    const remaining = intHeader(response, 'x-ratelimit-remaining');
    const limit = intHeader(response, 'x-ratelimit-limit');
    // A lower limit than configured (plan misconfigured, or downgraded) wins. For search answers it is
    // unverified which window the headers describe, so only ordinary answers adjust the limit.
    if (!operation.search && limit !== undefined && limit > 0 && limit < this.general.limit) {
      this.log.info('Pipedrive reports a lower burst limit than configured', { configured: this.general.limit, limit });
      this.general.limit = limit;
    }
    if (remaining === undefined || remaining > 0) return;
    const windows = operation.search ? [this.general, this.searches] : [this.general];
    const described = windows.filter((window) => window.limit === limit);
    // A reset of 0 or none: wait a whole window, the safe reading.
    const resetMs = rateLimitResetMs(response) || BURST_WINDOW_MS;
    for (const window of described.length > 0 ? described : windows) window.blockUntil(now + resetMs);
  }
}
