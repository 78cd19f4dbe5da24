import { SharedQboCallGate, QBO_HELD_CODE } from '../../functions/connections/qbo-call-gate';
import { RateLimitedError } from '../../functions/shared/errors';
import { QBO_SHARED_LIMITS, QboCallLimiter, type QboCallLimits } from '../../functions/store/qbo-call-limiter';
import type { Table } from '../../functions/store/table';
import { createTestTable, localDocumentClient } from '../helpers/dynamodb';

const T0 = Date.parse('2026-07-01T12:00:00Z');
let table: Table;
let realm = 0;
const nextRealm = () => `realm-${String(++realm)}`;

beforeAll(async () => {
  table = { client: localDocumentClient(), name: await createTestTable() };
});

/** The most admitted starts in any rolling window of `windowMs` ending at an admitted start. */
function busiestWindow(starts: readonly number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (const [index, end] of sorted.entries()) {
    const inWindow = sorted.slice(0, index + 1).filter((start) => start > end - windowMs).length;
    most = Math.max(most, inWindow);
  }
  return most;
}

/** Rounds of concurrent callers at one moment each, time moving forward `stepMs` a round; every slot freed at once. */
async function hammer(
  limiter: QboCallLimiter,
  realmId: string,
  rounds: number,
  callers: number,
  stepMs: number,
): Promise<number[]> {
  const admitted: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const now = T0 + round * stepMs;
    const answers = await Promise.all(Array.from({ length: callers }, () => limiter.admit(realmId, now)));
    for (const answer of answers) {
      if (!answer.admitted) continue;
      admitted.push(now);
      await answer.release();
    }
  }
  return admitted;
}

describe('QboCallLimiter (shared by every container through DynamoDB)', () => {
  it('stays within QBO’s documented per-company limits', () => {
    // FACTS §6.1: 10/s, 500/min, 10 concurrent per realm and app.
    const perSecond = QBO_SHARED_LIMITS.rates.find((rate) => rate.windowMs === 1000);
    const perMinute = QBO_SHARED_LIMITS.rates.find((rate) => rate.windowMs === 60_000);
    expect(perSecond?.limit).toBeLessThanOrEqual(10);
    expect(perMinute?.limit).toBeLessThanOrEqual(500);
    expect(QBO_SHARED_LIMITS.concurrent).toBeLessThanOrEqual(10);
  });

  it('never lets concurrent callers pass the per-second limit in any rolling second', async () => {
    const limiter = new QboCallLimiter(table, {
      rates: [{ limit: 8, windowMs: 1000, buckets: 4 }],
      concurrent: 50,
      slotLeaseMs: 60_000,
    });
    const admitted = await hammer(limiter, nextRealm(), 30, 10, 100);
    expect(busiestWindow(admitted, 1000)).toBeLessThanOrEqual(8);
    // 3 s of 10 callers every 100 ms: the limiter still lets most of its allowance through.
    expect(admitted.length).toBeGreaterThanOrEqual(16);
  }, 60_000);

  it('never lets concurrent callers pass the per-minute limit in any rolling minute', async () => {
    const limits: QboCallLimits = {
      rates: [{ limit: 30, windowMs: 60_000, buckets: 6 }],
      concurrent: 50,
      slotLeaseMs: 60_000,
    };
    const limiter = new QboCallLimiter(table, limits);
    const admitted = await hammer(limiter, nextRealm(), 70, 4, 2000);
    expect(busiestWindow(admitted, 60_000)).toBeLessThanOrEqual(30);
    expect(admitted.length).toBeGreaterThanOrEqual(60);
  }, 60_000);

  it('holds at most `concurrent` calls in flight; a freed or expired slot is taken again', async () => {
    const limiter = new QboCallLimiter(table, { rates: [], concurrent: 4, slotLeaseMs: 30_000 });
    const realmId = nextRealm();
    const answers = await Promise.all(Array.from({ length: 20 }, () => limiter.admit(realmId, T0)));
    const admitted = answers.filter((answer) => answer.admitted);
    expect(admitted).toHaveLength(4);
    expect((await limiter.admit(realmId, T0 + 1)).admitted).toBe(false);
    const first = admitted[0];
    if (first?.admitted) await first.release();
    expect((await limiter.admit(realmId, T0 + 2)).admitted).toBe(true);
    // Holders that died free their slots when their lease runs out.
    expect((await limiter.admit(realmId, T0 + 30_001)).admitted).toBe(true);
  }, 30_000);

  it('blocks every caller of the company after a 429 until QBO’s wait is over, and never shortens a block', async () => {
    const limiter = new QboCallLimiter(table);
    const realmId = nextRealm();
    const other = nextRealm();
    await limiter.block(realmId, T0 + 60_000, T0);
    await limiter.block(realmId, T0 + 5000, T0 + 1);
    expect(await limiter.admit(realmId, T0 + 10)).toEqual({ admitted: false, retryAtMs: T0 + 60_000 });
    expect((await limiter.admit(other, T0 + 10)).admitted).toBe(true);
    const after = await limiter.admit(realmId, T0 + 60_001);
    expect(after.admitted).toBe(true);
    expect(await limiter.blockedUntil(realmId)).toBe(T0 + 60_000);
  });
});

describe('SharedQboCallGate', () => {
  it('waits for a short refusal, and gives up with a RateLimitedError on a long one', async () => {
    const limiter = new QboCallLimiter(table);
    const realmId = nextRealm();
    let now = T0;
    const sleeps: number[] = [];
    const gate = new SharedQboCallGate(limiter, realmId, {
      maxWaitMs: 5000,
      throttleWaitScale: 1,
      now: () => now,
      sleep: (ms) => {
        sleeps.push(ms);
        now += ms;
        return Promise.resolve();
      },
    });
    await limiter.block(realmId, T0 + 2000, T0);
    const leave = await gate.enter();
    await leave();
    expect(sleeps).toEqual([2000]);

    await gate.throttled(60_000);
    const refused = await gate.enter().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ system: 'quickbooks', code: QBO_HELD_CODE });
    expect(await limiter.blockedUntil(realmId)).toBe(now + 60_000);
  });

  it('compresses the 429 block by the configured scale (the chaos run)', async () => {
    const limiter = new QboCallLimiter(table);
    const realmId = nextRealm();
    const gate = new SharedQboCallGate(limiter, realmId, { maxWaitMs: 5000, throttleWaitScale: 1 / 30, now: () => T0 });
    await gate.throttled(60_000);
    expect(await limiter.blockedUntil(realmId)).toBe(T0 + 2000);
  });
});
