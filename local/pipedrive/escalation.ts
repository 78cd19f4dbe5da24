interface TokenStrikes {
  /** Until when the last 429 told the client to wait. */
  retryAt: number;
  /** Requests that arrived before `retryAt` of an earlier 429. */
  strikes: number;
  blockedUntil: number;
}

export interface EscalationSettings {
  enabled: boolean;
  threshold: number;
  blockSeconds: number;
}

/**
 * Cloudflare's answer to clients that keep sending after 429s: a 403 HTML page ([RL]). A strike is
 * a request that arrives while an earlier 429's retry-after is still running; after `threshold`
 * strikes the token is blocked. A request after the wait ended clears the strikes.
 */
export class Escalation {
  private readonly tokens = new Map<string, TokenStrikes>();

  constructor(private readonly settings: () => EscalationSettings) {}

  isBlocked(key: string, now: number): boolean {
    const state = this.tokens.get(key);
    return state !== undefined && state.blockedUntil > now;
  }

  /** Called for every request that reached the limit checks; forgets strikes once the client waited. */
  noteRequest(key: string, now: number): void {
    const state = this.tokens.get(key);
    if (state && now >= state.retryAt && state.blockedUntil <= now) state.strikes = 0;
  }

  /** Called when the token gets a 429; returns true when this request must instead be blocked. */
  noteRateLimited(key: string, now: number, retryAt: number): boolean {
    const settings = this.settings();
    const state = this.tokens.get(key) ?? { retryAt: 0, strikes: 0, blockedUntil: 0 };
    this.tokens.set(key, state);
    if (now < state.retryAt) state.strikes += 1;
    state.retryAt = Math.max(state.retryAt, retryAt);
    if (!settings.enabled || state.strikes < settings.threshold) return false;
    state.blockedUntil = now + settings.blockSeconds * 1000;
    return true;
  }

  reset(): void {
    this.tokens.clear();
  }
}
