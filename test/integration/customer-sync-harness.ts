import { control } from '../helpers/quickbooks-sandbox';
import { type SyncHarness, startSyncHarness } from '../helpers/sync-harness';

export type Customer = { Id: string; MetaData: { LastUpdatedTime: string } } & Record<string, unknown>;

/**
 * A fresh sync harness (both sandboxes, DynamoDB Local) for each test of the describe it is called
 * in, and the shortcuts the CustomerSync tests share.
 */
export function useCustomerSyncHarness() {
  let h: SyncHarness | undefined;
  beforeEach(async () => {
    h = await startSyncHarness();
  });
  afterEach(() => h?.close());
  const harness = (): SyncHarness => {
    if (!h) throw new Error('the harness starts in beforeEach');
    return h;
  };
  const realm = () => harness().realmId;
  const create = async (body: object): Promise<Customer> => {
    const result = await control(harness().qboSandbox, 'POST', `/realms/${realm()}/customers`, body);
    if (result.status !== 200) throw new Error(JSON.stringify(result.body));
    return (result.body as { Customer: Customer }).Customer;
  };
  const liveOrgs = () => [...harness().pipedriveSandbox.store.organizations.values()].filter((o) => !o.is_deleted);
  const custom = (orgId: number, field: string) =>
    harness().pipedriveSandbox.store.organization(orgId)?.custom_fields[harness().fields.fieldKeys[field] ?? ''];
  const link = (id: string) => harness().links.get(realm(), id);

  async function sunnyCustomer(): Promise<Customer> {
    const term = harness().qboSandbox.state.ledger(realm()).createTerm({ Name: 'Net 30', DueDays: 30 });
    const customer = await create({
      DisplayName: "O'Brien's Café",
      CompanyName: "O'Brien's Café",
      GivenName: 'Siobhán',
      FamilyName: 'Ní Bhriain',
      PrimaryEmailAddr: { Address: 'siobhan@obriens.example.com, ap@obriens.example.com' },
      PrimaryPhone: { FreeFormNumber: '(555) 010-2030' },
      Mobile: { FreeFormNumber: '(555) 010-9999' },
      BillAddr: { Line1: '12 Harbour Rd', City: 'Dublin', PostalCode: 'D02 X285', Country: 'IRL', Lat: 'INVALID' },
      SalesTermRef: { value: typeof term.Id === 'string' ? term.Id : '' },
    });
    await control(harness().qboSandbox, 'POST', `/realms/${realm()}/invoices`, {
      customerId: customer.Id,
      amount: 1200,
      dueDate: '2026-06-01',
    });
    await control(harness().qboSandbox, 'POST', `/realms/${realm()}/invoices`, {
      customerId: customer.Id,
      amount: 300,
      dueDate: '2026-08-01',
    });
    return customer;
  }
  return { harness, realm, create, liveOrgs, custom, link, sunnyCustomer };
}
