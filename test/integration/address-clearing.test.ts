import { control } from '../helpers/quickbooks-sandbox';
import { type SyncHarness, startSyncHarness } from '../helpers/sync-harness';

/** Decision 43: an address removed in QBO is cleared in Pipedrive with a spec-valid body, never `address: null`. */
describe('an address removed in QuickBooks', () => {
  let h: SyncHarness;
  beforeEach(async () => {
    h = await startSyncHarness();
  });
  afterEach(() => h.close());

  it('is cleared in Pipedrive with { value: "" }, and no body carries a null address or address part', async () => {
    const bodies: unknown[] = [];
    h.pipedriveSandbox.onExchange(({ request }) => {
      if (request.path.startsWith('/api/v2/organizations') && request.rawBody.length > 0)
        bodies.push(JSON.parse(request.rawBody.toString('utf8')));
    });
    const result = await control(h.qboSandbox, 'POST', `/realms/${h.realmId}/customers`, {
      DisplayName: 'Moving Co',
      BillAddr: { Line1: '1 Main St', City: 'Springfield', Country: 'USA' },
    });
    const customer = (result.body as { Customer: { Id: string } }).Customer;
    await h.run([h.message(customer.Id)]);
    const orgId = h.pipedriveSandbox.store.organizations.size;
    expect(h.pipedriveSandbox.store.organization(orgId)?.address).toMatchObject({
      value: '1 Main St, Springfield, United States',
      route: 'Main St',
      street_number: '1',
      subpremise: null,
    });

    await control(h.qboSandbox, 'PATCH', `/realms/${h.realmId}/customers/${customer.Id}`, { BillAddr: { Line1: '' } });
    const [updated] = await h.run([h.message(customer.Id)]);
    expect(updated).toMatchObject({ action: 'updated' });
    expect(h.pipedriveSandbox.store.organization(orgId)?.address).toBeNull();

    expect(bodies.map((body) => (body as { address?: unknown }).address)).toEqual([
      {
        value: '1 Main St, Springfield, United States',
        street_number: '1',
        route: 'Main St',
        locality: 'Springfield',
        country: 'United States',
      },
      { value: '' },
    ]);
  });
});
