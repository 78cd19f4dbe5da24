import { startupTimeoutMs, waitUntilReady } from '../../../local/shared/startup-wait';

describe('emulator start-up waits', () => {
  it('wait longer on a loaded machine, up to six times, unless told how long', () => {
    expect(startupTimeoutMs(60_000, {}, { average: 0.5, cores: 2 })).toBe(60_000);
    expect(startupTimeoutMs(60_000, {}, { average: 6, cores: 2 })).toBe(180_000);
    expect(startupTimeoutMs(60_000, {}, { average: 40, cores: 2 })).toBe(360_000);
    expect(startupTimeoutMs(60_000, { ML_CONNECTOR_STARTUP_TIMEOUT_MS: '5000' }, { average: 40, cores: 2 })).toBe(5000);
  });

  it('report progress while waiting and say what they waited for when they give up', async () => {
    let now = 0;
    const lines: string[] = [];
    const waiting = waitUntilReady({
      what: 'DynamoDB Local to answer HTTP on http://127.0.0.1:1',
      ready: () => Promise.resolve(false),
      timeoutMs: 25_000,
      progress: (line) => lines.push(line),
      now: () => now,
      sleep: (ms) => {
        now += ms;
        return Promise.resolve();
      },
    });
    await expect(waiting).rejects.toThrow(
      /Waited 25 s for DynamoDB Local to answer HTTP on http:\/\/127\.0\.0\.1:1; .*ML_CONNECTOR_STARTUP_TIMEOUT_MS/,
    );
    expect(lines).toEqual([
      'still waiting for DynamoDB Local to answer HTTP on http://127.0.0.1:1 (10 s so far)',
      'still waiting for DynamoDB Local to answer HTTP on http://127.0.0.1:1 (20 s so far)',
    ]);
  });

  it('end as soon as the emulator is ready', async () => {
    let probes = 0;
    await waitUntilReady({
      what: 'x',
      ready: () => Promise.resolve(++probes === 3),
      timeoutMs: 60_000,
      sleep: () => Promise.resolve(),
    });
    expect(probes).toBe(3);
  });
});
