import { setImmediate as tick } from 'node:timers/promises';
import { VirtualTime } from '../../bench/harness/virtual-time';
import { BudgetGovernor, type TokenLedger } from '../../functions/pipedrive/budget-governor';
import { OPERATIONS } from '../../functions/pipedrive/operations';
import { BURST_LIMIT, BURST_WINDOW_MS } from '../../functions/pipedrive/plans';
import type { HttpResponse } from '../../functions/shared/http';
import { SandboxClock } from '../../local/shared/clock';

/** The benchmark's clock (bench/harness/virtual-time.ts): sandbox time moves only by what the limits impose. */
const T0 = Date.parse('2026-07-01T00:00:00Z');

const unlimited: TokenLedger = { reserve: () => Promise.resolve(true) };

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** Lets the event loop turn a few times, as a slow answer takes real time while other callers run. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

describe('VirtualTime', () => {
  it('does not move the clock while a request is in flight: the answer comes back at the instant it was sent', async () => {
    const clock = new SandboxClock({ start: T0, scale: 0 });
    const time = new VirtualTime(clock);
    const answer = deferred();
    const tracked = time.fetch(async () => {
      await answer.promise;
      return new Response('{"ok":true}', { status: 201, headers: { 'x-test': 'kept' } });
    });
    const request = tracked('http://sandbox.test/').then(async (response) => ({
      at: clock.now(),
      status: response.status,
      header: response.headers.get('x-test'),
      body: await response.text(),
    }));
    const woke = time.sleep(2000).then(() => clock.now());
    await turns(5);
    expect(clock.now()).toBe(T0);
    answer.resolve();
    expect(await request).toEqual({ at: T0, status: 201, header: 'kept', body: '{"ok":true}' });
    expect(await woke).toBe(T0 + 2000);
  });

  it('wakes concurrent waits at their own times, earliest first, without adding them up', async () => {
    const clock = new SandboxClock({ start: T0, scale: 0 });
    const time = new VirtualTime(clock);
    const woken: [string, number][] = [];
    const wait = (name: string, ms: number) => time.sleep(ms).then(() => woken.push([name, clock.now() - T0]));
    await Promise.all([wait('late', 2000), wait('early', 1500), wait('same', 2000), wait('none', 0)]);
    expect(woken).toEqual([
      ['none', 0],
      ['early', 1500],
      ['late', 2000],
      ['same', 2000],
    ]);
  });

  it('turns the governor’s burst window over every 2 s, however a slow answer interleaves with another caller’s wait', async () => {
    const clock = new SandboxClock({ start: T0, scale: 0 });
    const time = new VirtualTime(clock);
    const limit = BURST_LIMIT['api-token'].growth;
    const governor = new BudgetGovernor(
      { companyId: '7', plan: 'growth', seats: 1, auth: 'api-token', budgetShare: 1 },
      { ledger: unlimited, now: () => clock.now(), sleep: time.sleep },
    );
    // Pipedrive as the sandbox answers: arrivals counted in a rolling 2 s window, `x-ratelimit-*` describing it.
    const arrivals: number[] = [];
    const slowAnswer = deferred();
    const pipedrive = time.fetch(async () => {
      const now = clock.now();
      while ((arrivals[0] ?? now) + BURST_WINDOW_MS <= now) arrivals.shift();
      arrivals.push(now);
      const oldest = arrivals[0] ?? now;
      const headers = {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(0, limit - arrivals.length)),
        'x-ratelimit-reset': String(Math.ceil((oldest + BURST_WINDOW_MS - now) / 1000)),
      };
      // The window's last request is answered slowly: the next caller is already waiting for a slot.
      if (arrivals.length === limit) await slowAnswer.promise;
      return new Response('{"success":true,"data":{"id":1}}', { status: 200, headers });
    });
    const send = async (): Promise<HttpResponse> => {
      const response = await pipedrive('http://sandbox.test/api/v2/organizations/1');
      return { status: response.status, headers: response.headers, text: await response.text() };
    };
    const calls = Array.from({ length: 2 * limit }, () => governor.run(OPERATIONS.getOrganization, send));
    await turns(10);
    slowAnswer.resolve();
    await Promise.all(calls);
    // Two full windows: the second starts 2 s after the first, not 2 s after the slow answer was read.
    expect(clock.now() - T0).toBe(BURST_WINDOW_MS);
  });
});
