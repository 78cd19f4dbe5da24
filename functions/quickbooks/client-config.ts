import type { RateLimit } from '../shared/rate-window';

/** Where the client gets its bearer token; refreshing is single-flight across every process (see the token lifecycle). */
export interface AccessTokenSource {
  accessToken(): Promise<string>;
  /** Called after a 401 with the token that was refused; returns a token that is not that one. */
  refreshAfterRejection(rejected: string): Promise<string>;
}

/** The company-wide limiter every call passes (shared by all containers, decision 33). */
export interface QboCallGate {
  /** Resolves when a call may start, with what to call when it ends; throws a RateLimitedError rather than wait too long. */
  enter(): Promise<() => Promise<void>>;
  /** QBO answered 429: every caller of the company waits this long. */
  throttled(retryAfterMs: number): Promise<void>;
}

export interface QuickBooksClientConfig {
  apiBaseUrl: string;
  realmId: string;
  timeoutMs: number;
  /** FACTS §7: 75 is the floor and the default since Aug 2025; sent explicitly. */
  minorVersion?: number;
  /** Ids per `Id IN (…)` query. The IN-list limit is unverified; 100 keeps URLs and bodies small. */
  idsPerQuery?: number;
  /** In-flight calls per client (QBO allows 10 per realm and app). */
  maxConcurrent?: number;
  /** How long Term names are cached. */
  termCacheMs?: number;
  /** Paces calls under QBO's per-realm limits (10/s, 500/min); none when absent. */
  rateLimits?: readonly RateLimit[];
  /** The limiter shared with every other container; none when absent. */
  gate?: QboCallGate;
  /**
   * Waits out a 429 and repeats the call, this many times. The pacing is per container, so several
   * functions together can still pass QBO's 500/min: the scheduled poll and reconcile (which have
   * minutes to run) wait, while the worker (0, the default) hands its message back to the queue.
   */
  rateLimitedRetries?: { attempts: number; sleep: (ms: number) => Promise<void> };
}
