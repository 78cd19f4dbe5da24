import { DailyBudget } from '../../local/pipedrive/budget';
import { BurstLimiter } from '../../local/pipedrive/burst';
import { Escalation } from '../../local/pipedrive/escalation';
import { keysetPage, offsetPage } from '../../local/pipedrive/pagination';
import { dailyTokenBudget } from '../../local/pipedrive/plans';
import { parseRfc3339, rfc3339 } from '../../local/pipedrive/time';

const T = Date.UTC(2026, 0, 5, 10);

describe('BurstLimiter', () => {
  it('admits `limit` requests per rolling 2 s per key and reports headers in seconds', () => {
    const burst = new BurstLimiter();
    for (let i = 0; i < 3; i++) expect(burst.take('k', 3, T + i * 500).allowed).toBe(true);
    const full = burst.take('k', 3, T + 1500);
    expect(full).toMatchObject({ allowed: false, remaining: 0, retryAt: T + 2000, resetSeconds: 1 });
    expect(burst.take('other', 3, T + 1500).allowed).toBe(true);
    expect(burst.take('k', 3, T + 2000)).toMatchObject({ allowed: true, remaining: 0 });
    // At T+3000 only the request of T+2000 is still inside the window.
    expect(burst.peek('k', 3, T + 3000)).toMatchObject({ allowed: true, remaining: 2 });
  });
});

describe('DailyBudget', () => {
  it('refuses a request whose cost does not fit and resets at UTC midnight', () => {
    const budget = new DailyBudget(() => 30);
    budget.spend(25, T);
    expect(budget.check(5, T)).toEqual({ ok: true });
    const refused = budget.check(6, T);
    expect(refused).toMatchObject({ ok: false, retryAt: Date.UTC(2026, 0, 6), retryAfterSeconds: 14 * 3600 });
    expect(budget.check(6, Date.UTC(2026, 0, 6))).toEqual({ ok: true });
    expect(budget.ledger()).toEqual({ '2026-01-05': 25 });
  });

  it('follows 30,000 × multiplier × seats', () => {
    expect(dailyTokenBudget('lite', 1)).toBe(30_000);
    expect(dailyTokenBudget('growth', 2)).toBe(120_000);
    expect(dailyTokenBudget('premium', 1)).toBe(150_000);
    expect(dailyTokenBudget('ultimate', 10)).toBe(2_100_000);
  });
});

describe('Escalation', () => {
  it('blocks after `threshold` requests inside open 429 windows and forgives a client that waited', () => {
    const escalation = new Escalation(() => ({ enabled: true, threshold: 2, blockSeconds: 10 }));
    expect(escalation.noteRateLimited('k', T, T + 2000)).toBe(false);
    expect(escalation.noteRateLimited('k', T + 100, T + 2000)).toBe(false);
    expect(escalation.noteRateLimited('k', T + 200, T + 2000)).toBe(true);
    expect(escalation.isBlocked('k', T + 10_199)).toBe(true);
    expect(escalation.isBlocked('k', T + 10_200)).toBe(false);

    const patient = new Escalation(() => ({ enabled: true, threshold: 2, blockSeconds: 10 }));
    for (let round = 0; round < 5; round++) {
      const now = T + round * 2000;
      patient.noteRequest('k', now);
      expect(patient.noteRateLimited('k', now, now + 2000)).toBe(false);
    }
  });
});

describe('pagination', () => {
  const items = Array.from({ length: 5 }, (_, i) => ({ id: i + 1, at: 100 - i }));

  it('keyset pages by (value, id) and returns null after the last page', () => {
    const sort = { field: 'update_time', direction: 'asc' as const, value: (item: { at: number }) => item.at };
    const first = keysetPage(items, sort, 2, undefined);
    if (!first.ok) throw new Error(first.problem);
    expect(first.page.items.map((item) => item.id)).toEqual([5, 4]);
    const second = keysetPage(items, sort, 3, first.page.nextCursor ?? undefined);
    if (!second.ok) throw new Error(second.problem);
    expect(second.page).toEqual({ items: [items[2], items[1], items[0]], nextCursor: null });
    // A cursor made for another sort is refused.
    expect(keysetPage(items, { ...sort, field: 'id' }, 2, first.page.nextCursor ?? undefined).ok).toBe(false);
  });

  it('offset pages for search results', () => {
    const page = offsetPage(items, 4, undefined);
    expect(page.ok && page.page.nextCursor).toBeTruthy();
    expect(offsetPage(items, 4, 'garbage').ok).toBe(false);
  });
});

describe('time', () => {
  it('formats RFC 3339 without milliseconds and refuses fractional seconds', () => {
    expect(rfc3339(T + 123)).toBe('2026-01-05T10:00:00Z');
    expect(parseRfc3339('2026-01-05T10:00:00Z')).toBe(T);
    expect(parseRfc3339('2026-01-05T12:00:00+02:00')).toBe(T);
    expect(parseRfc3339('2026-01-05T10:00:00.000Z')).toBeUndefined();
    expect(parseRfc3339('2026-01-05')).toBeUndefined();
  });
});
