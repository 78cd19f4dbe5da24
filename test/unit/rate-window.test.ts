import fc from 'fast-check';
import { RateWindow } from '../../functions/shared/rate-window';

describe('RateWindow', () => {
  it('never lets more starts than the limit into any rolling window, with concurrent callers, in virtual time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 80 }), async (limit, callers) => {
        let now = 0;
        const window = new RateWindow(
          [{ limit, windowMs: 1000 }],
          () => now,
          async (ms) => {
            now += ms;
            await Promise.resolve();
          },
        );
        const starts: number[] = [];
        await Promise.all(
          Array.from({ length: callers }, async () => {
            starts.push(await window.acquire());
          }),
        );
        expect(starts).toHaveLength(callers);
        for (const start of starts)
          expect(starts.filter((s) => s > start - 1000 && s <= start).length).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 60 },
    );
  });

  it('honours every limit at once (per second and per minute)', async () => {
    let now = 0;
    const window = new RateWindow(
      [
        { limit: 8, windowMs: 1000 },
        { limit: 20, windowMs: 60_000 },
      ],
      () => now,
      (ms) => {
        now += ms;
        return Promise.resolve();
      },
    );
    for (let i = 0; i < 21; i++) await window.acquire();
    expect(now).toBeGreaterThanOrEqual(60_000);
  });
});
