import type { QuickBooksSandbox } from '../../local/quickbooks';
import { QuickBooksClient } from '../../functions/quickbooks/client';
import type { AccessTokenSource } from '../../functions/quickbooks/client-config';
import { AuthError, PermanentError, RateLimitedError, TransientError } from '../../functions/shared/errors';
import { accessToken, control, SANDBOX_EPOCH, startTestQuickBooks } from '../helpers/quickbooks-sandbox';

/** Tokens straight from the sandbox's control API; counts refreshes. */
class SandboxTokens implements AccessTokenSource {
  refreshes = 0;
  constructor(
    private readonly sandbox: QuickBooksSandbox,
    private token: string,
  ) {}
  accessToken(): Promise<string> {
    return Promise.resolve(this.token);
  }
  async refreshAfterRejection(): Promise<string> {
    this.refreshes++;
    this.token = await accessToken(this.sandbox);
    return this.token;
  }
}

describe('QuickBooksClient against the QBO sandbox', () => {
  let sandbox: QuickBooksSandbox;
  let tokens: SandboxTokens;
  let client: QuickBooksClient;
  let realm: string;
  const urls: string[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    urls.push(input instanceof Request ? input.url : input.toString());
    if (!init?.signal) throw new Error('every call must carry a timeout signal');
    return fetch(input, init);
  };

  beforeEach(async () => {
    sandbox = await startTestQuickBooks({ seed: { reference: 'customers' } });
    realm = sandbox.describe().realmId;
    tokens = new SandboxTokens(sandbox, await accessToken(sandbox));
    // The sandbox runs in this process: on a loaded machine its answer waits for CPU, which no test here measures.
    client = new QuickBooksClient(
      { apiBaseUrl: sandbox.url, realmId: realm, timeoutMs: 20_000, idsPerQuery: 100 },
      tokens,
      recordingFetch,
      () => sandbox.clock.now(),
    );
    urls.length = 0;
  });
  afterEach(() => sandbox.close());

  it('reads customers by id, inactive ones included, in one query per 100 ids, with minorversion=75', async () => {
    await control(sandbox, 'POST', `/realms/${realm}/customers/5/deactivate`);
    const ids = ['5', '6', '1', '999', ...Array.from({ length: 150 }, (_, i) => String(1000 + i))];
    const result = await client.readCustomers(ids);
    expect(result.customers.map((c) => c.Id).sort()).toEqual(['1', '5', '6']);
    expect(result.customers.find((c) => c.Id === '5')).toMatchObject({
      Active: false,
      DisplayName: 'Dukes Basketball Camp (deleted)',
    });
    expect(result.missing).toHaveLength(151);
    expect(urls).toHaveLength(2);
    expect(urls.every((url) => new URL(url).searchParams.get('minorversion') === '75')).toBe(true);
    expect(new URL(urls[0] ?? '').searchParams.get('query')).toContain('AND Active IN (true,false)');
    expect(urls[0]).toContain('%20');
  });

  it("parses leniently: Lat 'INVALID' and unknown fields pass, a record without a DisplayName is reported, not thrown", async () => {
    sandbox.state.requireCompany(realm).putVerbatim('Customer', {
      Id: '500',
      SyncToken: '0',
      MetaData: { LastUpdatedTime: '2026-07-01T05:00:00-07:00' },
      Active: true,
      FullyQualifiedName: 'zzz',
    });
    const result = await client.readCustomers(['1', '500']);
    expect(result.customers.map((c) => c.Id)).toEqual(['1']);
    expect(result.customers[0]?.BillAddr?.Lat).toBe('INVALID');
    expect(result.invalid).toEqual([{ id: '500', problems: [expect.stringContaining('DisplayName') as unknown] }]);
  });

  it('pages through every customer a thousand at a time', async () => {
    await control(sandbox, 'POST', `/realms/${realm}/seed`, { count: 2100, seed: 5 });
    let total = 0;
    let pages = 0;
    for await (const page of client.customerPages()) {
      total += page.customers.length + page.invalid.length;
      pages++;
    }
    expect(total).toBe(2141);
    expect(pages).toBe(3);
    expect(await client.countCustomers()).toBe(2141);
    // 4 s idle; parsing 2,141 records in the sandbox's process and the test's took over 30 s at load 10.
  }, 90_000);

  it('reads CDC changes: customers, deleted ids, invoices and payments, and flags an entity at the cap', async () => {
    const since = new Date(sandbox.clock.now()).toISOString();
    sandbox.clock.advance(1000);
    await control(sandbox, 'POST', `/realms/${realm}/invoices`, { customerId: '1', amount: 20 });
    await control(sandbox, 'POST', `/realms/${realm}/customers/6/merge`, { into: '4' });
    await control(sandbox, 'PATCH', `/realms/${realm}/customers/2`, { Notes: 'changed' });
    const changes = await client.changes(since);
    expect(changes.customers.map((c) => c.Id).sort()).toEqual(['2', '4']);
    expect(changes.deletedCustomerIds).toEqual(['6']);
    expect(changes.invoices.map((i) => i.CustomerRef.value)).toEqual(['1']);
    expect(changes.capped).toEqual([]);
    expect(changes.time).toMatch(/-07:00$/);

    for (let i = 0; i < 1000; i++) sandbox.state.ledger(realm).createCustomer({ DisplayName: `Bulk ${i}` });
    expect((await client.changes(since)).capped).toEqual(['Customer']);
  });

  it('finds the customers behind invoices and payments, and overdue balances from open invoices', async () => {
    const invoice = (
      await control(sandbox, 'POST', `/realms/${realm}/invoices`, {
        customerId: '3',
        amount: 100,
        dueDate: '2026-06-01',
      })
    ).body as { Invoice: { Id: string } };
    await control(sandbox, 'POST', `/realms/${realm}/invoices`, { customerId: '3', amount: 40, dueDate: '2026-12-01' });
    await control(sandbox, 'POST', `/realms/${realm}/invoices`, {
      customerId: '4',
      amount: 7.5,
      dueDate: '2026-01-01',
    });
    const payment = (await control(sandbox, 'POST', `/realms/${realm}/payments`, { customerId: '4', amount: 2.5 }))
      .body as { Payment: { Id: string } };
    expect(await client.customersOf('Invoice', [invoice.Invoice.Id])).toEqual(new Map([[invoice.Invoice.Id, '3']]));
    expect(await client.customersOf('Payment', [payment.Payment.Id])).toEqual(new Map([[payment.Payment.Id, '4']]));
    const overdue = await client.overdueBalances(['3', '4', '5'], new Date(SANDBOX_EPOCH).toISOString().slice(0, 10));
    expect(overdue).toEqual(
      new Map([
        ['3', 100],
        ['4', 5],
        ['5', 0],
      ]),
    );
  });

  it('caches term names', async () => {
    sandbox.state.ledger(realm).createTerm({ Name: 'Net 45', DueDays: 45 });
    const first = await client.termNames();
    const second = await client.termNames();
    expect([...first.values()]).toEqual(['Net 45']);
    expect(second).toBe(first);
    expect(urls).toHaveLength(1);
  });

  it('refreshes once on a 401 and retries; a second 401 right after the refresh is transient, not a lockout', async () => {
    await control(sandbox, 'POST', '/oauth/expire-access-tokens');
    expect((await client.readCustomers(['1'])).customers).toHaveLength(1);
    expect(tokens.refreshes).toBe(1);

    await control(sandbox, 'POST', '/faults', {
      path: '/query$',
      status: 401,
      body: { fault: { error: [{ message: 'x', code: '3200' }], type: 'AUTHENTICATION' } },
      count: 2,
    });
    const error = await client.readCustomers(['1']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(AuthError);
    expect(tokens.refreshes).toBe(2);
  });

  it('turns throttling into a rate-limited error of at least 60 s, keeping intuit-tid', async () => {
    await control(sandbox, 'PUT', '/throttle', { perSecond: 1, perMinute: 500 });
    await client.countCustomers();
    const error = await client.countCustomers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(60_000);
    expect((error as RateLimitedError).requestId).toMatch(/^1-/);
  });

  it('waits out a 429 and repeats the call when told to (the scheduled functions), a bounded number of times', async () => {
    const waits: number[] = [];
    const patient = new QuickBooksClient(
      {
        apiBaseUrl: sandbox.url,
        realmId: realm,
        timeoutMs: 20_000,
        rateLimitedRetries: {
          attempts: 2,
          sleep: (ms) => {
            waits.push(ms);
            return Promise.resolve();
          },
        },
      },
      tokens,
    );
    await control(sandbox, 'POST', '/faults', { path: '/query$', status: 429, body: 'Throttled', count: 2 });
    expect(await patient.countCustomers()).toBeGreaterThan(0);
    expect(waits).toEqual([60_000, 60_000]);
    await control(sandbox, 'POST', '/faults', { path: '/query$', status: 429, body: 'Throttled', count: 3 });
    await expect(patient.countCustomers()).rejects.toBeInstanceOf(RateLimitedError);
    // Without the option (the worker) the first 429 goes back to the queue at once.
    await control(sandbox, 'DELETE', '/faults');
    await control(sandbox, 'POST', '/faults', { path: '/query$', status: 429, body: 'Throttled', count: 1 });
    await expect(client.countCustomers()).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('turns 5xx, resets and timeouts into transient errors, and a Fault in a 200 into a permanent one', async () => {
    await control(sandbox, 'POST', '/faults', {
      path: '/query$',
      status: 502,
      body: '<html>Bad gateway</html>',
      count: 1,
    });
    await expect(client.countCustomers()).rejects.toBeInstanceOf(TransientError);
    await control(sandbox, 'POST', '/faults', { path: '/query$', reset: true, count: 1 });
    await expect(client.countCustomers()).rejects.toBeInstanceOf(TransientError);
    const slow = new QuickBooksClient({ apiBaseUrl: sandbox.url, realmId: realm, timeoutMs: 100 }, tokens);
    await control(sandbox, 'POST', '/faults', { path: '/query$', latencyMs: 500, count: 1 });
    await expect(slow.countCustomers()).rejects.toThrow(/did not answer within 100 ms/);
    await control(sandbox, 'POST', '/faults', {
      path: '/query$',
      status: 200,
      body: { Fault: { Error: [{ Message: 'Stale', code: '5010' }], type: 'ValidationFault' } },
      count: 1,
    });
    await expect(client.countCustomers()).rejects.toBeInstanceOf(PermanentError);
  });

  it('reports the company name for ping', async () => {
    expect(await client.companyInfo()).toEqual({ companyName: 'Sandbox Company_US_1', country: 'US' });
  });
});
