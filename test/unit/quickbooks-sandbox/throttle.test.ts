import { RealmThrottle } from '../../../local/quickbooks/throttle';

describe("the QBO sandbox's per-company throttle", () => {
  it('refuses once a minute holds perMinute requests, and admits again as they age out', () => {
    const throttle = new RealmThrottle({ perSecond: 10, perMinute: 3 });
    expect([0, 2000, 4000, 6000].map((at) => throttle.admit('r1', at))).toEqual([true, true, true, false]);
    expect(throttle.admit('r2', 6000)).toBe(true);
    expect(throttle.admit('r1', 60_001)).toBe(true);
  });

  it('counts what other apps of the company spent against the same minute, for that company only', () => {
    const throttle = new RealmThrottle({ perSecond: 10, perMinute: 120 });
    throttle.spend('r1', 10_000, 120);
    expect(throttle.admit('r1', 12_000)).toBe(false);
    expect(throttle.admit('r2', 12_000)).toBe(true);
    expect(throttle.admit('r1', 70_001)).toBe(true);
  });
});
