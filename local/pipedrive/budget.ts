import { nextUtcMidnight, utcDay } from './time';

export type BudgetCheck = { ok: true } | { ok: false; retryAfterSeconds: number; retryAt: number };

/**
 * The company's daily token budget: one ledger shared by every token of the company ([RL], [OPT]).
 * It resets at midnight of the "server's timezone", which Pipedrive does not name; the sandbox uses UTC.
 */
export class DailyBudget {
  private readonly spentByDay = new Map<string, number>();

  constructor(private readonly limit: () => number) {}

  get dailyLimit(): number {
    return this.limit();
  }

  spentOn(day: string): number {
    return this.spentByDay.get(day) ?? 0;
  }

  spentToday(now: number): number {
    return this.spentOn(utcDay(now));
  }

  remaining(now: number): number {
    return Math.max(0, this.limit() - this.spentToday(now));
  }

  /** A request may run only if its whole cost fits in what is left today (no overdraft). */
  check(cost: number, now: number): BudgetCheck {
    if (this.spentToday(now) + cost <= this.limit()) return { ok: true };
    const retryAt = nextUtcMidnight(now);
    return { ok: false, retryAt, retryAfterSeconds: Math.ceil((retryAt - now) / 1000) };
  }

  spend(cost: number, now: number): void {
    const day = utcDay(now);
    this.spentByDay.set(day, this.spentOn(day) + cost);
  }

  /** Tokens spent per sandbox day, e.g. `{ "2026-01-05": 1234 }`. */
  ledger(): Record<string, number> {
    return Object.fromEntries(this.spentByDay);
  }

  reset(): void {
    this.spentByDay.clear();
  }
}
