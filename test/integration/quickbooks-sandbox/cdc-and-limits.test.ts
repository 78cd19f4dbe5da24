import type { QuickBooksSandbox } from '../../../local/quickbooks';
import { accessToken, api, call, control, query, startTestQuickBooks } from '../../helpers/quickbooks-sandbox';

type CdcBody = { CDCResponse: { QueryResponse: Record<string, unknown>[] }[]; time: string };
type CdcCustomer = { Id: string; status?: string; Active?: boolean; SyncToken?: string };

describe('QBO sandbox CDC', () => {
  let sandbox: QuickBooksSandbox;
  let token: string;
  let realm: string;
  beforeEach(async () => {
    sandbox = await startTestQuickBooks({ seed: { count: 30, seed: 11 } });
    token = await accessToken(sandbox);
    realm = sandbox.describe().realmId;
  });
  afterEach(() => sandbox.close());

  const cdc = async (entities: string, since: number) => {
    const result = await api(
      sandbox,
      token,
      `cdc?entities=${entities}&changedSince=${encodeURIComponent(new Date(since).toISOString())}&minorversion=75`,
    );
    return result;
  };
  const customersOf = (body: unknown) =>
    ((body as CdcBody).CDCResponse[0]?.QueryResponse[0]?.Customer ?? []) as CdcCustomer[];

  it('returns full records changed since the cursor, including deactivated and merged-away customers', async () => {
    const since = sandbox.clock.now();
    sandbox.clock.advance(60_000);
    const created = (
      await control(sandbox, 'POST', `/realms/${realm}/customers`, { DisplayName: 'Fresh Co', CompanyName: 'Fresh Co' })
    ).body as { Customer: { Id: string } };
    const other = (await control(sandbox, 'POST', `/realms/${realm}/customers`, { DisplayName: 'Other Co' })).body as {
      Customer: { Id: string };
    };
    await control(sandbox, 'POST', `/realms/${realm}/customers/${created.Customer.Id}/deactivate`);
    const survivor = (await control(sandbox, 'POST', `/realms/${realm}/customers`, { DisplayName: 'Survivor Co' }))
      .body as { Customer: { Id: string } };
    const merge = await control(sandbox, 'POST', `/realms/${realm}/customers/${other.Customer.Id}/merge`, {
      into: survivor.Customer.Id,
    });
    expect(merge.status).toBe(200);

    const result = await cdc('Customer,Invoice', since);
    expect(result.status).toBe(200);
    const customers = customersOf(result.body);
    const fresh = customers.find((c) => c.Id === created.Customer.Id);
    expect(fresh).toMatchObject({ Active: false, SyncToken: '1', CompanyName: 'Fresh Co' });
    expect(customers.find((c) => c.Id === other.Customer.Id)).toEqual({
      domain: 'QBO',
      status: 'Deleted',
      Id: other.Customer.Id,
      MetaData: { LastUpdatedTime: expect.any(String) as unknown },
    });
    expect(customers.find((c) => c.Id === survivor.Customer.Id)).toMatchObject({ SyncToken: '1' });
    // Invoice had no changes: an empty object in its place.
    expect((result.body as CdcBody).CDCResponse[0]?.QueryResponse[1]).toEqual({});
    expect((result.body as CdcBody).time).toMatch(/-07:00$/);
  });

  it('leaves out what changed before changedSince', async () => {
    const before = sandbox.clock.now();
    await control(sandbox, 'POST', `/realms/${realm}/customers`, { DisplayName: 'Early Co' });
    sandbox.clock.advance(5_000);
    const since = sandbox.clock.now();
    await control(sandbox, 'POST', `/realms/${realm}/customers`, { DisplayName: 'Late Co' });
    expect(
      customersOf((await cdc('Customer', since)).body).map((c) => (c as { DisplayName?: string }).DisplayName),
    ).toEqual(['Late Co']);
    expect(customersOf((await cdc('Customer', before)).body)).toHaveLength(2);
  });

  it('refuses a changedSince more than 30 days back', async () => {
    const result = await cdc('Customer', sandbox.clock.now() - 31 * 86_400_000);
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ Fault: { type: 'ValidationFault' } });
    expect((await cdc('Customer', sandbox.clock.now() - 29 * 86_400_000)).status).toBe(200);
  });

  it('caps each entity at 1,000 objects, oldest first', async () => {
    const since = sandbox.clock.now();
    for (let i = 0; i < 1005; i++) {
      sandbox.state.ledger(realm).createCustomer({ DisplayName: `Bulk ${i}` });
      sandbox.clock.advance(1000);
    }
    const customers = customersOf((await cdc('Customer', since)).body) as unknown as { DisplayName: string }[];
    expect(customers).toHaveLength(1000);
    expect(customers[0]?.DisplayName).toBe('Bulk 0');
    expect(customers[999]?.DisplayName).toBe('Bulk 999');
  });
});

describe('QBO sandbox limits, faults and counters', () => {
  let sandbox: QuickBooksSandbox;
  let token: string;
  beforeEach(async () => {
    sandbox = await startTestQuickBooks({ throttle: { perSecond: 10, perMinute: 500 } });
    token = await accessToken(sandbox);
  });
  afterEach(() => sandbox.close());

  const count = () => query(sandbox, token, 'SELECT COUNT(*) FROM Customer');

  it('throttles the 11th request within a second of sandbox time, and lets requests through a second later', async () => {
    const statuses = await Promise.all(Array.from({ length: 11 }, () => count()).map(async (p) => (await p).status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    sandbox.clock.advance(1000);
    expect((await count()).status).toBe(200);
  });

  it('throttles past 500 requests a minute, per realm', async () => {
    let throttled = 0;
    for (let i = 0; i < 510; i++) {
      if ((await count()).status === 429) throttled++;
      sandbox.clock.advance(110);
    }
    expect(throttled).toBe(10);
    const other = (await control(sandbox, 'POST', '/realms', { companyName: 'Other' })).body as { realmId: string };
    const otherToken = await accessToken(sandbox, other.realmId);
    expect((await query(sandbox, otherToken, 'SELECT COUNT(*) FROM Customer', other.realmId)).status).toBe(200);
    sandbox.clock.advance(60_000);
    expect((await count()).status).toBe(200);
  });

  it('injects a fault for a number of matching requests, then answers normally', async () => {
    await control(sandbox, 'POST', '/faults', { path: '/query$', status: 503, body: 'Service Unavailable', count: 2 });
    expect((await count()).status).toBe(503);
    expect((await count()).status).toBe(503);
    expect((await count()).status).toBe(200);
  });

  it('injects a connection reset', async () => {
    await control(sandbox, 'POST', '/faults', { path: '/query$', reset: true, count: 1 });
    await expect(count()).rejects.toThrow();
    expect((await count()).status).toBe(200);
  });

  it('injects latency that a client timeout notices', async () => {
    await control(sandbox, 'POST', '/faults', { path: '/query$', latencyMs: 300, count: 1 });
    await expect(
      call(`${sandbox.url}/v3/company/${sandbox.describe().realmId}/query?query=x`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow();
  });

  it('injects faults with a probability, reproducibly for a fault seed', async () => {
    const run = async () => {
      await control(sandbox, 'POST', '/reset');
      await control(sandbox, 'PUT', '/throttle', { enabled: false });
      const fresh = await accessToken(sandbox);
      await control(sandbox, 'POST', '/faults', { path: '/query$', status: 500, probability: 0.3 });
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) statuses.push((await query(sandbox, fresh, 'SELECT COUNT(*) FROM Customer')).status);
      return statuses;
    };
    const first = await run();
    const failures = first.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(30);
    expect(await run()).toEqual(first);
  });

  it('counts calls per endpoint and realm, and throttled and unauthorized calls separately', async () => {
    const realm = sandbox.describe().realmId;
    await count();
    await api(sandbox, token, 'customer/1');
    await api(sandbox, 'not-a-token', 'customer/1');
    const counters = (await control(sandbox, 'GET', '/counters')).body as Record<string, Record<string, number>>;
    expect(counters['api GET query']?.[realm]).toBe(1);
    expect(counters['api GET read']?.[realm]).toBe(2);
    expect(counters['qbo.requests']?.[realm]).toBe(2);
    expect(counters['qbo.unauthorized']?.[realm]).toBe(1);
  });
});
