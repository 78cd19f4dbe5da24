import { SandboxClock } from '../../local/shared/clock';
import { budgetDay, nextBudgetReset } from '../../functions/pipedrive/budget-day';
import {
  type BlockRegister,
  BudgetGovernor,
  type BudgetGovernorConfig,
  type TokenLedger,
} from '../../functions/pipedrive/budget-governor';
import { OPERATIONS, type PipedriveOperation } from '../../functions/pipedrive/operations';
import { HardStopError, RateLimitedError } from '../../functions/shared/errors';
import type { HttpResponse } from '../../functions/shared/http';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const WINDOW = 2000;

/** The company's ledger, in memory: a reservation never passes the limit. */
class MemoryLedger implements TokenLedger {
  readonly spent = new Map<string, number>();
  reserve(companyId: string, day: string, tokens: number, limit: number): Promise<boolean> {
    const key = `${companyId}/${day}`;
    const spent = this.spent.get(key) ?? 0;
    if (spent + tokens > limit) return Promise.resolve(false);
    this.spent.set(key, spent + tokens);
    return Promise.resolve(true);
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Sleeps in virtual time: to `now + ms`, after letting pending I/O and answers run. */
function virtualSleep(clock: SandboxClock) {
  return async (ms: number) => {
    const until = clock.now() + ms;
    await tick();
    if (clock.now() < until) clock.advance(until - clock.now());
  };
}

function reply(status = 200, headers: Record<string, string> = {}, text = '{"success":true,"data":{"id":1}}') {
  return { status, text, headers: new Headers({ 'content-type': 'application/json', ...headers }) };
}

/** Max requests any rolling window saw, counted at arrival. */
function maxPerWindow(arrivals: readonly number[]): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let max = 0;
  for (let end = 0, start = 0; end < sorted.length; end++) {
    while ((sorted[start] ?? 0) + WINDOW <= (sorted[end] ?? 0)) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

function setup(config: Partial<BudgetGovernorConfig> = {}) {
  const clock = new SandboxClock({ start: T0, scale: 0 });
  const ledger = new MemoryLedger();
  const sleeps: number[] = [];
  const sleep = virtualSleep(clock);
  const governor = new BudgetGovernor(
    { companyId: '7', plan: 'lite', seats: 1, auth: 'api-token', ...config },
    {
      ledger,
      now: () => clock.now(),
      sleep: (ms) => {
        sleeps.push(ms);
        return sleep(ms);
      },
    },
  );
  return { clock, ledger, governor, sleeps };
}

/**
 * A fake Pipedrive whose requests arrive some (virtual) time after they were sent and are answered
 * later still, while other callers move the clock: the case a limiter that counts sends gets wrong.
 */
function slowServer(clock: SandboxClock, seed = 1) {
  let state = seed;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  const arrivals: { time: number; operation: PipedriveOperation }[] = [];
  const send = (operation: PipedriveOperation) => async (): Promise<HttpResponse> => {
    for (let i = random(4); i > 0; i--) await tick();
    arrivals.push({ time: clock.now(), operation });
    for (let i = random(4); i > 0; i--) await tick();
    return reply();
  };
  return { arrivals, send };
}

describe('BudgetGovernor burst limiter', () => {
  it('never lets more than the plan limit arrive in any 2-second window under concurrent callers', async () => {
    const { clock, governor } = setup({ plan: 'lite' });
    const server = slowServer(clock);
    await Promise.all(
      Array.from({ length: 150 }, () =>
        governor.run(OPERATIONS.createOrganization, server.send(OPERATIONS.createOrganization)),
      ),
    );
    expect(server.arrivals).toHaveLength(150);
    expect(maxPerWindow(server.arrivals.map((a) => a.time))).toBeLessThanOrEqual(20);
    // Near the best possible pace: 150 requests at 20 per window need at least 7 more windows.
    expect(clock.now() - T0).toBeGreaterThanOrEqual(7 * WINDOW);
    expect(clock.now() - T0).toBeLessThan(12 * WINDOW);
  });

  it('uses the OAuth limit (×4) for OAuth tokens', async () => {
    const { clock, governor } = setup({ plan: 'lite', auth: 'oauth' });
    const server = slowServer(clock, 3);
    await Promise.all(
      Array.from({ length: 200 }, () =>
        governor.run(OPERATIONS.getOrganization, server.send(OPERATIONS.getOrganization)),
      ),
    );
    const times = server.arrivals.map((a) => a.time);
    expect(maxPerWindow(times)).toBeLessThanOrEqual(80);
    expect(maxPerWindow(times)).toBeGreaterThan(40);
  });

  it('keeps search operations within 10 per window while ordinary calls go on', async () => {
    const { clock, governor } = setup({ plan: 'growth' });
    const server = slowServer(clock, 2);
    const calls = Array.from({ length: 60 }, (_, i) =>
      i % 2 === 0 ? OPERATIONS.searchByField : OPERATIONS.getOrganization,
    ).map((operation) => governor.run(operation, server.send(operation)));
    await Promise.all(calls);
    const searches = server.arrivals.filter((a) => a.operation.search).map((a) => a.time);
    expect(searches).toHaveLength(30);
    expect(maxPerWindow(searches)).toBeLessThanOrEqual(10);
    expect(maxPerWindow(server.arrivals.map((a) => a.time))).toBeLessThanOrEqual(40);
  });

  it('waits for x-ratelimit-reset when Pipedrive says nothing remains in the window', async () => {
    const { clock, governor } = setup({ plan: 'growth' });
    const sent: number[] = [];
    const send = (headers: Record<string, string>) => () => {
      sent.push(clock.now());
      return Promise.resolve(reply(200, headers));
    };
    await governor.run(
      OPERATIONS.getOrganization,
      send({ 'x-ratelimit-limit': '40', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2' }),
    );
    await governor.run(OPERATIONS.getOrganization, send({}));
    expect((sent[1] ?? 0) - (sent[0] ?? 0)).toBeGreaterThanOrEqual(2000);
  });

  it('adopts a lower burst limit that Pipedrive reports', async () => {
    const { governor } = setup({ plan: 'growth' });
    expect(governor.burstLimit).toBe(40);
    await governor.run(OPERATIONS.getOrganization, () =>
      Promise.resolve(
        reply(200, { 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '19', 'x-ratelimit-reset': '2' }),
      ),
    );
    expect(governor.burstLimit).toBe(20);
  });
});

describe('BudgetGovernor and Pipedrive refusals', () => {
  it('a short 429 pauses every call for its retry-after, then calls resume', async () => {
    const { clock, governor } = setup();
    const first = await governor.run(OPERATIONS.getOrganization, () =>
      Promise.resolve(reply(429, { 'retry-after': '1' }, '{"success":false,"error":"Rate limit has been exceeded"}')),
    );
    expect(first.status).toBe(429);
    const pausedAt = clock.now();
    let sentAt = 0;
    await governor.run(OPERATIONS.getOrganization, () => {
      sentAt = clock.now();
      return Promise.resolve(reply());
    });
    expect(sentAt - pausedAt).toBeGreaterThanOrEqual(1000);
    expect(governor.stats.rateLimitedAnswers).toBe(1);
  });

  it('a long 429 (daily budget) fails further calls at once, without sending them', async () => {
    const { clock, governor } = setup();
    await governor.run(OPERATIONS.createOrganization, () =>
      Promise.resolve(
        reply(429, { 'retry-after': '3939' }, '{"success":false,"error":"daily request budget exceeded"}'),
      ),
    );
    clock.advance(939_000);
    const send = jest.fn(() => Promise.resolve(reply()));
    const error = await governor.run(OPERATIONS.getOrganization, send).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ code: 'paused', retryAfterMs: 3_000_000 });
    expect(send).not.toHaveBeenCalled();
  });

  it('a Cloudflare 403 page stops every call for an hour', async () => {
    const { clock, governor } = setup();
    await governor.run(OPERATIONS.getOrganization, () =>
      Promise.resolve({
        status: 403,
        text: '<!DOCTYPE html><title>Attention Required!</title>',
        headers: new Headers(),
      }),
    );
    const send = jest.fn(() => Promise.resolve(reply()));
    await expect(governor.run(OPERATIONS.getOrganization, send)).rejects.toBeInstanceOf(HardStopError);
    clock.advance(3_599_000);
    await expect(governor.run(OPERATIONS.getOrganization, send)).rejects.toMatchObject({ retryAfterMs: 1000 });
    expect(send).not.toHaveBeenCalled();
    clock.advance(1000);
    await governor.run(OPERATIONS.getOrganization, send);
    expect(send).toHaveBeenCalledTimes(1);
  });
});

describe('BudgetGovernor shared Cloudflare block', () => {
  /** The company's block as DynamoDB keeps it: only ever lengthened. */
  class MemoryBlocks implements BlockRegister {
    readonly until = new Map<string, number>();
    reads = 0;
    blockedUntil(companyId: string): Promise<number | undefined> {
      this.reads++;
      return Promise.resolve(this.until.get(companyId));
    }
    block(companyId: string, until: number): Promise<void> {
      this.until.set(companyId, Math.max(this.until.get(companyId) ?? 0, until));
      return Promise.resolve();
    }
  }
  const blockPage = () =>
    Promise.resolve({ status: 403, text: '<!DOCTYPE html><title>Attention Required!</title>', headers: new Headers() });

  it('a block met by one governor stops another of the same company, for the configured length, without a call', async () => {
    const clock = new SandboxClock({ start: T0, scale: 0 });
    const ledger = new MemoryLedger();
    const blocks = new MemoryBlocks();
    const governor = (companyId: string) =>
      new BudgetGovernor(
        { companyId, plan: 'lite', seats: 1, auth: 'api-token', hardStopMs: 20 * 60_000, blockRecheckMs: 0 },
        { ledger, blocks, now: () => clock.now(), sleep: virtualSleep(clock) },
      );
    await governor('7').run(OPERATIONS.getOrganization, blockPage);
    expect(blocks.until.get('7')).toBe(T0 + 20 * 60_000);
    // A client rebuilt after a reconnect, or in another container.
    const rebuilt = governor('7');
    const send = jest.fn(() => Promise.resolve(reply()));
    clock.advance(3.5 * 60_000);
    await expect(rebuilt.run(OPERATIONS.getOrganization, send)).rejects.toMatchObject({
      kind: 'hard-stop',
      retryAfterMs: 16.5 * 60_000,
    });
    // Another Pipedrive company is not blocked.
    await governor('8').run(OPERATIONS.getOrganization, send);
    expect(send).toHaveBeenCalledTimes(1);
    clock.advance(16.5 * 60_000);
    await rebuilt.run(OPERATIONS.getOrganization, send);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('re-reads the shared block at most every blockRecheckMs', async () => {
    const clock = new SandboxClock({ start: T0, scale: 0 });
    const blocks = new MemoryBlocks();
    const governor = new BudgetGovernor(
      { companyId: '7', plan: 'lite', seats: 1, auth: 'api-token', blockRecheckMs: 5000 },
      { ledger: new MemoryLedger(), blocks, now: () => clock.now(), sleep: virtualSleep(clock) },
    );
    const send = () => Promise.resolve(reply());
    for (let i = 0; i < 5; i++) await governor.run(OPERATIONS.getOrganization, send);
    expect(blocks.reads).toBe(1);
    await blocks.block('7', T0 + 3_600_000);
    clock.advance(5000);
    await expect(governor.run(OPERATIONS.getOrganization, send)).rejects.toBeInstanceOf(HardStopError);
    expect(blocks.reads).toBe(2);
  });
});

describe('BudgetGovernor daily budget', () => {
  it('spends at most the share of the daily budget, then refuses until the next UTC day without calling', async () => {
    const { clock, governor, ledger } = setup({ plan: 'lite', dailyTokenBudget: 200, budgetShare: 0.5 });
    expect(governor.dailyLimit).toBe(100);
    const send = jest.fn(() => Promise.resolve(reply()));
    for (let i = 0; i < 20; i++) await governor.run(OPERATIONS.createOrganization, send);
    const error = await governor.run(OPERATIONS.getOrganization, send).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ code: 'daily_share', retryAfterMs: 14 * 3_600_000 - (clock.now() - T0) });
    expect(send).toHaveBeenCalledTimes(20);
    expect(ledger.spent.get('7/2026-01-05')).toBe(100);
    expect(governor.stats).toMatchObject({ reservedTokens: 100, refusedCalls: 1 });
    // A new budget day: spending resumes.
    clock.set(Date.UTC(2026, 0, 6, 0, 0, 0));
    await governor.run(OPERATIONS.getOrganization, send);
    expect(ledger.spent.get('7/2026-01-06')).toBe(1);
  });

  it('derives the budget from plan and seats, with a 50 % share by default', () => {
    expect(setup({ plan: 'lite', seats: 1 }).governor.dailyLimit).toBe(15_000);
    expect(setup({ plan: 'growth', seats: 3 }).governor.dailyLimit).toBe(90_000);
    expect(setup({ plan: 'premium', seats: 2, budgetShare: 0.2 }).governor.dailyLimit).toBe(60_000);
    expect(setup({ plan: 'ultimate', seats: 1, budgetShare: 1 }).governor.dailyLimit).toBe(210_000);
    expect(() => setup({ budgetShare: 0 })).toThrow(RangeError);
    expect(() => setup({ budgetShare: 1.5 })).toThrow(RangeError);
  });

  it('refused calls give their burst slots back', async () => {
    const { governor, sleeps } = setup({ plan: 'lite', dailyTokenBudget: 10, budgetShare: 1 });
    const send = () => Promise.resolve(reply());
    await governor.run(OPERATIONS.listOrganizations, send);
    for (let i = 0; i < 50; i++) {
      await expect(governor.run(OPERATIONS.getOrganization, send)).rejects.toBeInstanceOf(RateLimitedError);
    }
    expect(sleeps).toEqual([]);
  });
});

describe('budget day', () => {
  it('is the UTC date, and resets at the next UTC midnight', () => {
    const lateUtc = Date.UTC(2026, 0, 5, 23, 30);
    expect(budgetDay(lateUtc)).toBe('2026-01-05');
    expect(nextBudgetReset(lateUtc)).toBe(Date.UTC(2026, 0, 6));
    expect(budgetDay(Date.UTC(2026, 0, 6))).toBe('2026-01-06');
    expect(nextBudgetReset(Date.UTC(2026, 0, 6))).toBe(Date.UTC(2026, 0, 7));
  });
});
