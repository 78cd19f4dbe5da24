import type { QuickBooksSandbox } from '../../../local/quickbooks';
import { accessToken, api, control, query, SANDBOX_EPOCH, startTestQuickBooks } from '../../helpers/quickbooks-sandbox';

type Customer = {
  Id: string;
  DisplayName: string;
  CompanyName?: string;
  GivenName?: string;
  Active: boolean;
  Job: boolean;
  Level?: number;
  ParentRef?: { value: string };
  Balance: number;
  BalanceWithJobs: number;
  SyncToken: string;
  SalesTermRef?: { value: string };
  PrimaryEmailAddr?: { Address: string };
  BillAddr?: Record<string, string>;
  MetaData: { CreateTime: string; LastUpdatedTime: string };
  V4IDPseudonym?: string;
};
type Invoice = { Id: string; Balance: number; DueDate: string; CustomerRef: { value: string } };

async function all<T>(sandbox: QuickBooksSandbox, token: string, entity: string, where = ''): Promise<T[]> {
  const out: T[] = [];
  for (let start = 1; ; start += 1000) {
    const result = await query(
      sandbox,
      token,
      `SELECT * FROM ${entity} ${where} STARTPOSITION ${start} MAXRESULTS 1000`,
    );
    const rows = (result.body as { QueryResponse: Record<string, T[] | undefined> }).QueryResponse[entity];
    if (!rows) return out;
    out.push(...rows);
  }
}

describe('QBO sandbox seeded data', () => {
  let sandbox: QuickBooksSandbox;
  let token: string;
  let customers: Customer[];
  beforeAll(async () => {
    sandbox = await startTestQuickBooks({ seed: { count: 400, seed: 42 } });
    token = await accessToken(sandbox);
    customers = await all<Customer>(sandbox, token, 'Customer', 'WHERE Active IN (true,false)');
  });
  afterAll(() => sandbox.close());

  it('seeds the requested number of customers with unique display names', () => {
    expect(customers).toHaveLength(400);
    expect(new Set(customers.map((c) => c.DisplayName.toLowerCase())).size).toBe(400);
  });

  it('is the same for the same seed', async () => {
    const again = await startTestQuickBooks({ seed: { count: 400, seed: 42 } });
    try {
      const rows = await all<Customer>(again, await accessToken(again), 'Customer', 'WHERE Active IN (true,false)');
      expect(rows).toEqual(customers);
    } finally {
      await again.close();
    }
  });

  it('covers the hard cases a connector meets', () => {
    const count = (predicate: (c: Customer) => boolean) => customers.filter(predicate).length;
    expect(count((c) => /[^ -~]/.test(c.DisplayName))).toBeGreaterThan(10);
    expect(count((c) => c.DisplayName.includes("'"))).toBeGreaterThan(5);
    expect(count((c) => (c.PrimaryEmailAddr?.Address ?? '').includes(','))).toBeGreaterThan(5);
    expect(count((c) => c.BillAddr?.Line5 !== undefined)).toBeGreaterThan(3);
    expect(count((c) => c.BillAddr?.Lat === 'INVALID')).toBeGreaterThan(5);
    expect(count((c) => c.BillAddr !== undefined && c.BillAddr.Country === undefined)).toBeGreaterThan(3);
    expect(customers.every((c) => c.BillAddr?.Country === undefined || /^[A-Z]{3}$/.test(c.BillAddr.Country))).toBe(
      true,
    );
    expect(count((c) => c.CompanyName === undefined && c.GivenName !== undefined)).toBeGreaterThan(20);
    expect(count((c) => c.Job && c.ParentRef !== undefined && (c.Level ?? 0) >= 1)).toBeGreaterThan(10);
    expect(count((c) => (c.Level ?? 0) >= 2)).toBeGreaterThan(0);
    expect(count((c) => !c.Active && c.DisplayName.endsWith(' (deleted)'))).toBeGreaterThan(5);
    expect(count((c) => c.SalesTermRef !== undefined)).toBeGreaterThan(200);
    expect(customers.every((c) => c.V4IDPseudonym !== undefined)).toBe(true);
  });

  it('keeps the books consistent: Balance is the sum of open invoices, BalanceWithJobs adds sub-customers', async () => {
    const invoices = await all<Invoice>(sandbox, token, 'Invoice');
    const open = new Map<string, number>();
    for (const invoice of invoices)
      open.set(invoice.CustomerRef.value, (open.get(invoice.CustomerRef.value) ?? 0) + invoice.Balance);
    for (const customer of customers) expect(customer.Balance).toBeCloseTo(open.get(customer.Id) ?? 0, 2);
    const byId = new Map(customers.map((c) => [c.Id, c]));
    const withJobs = new Map<string, number>();
    for (const customer of customers) {
      for (
        let node: Customer | undefined = customer;
        node;
        node = node.ParentRef ? byId.get(node.ParentRef.value) : undefined
      ) {
        withJobs.set(node.Id, (withJobs.get(node.Id) ?? 0) + customer.Balance);
      }
    }
    for (const customer of customers) expect(customer.BalanceWithJobs).toBeCloseTo(withJobs.get(customer.Id) ?? 0, 2);
    expect(customers.some((c) => c.Balance > 0)).toBe(true);
  });

  it('points every SalesTermRef at a Term that can be read', async () => {
    const terms = await all<{ Id: string; Name: string }>(sandbox, token, 'Term');
    expect(terms.map((t) => t.Name)).toEqual(expect.arrayContaining(['Net 30', 'Due on receipt']));
    const ids = new Set(terms.map((t) => t.Id));
    expect(customers.filter((c) => c.SalesTermRef).every((c) => ids.has(c.SalesTermRef?.value ?? ''))).toBe(true);
  });

  it('dates the seeded history in the past, in the company offset', () => {
    for (const customer of customers) {
      expect(Date.parse(customer.MetaData.LastUpdatedTime)).toBeLessThan(SANDBOX_EPOCH);
      expect(Date.parse(customer.MetaData.CreateTime)).toBeLessThanOrEqual(
        Date.parse(customer.MetaData.LastUpdatedTime),
      );
      expect(customer.MetaData.LastUpdatedTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-07:00$/);
    }
  });
});

describe('QBO sandbox books', () => {
  let sandbox: QuickBooksSandbox;
  let token: string;
  let realm: string;
  beforeEach(async () => {
    sandbox = await startTestQuickBooks();
    token = await accessToken(sandbox);
    realm = sandbox.describe().realmId;
  });
  afterEach(() => sandbox.close());

  const create = async (body: object) => {
    const result = await control(sandbox, 'POST', `/realms/${realm}/customers`, body);
    expect(result.status).toBe(200);
    return (result.body as { Customer: Customer }).Customer;
  };
  const read = async (id: string) =>
    ((await api(sandbox, token, `customer/${id}`)).body as { Customer: Customer }).Customer;
  const balances = async (id: string) =>
    (await control(sandbox, 'GET', `/realms/${realm}/customers/${id}/balances`)).body as {
      open: number;
      openWithJobs: number;
      overdue: number;
    };

  it('moves open and overdue balances with invoices and payments', async () => {
    const customer = await create({ DisplayName: 'Ledger Co' });
    await control(sandbox, 'POST', `/realms/${realm}/invoices`, {
      customerId: customer.Id,
      amount: 300,
      dueDate: '2026-07-10',
    });
    await control(sandbox, 'POST', `/realms/${realm}/invoices`, {
      customerId: customer.Id,
      amount: 200,
      dueDate: '2026-08-10',
    });
    expect(await balances(customer.Id)).toEqual({ open: 500, openWithJobs: 500, overdue: 0 });
    sandbox.clock.advance(15 * 86_400_000);
    expect((await balances(customer.Id)).overdue).toBe(300);
    await control(sandbox, 'POST', `/realms/${realm}/payments`, { customerId: customer.Id, amount: 350 });
    expect(await balances(customer.Id)).toEqual({ open: 150, openWithJobs: 150, overdue: 0 });
    token = await accessToken(sandbox);
    const invoices = await all<Invoice>(sandbox, token, 'Invoice', "WHERE Balance > '0'");
    expect(invoices.map((i) => i.Balance)).toEqual([150]);
  });

  it("rolls a sub-customer's balance up into its parent's BalanceWithJobs", async () => {
    const parent = await create({ DisplayName: 'Parent Co' });
    const child = await create({ DisplayName: 'Site A', ParentRef: { value: parent.Id } });
    expect(child).toMatchObject({ Job: true, Level: 1, FullyQualifiedName: 'Parent Co:Site A' });
    await control(sandbox, 'POST', `/realms/${realm}/invoices`, { customerId: child.Id, amount: 80 });
    expect(await read(parent.Id)).toMatchObject({ Balance: 0, BalanceWithJobs: 80 });
    expect(await read(child.Id)).toMatchObject({ Balance: 80, BalanceWithJobs: 80 });
  });

  it('leaves the customer SyncToken alone on a balance change by default, and stamps it when configured', async () => {
    const customer = await create({ DisplayName: 'Quiet Co' });
    await control(sandbox, 'POST', `/realms/${realm}/invoices`, { customerId: customer.Id, amount: 10 });
    expect(await read(customer.Id)).toMatchObject({ SyncToken: '0', Balance: 10 });
    await control(sandbox, 'PUT', '/ledger', { balanceChangeTouchesCustomer: true });
    sandbox.clock.advance(5000);
    await control(sandbox, 'POST', `/realms/${realm}/invoices`, { customerId: customer.Id, amount: 10 });
    const after = await read(customer.Id);
    expect(after).toMatchObject({ SyncToken: '1', Balance: 20 });
    expect(after.MetaData.LastUpdatedTime).not.toBe(customer.MetaData.LastUpdatedTime);
  });

  it('changes SyncToken and LastUpdatedTime on every update, keeping CreateTime', async () => {
    const customer = await create({ DisplayName: 'Change Co' });
    sandbox.clock.advance(61_000);
    await control(sandbox, 'PATCH', `/realms/${realm}/customers/${customer.Id}`, {
      PrimaryEmailAddr: { Address: 'a@change.example.com' },
    });
    const after = await read(customer.Id);
    expect(after.SyncToken).toBe('1');
    expect(after.MetaData.CreateTime).toBe(customer.MetaData.CreateTime);
    expect(Date.parse(after.MetaData.LastUpdatedTime) - Date.parse(customer.MetaData.LastUpdatedTime)).toBe(61_000);
  });

  it('applies QBO business rules to created customers', async () => {
    const colon = await control(sandbox, 'POST', `/realms/${realm}/customers`, { DisplayName: 'Bad: Name' });
    expect(colon.status).toBe(400);
    const email = await control(sandbox, 'POST', `/realms/${realm}/customers`, {
      DisplayName: 'Mail Co',
      PrimaryEmailAddr: { Address: 'nobody' },
    });
    expect(email.status).toBe(400);
    const unknown = await control(sandbox, 'POST', `/realms/${realm}/customers`, { DisplayName: 'X', Nickname: 'y' });
    expect(unknown.body).toMatchObject({ Fault: { Error: [{ code: '2010' }] } });
    const derived = await create({ GivenName: 'Zoë', FamilyName: "O'Neil" });
    expect(derived.DisplayName).toBe("Zoë O'Neil");
  });

  it('deactivates a customer as QBO does ("(deleted)" appended) and reactivates it', async () => {
    const customer = await create({ DisplayName: 'Gone Co' });
    await control(sandbox, 'POST', `/realms/${realm}/customers/${customer.Id}/deactivate`);
    expect(await read(customer.Id)).toMatchObject({ Active: false, DisplayName: 'Gone Co (deleted)' });
    await control(sandbox, 'POST', `/realms/${realm}/customers/${customer.Id}/reactivate`);
    expect(await read(customer.Id)).toMatchObject({ Active: true, DisplayName: 'Gone Co' });
  });

  it('merges a customer into another: transactions and balance move, the loser is gone', async () => {
    const loser = await create({ DisplayName: 'Loser Co' });
    const survivor = await create({ DisplayName: 'Survivor Co' });
    await control(sandbox, 'POST', `/realms/${realm}/invoices`, { customerId: loser.Id, amount: 70 });
    const merged = await control(sandbox, 'POST', `/realms/${realm}/customers/${loser.Id}/merge`, {
      into: survivor.Id,
    });
    expect(merged.status).toBe(200);
    expect(await read(survivor.Id)).toMatchObject({ Balance: 70 });
    expect((await api(sandbox, token, `customer/${loser.Id}`)).status).toBe(400);
    const invoices = await all<Invoice>(sandbox, token, 'Invoice');
    expect(invoices.map((i) => i.CustomerRef.value)).toEqual([survivor.Id]);
  });

  it('refuses to merge a customer into one of its own sub-customers, at any depth (no cycle in the tree)', async () => {
    const top = await create({ DisplayName: 'Top Co' });
    const job = await create({ DisplayName: 'Top Job', ParentRef: { value: top.Id } });
    const subJob = await create({ DisplayName: 'Top Sub Job', ParentRef: { value: job.Id } });
    for (const into of [job.Id, subJob.Id]) {
      const refused = await control(sandbox, 'POST', `/realms/${realm}/customers/${top.Id}/merge`, { into });
      expect(refused.status).toBe(400);
    }
    // Nothing moved: a payment on the sub-job still rolls up through its parents, and ends.
    await control(sandbox, 'POST', `/realms/${realm}/invoices`, { customerId: subJob.Id, amount: 30 });
    expect(await read(top.Id)).toMatchObject({ BalanceWithJobs: 30 });
    expect(await read(subJob.Id)).toMatchObject({ ParentRef: { value: job.Id } });
  });

  it("takes a merged sub-customer's balance out of its old parent and into the survivor's tree", async () => {
    const parent = await create({ DisplayName: 'Old Parent' });
    const child = await create({ DisplayName: 'Moving Job', ParentRef: { value: parent.Id } });
    const survivorParent = await create({ DisplayName: 'New Parent' });
    const survivor = await create({ DisplayName: 'Kept Job', ParentRef: { value: survivorParent.Id } });
    await control(sandbox, 'POST', `/realms/${realm}/invoices`, { customerId: child.Id, amount: 50 });
    expect(await read(parent.Id)).toMatchObject({ BalanceWithJobs: 50 });
    await control(sandbox, 'POST', `/realms/${realm}/customers/${child.Id}/merge`, { into: survivor.Id });
    expect(await read(parent.Id)).toMatchObject({ Balance: 0, BalanceWithJobs: 0 });
    expect(await read(survivor.Id)).toMatchObject({ Balance: 50, BalanceWithJobs: 50 });
    expect(await read(survivorParent.Id)).toMatchObject({ Balance: 0, BalanceWithJobs: 50 });
  });
});
