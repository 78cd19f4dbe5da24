import { startPipedriveSandbox } from '../../../local/pipedrive';
import { startQuickBooksSandbox } from '../../../local/quickbooks';

/** The sandboxes' optional latency, and the batch limits QBO documents (FACTS §5, §6.1). */

it('answers after the configured latency on both sandboxes, and at once when it is turned off', async () => {
  const qbo = await startQuickBooksSandbox({ seed: false });
  const pipedrive = await startPipedriveSandbox();
  try {
    const timed = async (url: string) => {
      const started = performance.now();
      await fetch(url);
      return performance.now() - started;
    };
    const qboApi = `${qbo.url}/v3/company/${qbo.describe().realmId}/companyinfo/1`;
    const pipedriveApi = `${pipedrive.url}/api/v2/organizations`;
    for (const control of [`${qbo.url}/_sandbox/latency`, `${pipedrive.url}/_sandbox/latency`]) {
      const set = await fetch(control, { method: 'PUT', body: JSON.stringify({ minMs: 250, maxMs: 260 }) });
      expect(set.status).toBe(200);
    }
    expect(await timed(qboApi)).toBeGreaterThanOrEqual(245);
    expect(await timed(pipedriveApi)).toBeGreaterThanOrEqual(245);
    // The control API itself is never delayed.
    expect(await timed(`${qbo.url}/_sandbox/latency`)).toBeLessThan(245);
    for (const control of [`${qbo.url}/_sandbox/latency`, `${pipedrive.url}/_sandbox/latency`]) {
      await fetch(control, { method: 'PUT', body: JSON.stringify({ enabled: false }) });
    }
    expect(qbo.latency.nextDelayMs()).toBe(0);
    expect(pipedrive.latency.nextDelayMs()).toBe(0);
  } finally {
    await Promise.all([qbo.close(), pipedrive.close()]);
  }
});

it('refuses a batch of more than 30 items and the 41st batch call of a minute', async () => {
  const qbo = await startQuickBooksSandbox({ seed: false, throttle: false });
  try {
    const { realmId } = qbo.describe();
    const { access_token: token } = qbo.state.oauth.issueForRealm(realmId);
    const batch = (items: number) =>
      fetch(`${qbo.url}/v3/company/${realmId}/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          BatchItemRequest: Array.from({ length: items }, (_, index) => ({
            bId: `b${index}`,
            Query: 'select * from Term',
          })),
        }),
      });
    const tooMany = await batch(31);
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ Fault: { type: 'ValidationFault', Error: [{ code: '2010' }] } });
    expect(tooMany.headers.get('intuit_tid')).toBe(tooMany.headers.get('intuit-tid'));

    const statuses: number[] = [];
    // The refused batch was a batch call too: 39 more fill the minute's 40.
    for (let call = 0; call < 39; call++) statuses.push((await batch(1)).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const throttled = await batch(1);
    expect(throttled.status).toBe(429);
    // A minute later the window has room again.
    qbo.clock.advance(60_001);
    expect((await batch(30)).status).toBe(200);
  } finally {
    await qbo.close();
  }
});
