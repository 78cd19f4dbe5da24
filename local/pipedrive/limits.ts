import { json, type SandboxResponse } from '../shared/http';
import type { BurstState } from './burst';
import type { ApiRoute, Principal, SandboxCore } from './core';
import { tokenCost } from './costs';
import { BURST_LIMIT, SEARCH_BURST_LIMIT } from './plans';
import { cloudflareBlockPage } from './responses';

export type Admission =
  { ok: true; cost: number; headers: Record<string, string> } | { ok: false; response: SandboxResponse };

/**
 * The limits every API request passes, in order: Cloudflare block, burst window (plus the Search
 * API window for search operations), daily token budget. An admitted request is charged its
 * `x-token-cost` whatever its outcome: whether failed requests cost tokens is undocumented, so the
 * sandbox takes the stricter view.
 */
export function admit(core: SandboxCore, principal: Principal, route: ApiRoute, now: number): Admission {
  const { burst, budget, escalation, counters, config } = core;
  const escalates = principal.kind === 'api_token';
  if (escalates && escalation.isBlocked(principal.key, now)) return { ok: false, response: blocked(core) };
  escalation.noteRequest(principal.key, now);

  const general = burst.peek(principal.key, BURST_LIMIT[principal.kind][config.plan], now);
  const search = route.search ? burst.peek(`search:${principal.key}`, SEARCH_BURST_LIMIT, now) : undefined;
  const violated = !general.allowed ? general : search && !search.allowed ? search : undefined;
  if (violated) {
    counters.increment('rate_limited', violated === general ? 'burst' : 'search_burst');
    return rejected(core, principal, now, violated.retryAt, burstTooMany(violated, now), escalates);
  }

  const cost = tokenCost(route);
  const affordable = budget.check(cost, now);
  if (!affordable.ok) {
    counters.increment('rate_limited', 'daily_budget');
    const response = json(
      429,
      { success: false, error: 'daily request budget exceeded', errorCode: 429 },
      { ...rateLimitHeaders(search ?? general), 'retry-after': String(affordable.retryAfterSeconds) },
    );
    return rejected(core, principal, now, affordable.retryAt, response, escalates);
  }

  const afterGeneral = burst.take(principal.key, general.limit, now);
  const afterSearch = route.search ? burst.take(`search:${principal.key}`, SEARCH_BURST_LIMIT, now) : undefined;
  budget.spend(cost, now);
  counters.increment('tokens', principal.kind, cost);
  // Search operations report the Search API window, the one that binds them (which window the live headers show is unverified).
  return { ok: true, cost, headers: rateLimitHeaders(afterSearch ?? afterGeneral) };
}

function rejected(
  core: SandboxCore,
  principal: Principal,
  now: number,
  retryAt: number,
  response: SandboxResponse,
  escalates: boolean,
): Admission {
  if (escalates && core.escalation.noteRateLimited(principal.key, now, retryAt)) {
    return { ok: false, response: blocked(core) };
  }
  core.counters.increment('responses_429');
  return { ok: false, response };
}

function blocked(core: SandboxCore): SandboxResponse {
  core.counters.increment('responses_403');
  const rayId = `${core.random.int(0x10000000, 0x7fffffff).toString(16)}${core.random.int(0x10000000, 0x7fffffff).toString(16)}`;
  return cloudflareBlockPage(`${rayId}-SBX`);
}

/** The burst 429 body is unverified; it follows the daily-budget body's layout with the status page's text. */
function burstTooMany(state: BurstState, now: number): SandboxResponse {
  const retryAfter = Math.max(1, Math.ceil((state.retryAt - now) / 1000));
  return json(
    429,
    { success: false, error: 'Rate limit has been exceeded', errorCode: 429 },
    { ...rateLimitHeaders(state), 'retry-after': String(retryAfter) },
  );
}

/** `x-ratelimit-*` describe the burst window only ([RL]); the reset is in seconds. */
export function rateLimitHeaders(state: BurstState): Record<string, string> {
  return {
    'x-ratelimit-limit': String(state.limit),
    'x-ratelimit-remaining': String(state.remaining),
    'x-ratelimit-reset': String(state.resetSeconds),
  };
}
