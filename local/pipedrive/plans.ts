import * as z from 'zod';

/** Pipedrive subscription plans (the current, token-based ones). */
export const Plan = z.enum(['lite', 'growth', 'premium', 'ultimate']);
export type Plan = z.infer<typeof Plan>;

/** Daily token budget = 30,000 × multiplier × seats (FACTS §5, [RL]). */
export const BASE_DAILY_TOKENS = 30_000;
export const PLAN_MULTIPLIER: Readonly<Record<Plan, number>> = { lite: 1, growth: 2, premium: 5, ultimate: 7 };

export type AuthKind = 'api_token' | 'oauth';

/** Requests per rolling 2-second window, per token (FACTS §5 burst table). */
export const BURST_WINDOW_MS = 2_000;
export const BURST_LIMIT: Readonly<Record<AuthKind, Readonly<Record<Plan, number>>>> = {
  api_token: { lite: 20, growth: 40, premium: 100, ultimate: 120 },
  oauth: { lite: 80, growth: 160, premium: 400, ultimate: 480 },
};
/** The Search API has its own limit on every plan and auth type. */
export const SEARCH_BURST_LIMIT = 10;

/** Custom fields per company (FACTS §3, [USAGE]); exceeding it is a 403. */
export const CUSTOM_FIELD_LIMIT: Readonly<Record<Plan, number>> = {
  lite: 30,
  growth: 100,
  premium: 300,
  ultimate: 500,
};

/** `visible_to` values each plan accepts (FACTS §2). */
export const VISIBLE_TO: Readonly<Record<Plan, readonly number[]>> = {
  lite: [1, 3],
  growth: [1, 3],
  premium: [1, 3, 5, 7],
  ultimate: [1, 3, 5, 7],
};
/** The "entire company" value each plan uses as its default visibility. */
export const DEFAULT_VISIBLE_TO: Readonly<Record<Plan, number>> = { lite: 3, growth: 3, premium: 7, ultimate: 7 };

export function dailyTokenBudget(plan: Plan, seats: number): number {
  return BASE_DAILY_TOKENS * PLAN_MULTIPLIER[plan] * seats;
}
