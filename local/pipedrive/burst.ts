import { BURST_WINDOW_MS } from './plans';

export interface BurstState {
  allowed: boolean;
  limit: number;
  /** Requests left in the window after this one. */
  remaining: number;
  /** Whole seconds until the oldest request in the window leaves it (the `x-ratelimit-reset` value). */
  resetSeconds: number;
  /** When the next request would be allowed (only meaningful when not allowed). */
  retryAt: number;
}

/** Per-token request counts over a rolling 2-second window ([RL]); one log per key. */
export class BurstLimiter {
  private readonly logs = new Map<string, number[]>();

  /** Whether a request at `now` fits; records it when it does. */
  take(key: string, limit: number, now: number): BurstState {
    const log = this.window(key, now);
    const allowed = log.length < limit;
    if (allowed) log.push(now);
    return this.state(log, limit, now, allowed);
  }

  /** The state without recording a request. */
  peek(key: string, limit: number, now: number): BurstState {
    const log = this.window(key, now);
    return this.state(log, limit, now, log.length < limit);
  }

  /** Records a request that another check let through (the general window when search passed). */
  record(key: string, now: number): void {
    this.window(key, now).push(now);
  }

  reset(): void {
    this.logs.clear();
  }

  private window(key: string, now: number): number[] {
    let log = this.logs.get(key);
    if (!log) {
      log = [];
      this.logs.set(key, log);
    }
    // A request made at t counts while now < t + window.
    while (log.length > 0 && (log[0] ?? now) + BURST_WINDOW_MS <= now) log.shift();
    return log;
  }

  private state(log: readonly number[], limit: number, now: number, allowed: boolean): BurstState {
    const oldest = log[0];
    const retryAt = oldest === undefined ? now : oldest + BURST_WINDOW_MS;
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - log.length),
      resetSeconds: oldest === undefined ? 0 : Math.ceil((retryAt - now) / 1000),
      retryAt,
    };
  }
}
