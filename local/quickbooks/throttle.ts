export interface ThrottleLimits {
  /** FACTS §6.1: 10 requests per second per realm and app. */
  perSecond: number;
  /** FACTS §6.1: 500 requests per minute per realm. */
  perMinute: number;
}

/** Per-realm sliding windows over sandbox time; a request over either limit is refused and not counted. */
export class RealmThrottle {
  private readonly history = new Map<string, number[]>();

  constructor(public limits: ThrottleLimits | false) {}

  /** True when the request may proceed (and is recorded). */
  admit(realmId: string, now: number): boolean {
    if (this.limits === false) return true;
    const recent = (this.history.get(realmId) ?? []).filter((at) => at > now - 60_000);
    const lastSecond = recent.filter((at) => at > now - 1000).length;
    if (lastSecond >= this.limits.perSecond || recent.length >= this.limits.perMinute) {
      this.history.set(realmId, recent);
      return false;
    }
    recent.push(now);
    this.history.set(realmId, recent);
    return true;
  }

  /**
   * Records `count` requests at `now` that came from elsewhere: QBO's limits are per company and
   * shared with every other app connected to it, so a minute's allowance may be gone before we call.
   */
  spend(realmId: string, now: number, count: number): void {
    const recent = (this.history.get(realmId) ?? []).filter((at) => at > now - 60_000);
    for (let n = 0; n < count; n++) recent.push(now);
    this.history.set(realmId, recent);
  }

  reset(): void {
    this.history.clear();
  }
}
