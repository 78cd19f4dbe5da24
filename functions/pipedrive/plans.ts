/** Pipedrive's token-based plans and the limits that follow from them (FACTS §5, [RL]). */
export type PipedrivePlan = 'lite' | 'growth' | 'premium' | 'ultimate';
export type PipedriveAuthKind = 'api-token' | 'oauth';

/** Daily budget = 30,000 × plan multiplier × seats (plus purchased top-ups, which only the operator knows). */
export const BASE_DAILY_TOKENS = 30_000;
export const PLAN_MULTIPLIER: Readonly<Record<PipedrivePlan, number>> = { lite: 1, growth: 2, premium: 5, ultimate: 7 };

/** Burst limits count requests per token over a rolling 2-second window. */
export const BURST_WINDOW_MS = 2_000;
export const BURST_LIMIT: Readonly<Record<PipedriveAuthKind, Readonly<Record<PipedrivePlan, number>>>> = {
  'api-token': { lite: 20, growth: 40, premium: 100, ultimate: 120 },
  oauth: { lite: 80, growth: 160, premium: 400, ultimate: 480 },
};
/** The Search API has its own limit, the same on every plan and auth type. */
export const SEARCH_BURST_LIMIT = 10;

export function dailyTokenBudget(plan: PipedrivePlan, seats: number): number {
  return BASE_DAILY_TOKENS * PLAN_MULTIPLIER[plan] * seats;
}

/** The tokens a day the connector may spend: its share (0–1] of the company's daily budget. */
export function connectorShare(dailyBudget: number, share: number): number {
  return Math.floor(dailyBudget * share);
}
