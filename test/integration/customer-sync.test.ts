import { RateLimitedError, TransientError } from '../../functions/shared/errors';
import { control } from '../helpers/quickbooks-sandbox';
import { type SyncHarness, startSyncHarness } from '../helpers/sync-harness';

type Customer = { Id: string; MetaData: { LastUpdatedTime: string } } & Record<string, unknown>;

describe('CustomerSync against both sandboxes and DynamoDB Local', () => {
  let h: SyncHarness;
  beforeEach(async () => {
    h = await startSyncHarness();
  });
  afterEach(() => h.close());

  const realm = () => h.realmId;
  const create = async (body: object): Promise<Customer> => {
    const result = await control(h.qboSandbox, 'POST', `/realms/${realm()}/customers`, body);
    if (result.status !== 200) throw new Error(JSON.stringify(result.body));
    return (result.body as { Customer: Customer }).Customer;
  };
  const liveOrgs = () => [...h.pipedriveSandbox.store.organizations.values()].filter((o) => !o.is_deleted);
  const custom = (orgId: number, field: string) =>
    h.pipedriveSandbox.store.organization(orgId)?.custom_fields[h.fields.fieldKeys[field] ?? ''];
  const link = (id: string) => h.links.get(realm(), id);

  async function sunnyCustomer(): Promise<Customer> {
    const term = h.qboSandbox.state.ledger(realm()).createTerm({ Name: 'Net 30', DueDays: 30 });
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
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/invoices`, {
      customerId: customer.Id,
      amount: 1200,
      dueDate: '2026-06-01',
    });
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/invoices`, {
      customerId: customer.Id,
      amount: 300,
      dueDate: '2026-08-01',
    });
    return customer;
  }

  it('creates an organization with every mapped field and a linked person', async () => {
    const customer = await sunnyCustomer();
    const [result] = await h.run([h.message(customer.Id)]);
    expect(result).toMatchObject({ action: 'created', qboId: customer.Id });
    expect(result?.tokens).toBeGreaterThan(0);
    const [org] = liveOrgs();
    expect(org).toMatchObject({
      name: "O'Brien's Café",
      address: {
        value: '12 Harbour Rd, Dublin, D02 X285, Ireland',
        street_number: '12',
        route: 'Harbour Rd',
        locality: 'Dublin',
        postal_code: 'D02 X285',
        country: 'Ireland',
      },
    });
    const orgId = org?.id ?? 0;
    expect(custom(orgId, 'quickbooksId')).toBe(`${realm()}:${customer.Id}`);
    expect(custom(orgId, 'openBalance')).toEqual({ value: 1500, currency: 'USD' });
    expect(custom(orgId, 'overdueBalance')).toEqual({ value: 1200, currency: 'USD' });
    expect(custom(orgId, 'paymentTerms')).toBe('Net 30');
    expect(custom(orgId, 'quickbooksStatus')).toBe(h.fields.fieldOptions.quickbooksStatus?.Active);
    expect(custom(orgId, 'quickbooksLink')).toBe(
      `https://app.sandbox.qbo.intuit.com/app/customerdetail?nameId=${customer.Id}&companyId=${realm()}`,
    );
    const persons = [...h.pipedriveSandbox.store.persons.values()];
    expect(persons).toHaveLength(1);
    expect(persons[0]).toMatchObject({ name: 'Siobhán Ní Bhriain', org_id: orgId });
    expect(persons[0]?.emails.map((e) => e.value)).toEqual(['siobhan@obriens.example.com', 'ap@obriens.example.com']);
    expect(persons[0]?.phones.map((p) => p.value)).toEqual(['(555) 010-2030', '(555) 010-9999']);
    expect(await link(customer.Id)).toMatchObject({ state: 'synced', orgId, personId: persons[0]?.id });
  });

  it('writes once when the same change arrives by webhook and by CDC (with a record older in balance): the second costs no Pipedrive call', async () => {
    const customer = await sunnyCustomer();
    await h.run([h.message(customer.Id)]);
    const spent = h.pipedrive.tokensSpent;
    const calls = h.pipedrive.calls;
    const [again] = await h.run([h.message(customer.Id, { source: 'cdc', record: customer })]);
    expect(again).toMatchObject({ action: 'unchanged', tokens: 0 });
    expect(h.pipedrive.tokensSpent).toBe(spent);
    expect(h.pipedrive.calls).toBe(calls);
    expect(liveOrgs()).toHaveLength(1);
  });

  it('re-reads an older CDC record instead of pushing it', async () => {
    const original = await create({ DisplayName: 'Order Co' });
    h.clock.advance(60_000);
    await control(h.qboSandbox, 'PATCH', `/realms/${realm()}/customers/${original.Id}`, {
      CompanyName: 'Order Co (new name)',
    });
    await h.run([h.message(original.Id)]);
    const [late] = await h.run([h.message(original.Id, { source: 'cdc', record: original })]);
    expect(late?.action).toBe('unchanged');
    expect(liveOrgs()[0]?.name).toBe('Order Co (new name)');
  });

  it('refuses to push a version older than one another worker pushed meanwhile', async () => {
    const customer = await create({ DisplayName: 'Race Co' });
    const slow = h.sync();
    const message = h.message(customer.Id);
    const prepared = await slow.prepare([message]);
    h.clock.advance(60_000);
    await control(h.qboSandbox, 'PATCH', `/realms/${realm()}/customers/${customer.Id}`, { CompanyName: 'Race Co 2' });
    await h.run([h.message(customer.Id)]);
    expect(await slow.sync(message, prepared)).toMatchObject({ action: 'stale', tokens: 0 });
    expect(liveOrgs().map((o) => o.name)).toEqual(['Race Co 2']);
  });

  it('pushes a balance change even when QBO leaves LastUpdatedTime alone, patching only the organization', async () => {
    const customer = await sunnyCustomer();
    await h.run([h.message(customer.Id)]);
    const personCalls = h.pipedriveSandbox.counters.get('requests', 'v2 PATCH /persons/{id}');
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/payments`, { customerId: customer.Id, amount: 1200 });
    const [result] = await h.run([h.message(customer.Id)]);
    expect(result?.action).toBe('updated');
    const orgId = liveOrgs()[0]?.id ?? 0;
    expect(custom(orgId, 'openBalance')).toEqual({ value: 300, currency: 'USD' });
    expect(custom(orgId, 'overdueBalance')).toEqual({ value: 0, currency: 'USD' });
    expect(h.pipedriveSandbox.counters.get('requests', 'v2 PATCH /persons/{id}')).toBe(personCalls);
    const history = await h.audit.history(realm(), customer.Id);
    expect(history.entries[0]?.diff).toEqual({
      openBalance: [
        { value: 1500, currency: 'USD' },
        { value: 300, currency: 'USD' },
      ],
      overdueBalance: [
        { value: 1200, currency: 'USD' },
        { value: 0, currency: 'USD' },
      ],
    });
  });

  it('flags an inactive customer instead of deleting its organization', async () => {
    const customer = await create({ DisplayName: 'Closing Co' });
    await h.run([h.message(customer.Id)]);
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/customers/${customer.Id}/deactivate`);
    await h.run([h.message(customer.Id)]);
    const [org] = liveOrgs();
    expect(org?.name).toBe('Closing Co');
    expect(custom(org?.id ?? 0, 'quickbooksStatus')).toBe(h.fields.fieldOptions.quickbooksStatus?.Inactive);
  });

  it('on a merge, merges the losing organization into the survivor and re-points the link', async () => {
    const loser = await create({ DisplayName: 'Loser Ltd' });
    const survivor = await create({ DisplayName: 'Survivor Ltd' });
    await h.run([h.message(loser.Id), h.message(survivor.Id)]);
    expect(liveOrgs()).toHaveLength(2);
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/customers/${loser.Id}/merge`, { into: survivor.Id });
    const results = await h.run([h.message(survivor.Id, { operation: 'Merge', deletedId: loser.Id })]);
    expect(['updated', 'unchanged']).toContain(results[0]?.action);
    expect(liveOrgs().map((o) => o.name)).toEqual(['Survivor Ltd']);
    expect(await link(loser.Id)).toMatchObject({ state: 'excluded', mergedInto: survivor.Id });
    expect((await h.audit.history(realm(), loser.Id)).entries[0]).toMatchObject({ action: 'merged' });
  });

  it('on a merge retried after Pipedrive merged but the answer was lost, settles the loser instead of failing on 404', async () => {
    const loser = await create({ DisplayName: 'Lost Merge Ltd' });
    const survivor = await create({ DisplayName: 'Kept Merge Ltd' });
    await h.run([h.message(loser.Id), h.message(survivor.Id)]);
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/customers/${loser.Id}/merge`, { into: survivor.Id });
    h.pipedriveSandbox.faults.add({ method: 'PUT', path: '/merge$', loseResponse: true, count: 1 });
    const merge = h.message(survivor.Id, { operation: 'Merge', deletedId: loser.Id });
    await expect(h.run([merge])).rejects.toBeInstanceOf(TransientError);
    expect(liveOrgs().map((o) => o.name)).toEqual(['Kept Merge Ltd']);
    await h.run([merge]);
    expect(await link(loser.Id)).toMatchObject({ state: 'excluded', mergedInto: survivor.Id });
  });

  it('on a merge into a customer not yet in Pipedrive, the survivor takes over the loser’s organization', async () => {
    const loser = await create({ DisplayName: 'Old Name Inc' });
    await h.run([h.message(loser.Id)]);
    const survivor = await create({ DisplayName: 'New Name Inc' });
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/customers/${loser.Id}/merge`, { into: survivor.Id });
    await h.run([h.message(survivor.Id, { operation: 'Merge', deletedId: loser.Id })]);
    expect(liveOrgs().map((o) => o.name)).toEqual(['New Name Inc']);
    expect((await link(survivor.Id))?.orgId).toBe((await link(loser.Id))?.orgId);
  });

  it('with the flag rule, marks the losing organization "Merged" and keeps it', async () => {
    const loser = await create({ DisplayName: 'Flag Loser' });
    const survivor = await create({ DisplayName: 'Flag Survivor' });
    await h.run([h.message(loser.Id), h.message(survivor.Id)]);
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/customers/${loser.Id}/merge`, { into: survivor.Id });
    await h.run([h.message(survivor.Id, { operation: 'Merge', deletedId: loser.Id })], { mergeRule: 'flag' });
    const loserOrg = liveOrgs().find((o) => o.name === 'Flag Loser');
    expect(custom(loserOrg?.id ?? 0, 'quickbooksStatus')).toBe(h.fields.fieldOptions.quickbooksStatus?.Merged);
  });

  it('rolls sub-customers up: no organization of their own, the parent refreshed with balances that include them', async () => {
    const parent = await create({ DisplayName: 'Parent Holdings', CompanyName: 'Parent Holdings' });
    const job = await create({ DisplayName: 'Site 7', ParentRef: { value: parent.Id } });
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/invoices`, {
      customerId: job.Id,
      amount: 400,
      dueDate: '2026-05-01',
    });
    const [jobResult] = await h.run([h.message(job.Id)]);
    expect(jobResult?.action).toBe('excluded');
    expect(h.requeued.map((m) => [m.body.id, m.groupId])).toEqual([[parent.Id, `${realm()}#${parent.Id}`]]);
    await h.run(h.requeued.map((m) => m.body));
    const [org] = liveOrgs();
    expect(org?.name).toBe('Parent Holdings');
    expect(custom(org?.id ?? 0, 'openBalance')).toEqual({ value: 400, currency: 'USD' });
    expect(custom(org?.id ?? 0, 'overdueBalance')).toEqual({ value: 400, currency: 'USD' });
    expect(await link(job.Id)).toMatchObject({ state: 'excluded' });
  });

  it('gives separate sub-customers their own organization, named by their path', async () => {
    const parent = await create({ DisplayName: 'Group Co', CompanyName: 'Group Co' });
    const job = await create({ DisplayName: 'Branch North', CompanyName: 'Group Co', ParentRef: { value: parent.Id } });
    await h.run([h.message(parent.Id), h.message(job.Id)], { subCustomers: 'separate' });
    expect(
      liveOrgs()
        .map((o) => o.name)
        .sort(),
    ).toEqual(['Group Co', 'Group Co – Branch North']);
  });

  it('turns an invoice event into a refresh of its customer, queued in the customer’s group', async () => {
    const customer = await create({ DisplayName: 'Invoice Co' });
    const invoice = (
      await control(h.qboSandbox, 'POST', `/realms/${realm()}/invoices`, { customerId: customer.Id, amount: 5 })
    ).body as { Invoice: { Id: string } };
    const [result] = await h.run([h.message(invoice.Invoice.Id, { kind: 'invoice', eventId: 'inv-1' })]);
    expect(result).toMatchObject({ action: 'requeued', qboId: customer.Id });
    expect(h.requeued[0]).toMatchObject({
      groupId: `${realm()}#${customer.Id}`,
      body: { kind: 'customer', id: customer.Id, eventId: `inv-1>${customer.Id}` },
    });
  });

  it('audits an invalid record as failed, without retrying it', async () => {
    h.qboSandbox.state.requireCompany(realm()).putVerbatim('Customer', {
      Id: '777',
      SyncToken: '0',
      MetaData: { LastUpdatedTime: '2026-07-01T05:00:00-07:00' },
      Active: true,
    });
    const [result] = await h.run([h.message('777')]);
    expect(result?.action).toBe('failed');
    expect(await link('777')).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('DisplayName') as unknown,
    });
    expect((await h.audit.history(realm(), '777')).entries[0]).toMatchObject({
      action: 'failed',
      error: { kind: 'permanent' },
    });
    expect(liveOrgs()).toHaveLength(0);
  });

  it('audits a Pipedrive 4xx as failed and acknowledges it; a 429 is thrown for a retry later', async () => {
    const customer = await create({ DisplayName: 'Rejected Co' });
    h.pipedriveSandbox.faults.add({
      method: 'POST',
      path: '^/api/v2/organizations$',
      status: 400,
      body: { success: false, error: 'Bad request', error_info: 'x' },
      count: 1,
    });
    const [rejected] = await h.run([h.message(customer.Id)]);
    expect(rejected).toMatchObject({ action: 'failed' });
    h.pipedriveSandbox.faults.add({
      method: 'POST',
      path: '^/api/v2/organizations$',
      status: 429,
      body: { success: false, error: 'Rate limit has been exceeded' },
      headers: { 'retry-after': '120' },
      count: 1,
    });
    await expect(h.run([h.message(customer.Id)])).rejects.toBeInstanceOf(RateLimitedError);
    const history = await h.audit.history(realm(), customer.Id);
    expect(history.entries.map((e) => e.error?.kind)).toEqual(['rate-limited', 'permanent']);
  });

  it('creates no duplicate organization when a crash comes between the Pipedrive create and the link write', async () => {
    const customer = await create({ DisplayName: 'Crash Co' });
    let crash = true;
    const crashing = new Proxy(h.links, {
      get(target, property, receiver) {
        if (property === 'recordOrganization' && crash) {
          crash = false;
          return () => Promise.reject(new Error('Lambda killed'));
        }
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const sync = h.sync({}, { links: crashing });
    const message = h.message(customer.Id);
    await expect(sync.sync(message, await sync.prepare([message]))).rejects.toThrow('Lambda killed');
    expect(liveOrgs()).toHaveLength(1);
    // The redelivery comes after the claim is stale; it finds the organization by its QuickBooks ID.
    h.clock.advance(121_000);
    const [retry] = await h.run([message]);
    expect(retry?.action).toBe('updated');
    expect(liveOrgs()).toHaveLength(1);
    expect(await link(customer.Id)).toMatchObject({ state: 'synced', orgId: liveOrgs()[0]?.id });
  });

  it('records losing a race to a newer push as stale, not as a failure to retry', async () => {
    const customer = await create({ DisplayName: 'Race Co' });
    await h.run([h.message(customer.Id)]);
    h.clock.advance(1000);
    await control(h.qboSandbox, 'PATCH', `/realms/${realm()}/customers/${customer.Id}`, { CompanyName: 'Race Co 2' });
    // While a slow worker is writing version 2 to Pipedrive, another one pushes version 3 and records it.
    let raced = false;
    const racing = new Proxy(h.pipedrive, {
      get(target, property, receiver) {
        if (property === 'updateOrganization')
          return async (...args: Parameters<typeof target.updateOrganization>) => {
            if (!raced) {
              raced = true;
              h.clock.advance(1000);
              await control(h.qboSandbox, 'PATCH', `/realms/${realm()}/customers/${customer.Id}`, {
                CompanyName: 'Race Co 3',
              });
              await h.run([h.message(customer.Id)]);
            }
            return target.updateOrganization(...args);
          };
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value.bind(target) as unknown) : value;
      },
    });
    const slow = h.sync({}, { pipedrive: racing });
    const message = h.message(customer.Id);
    const result = await slow.sync(message, await slow.prepare([message]));
    expect(raced).toBe(true);
    expect(result.action).toBe('stale');
    expect(await link(customer.Id)).toMatchObject({ state: 'synced' });
    // The slow worker's older write landed after the newer one: Pipedrive says "Race Co 2" while the link
    // says version 3 was pushed. The loser queues a repush in the customer's group, which puts it right.
    const orgId = (await link(customer.Id))?.orgId ?? 0;
    expect(h.pipedriveSandbox.store.organization(orgId)?.name).toBe('Race Co 2');
    expect(h.requeued.map((m) => [m.body.id, m.body.repush, m.groupId])).toEqual([
      [customer.Id, true, `${realm()}#${customer.Id}`],
    ]);
    const [repushed] = await h.run(h.requeued.map((m) => m.body));
    expect(repushed).toMatchObject({ action: 'updated' });
    expect(h.pipedriveSandbox.store.organization(orgId)?.name).toBe('Race Co 3');
  });

  it('recovers at once when Pipedrive made the organization but its answer was lost: the next attempt finds it', async () => {
    const customer = await create({ DisplayName: 'Lost Answer Co' });
    h.pipedriveSandbox.faults.add({ method: 'POST', path: '^/api/v2/organizations$', loseResponse: true, count: 1 });
    const message = h.message(customer.Id);
    await expect(h.run([message])).rejects.toBeInstanceOf(TransientError);
    expect(liveOrgs()).toHaveLength(1);
    // The failed attempt released its claim: the next one, of any message and seconds later, looks first.
    h.clock.advance(5000);
    const [other] = await h.run([h.message(customer.Id, { source: 'cdc', eventId: 'cdc-other' })]);
    expect(other?.action).toBe('updated');
    const [retry] = await h.run([message]);
    expect(retry?.action).toBe('unchanged');
    expect(liveOrgs()).toHaveLength(1);
    expect(await link(customer.Id)).toMatchObject({ state: 'synced', orgId: liveOrgs()[0]?.id });
  });

  it('finds the organization of a lost create answer even after the link was marked excluded in between', async () => {
    const customer = await create({ DisplayName: 'Merged Meanwhile Co' });
    h.pipedriveSandbox.faults.add({ method: 'POST', path: '^/api/v2/organizations$', loseResponse: true, count: 1 });
    await expect(h.run([h.message(customer.Id)])).rejects.toBeInstanceOf(TransientError);
    // The retry saw the customer gone from QBO (merged away) and marked it excluded; then an older CDC copy arrives.
    await h.links.markState(realm(), customer.Id, 'excluded', 'no longer in QuickBooks (merged or deleted)', 0);
    const [late] = await h.run([h.message(customer.Id, { source: 'cdc', eventId: 'cdc-late' })]);
    expect(late?.action).toBe('updated');
    expect(liveOrgs()).toHaveLength(1);
    expect(await link(customer.Id)).toMatchObject({ state: 'synced', orgId: liveOrgs()[0]?.id });
  });

  it('forgets its create claim when Pipedrive refuses the create, so the next attempt creates without looking first', async () => {
    const customer = await create({ DisplayName: 'Refused Co' });
    h.pipedriveSandbox.faults.add({
      method: 'POST',
      path: '^/api/v2/organizations$',
      status: 429,
      body: { success: false, error: 'Rate limit has been exceeded' },
      headers: { 'retry-after': '1' },
      count: 1,
    });
    await expect(h.run([h.message(customer.Id)])).rejects.toBeInstanceOf(RateLimitedError);
    expect(await link(customer.Id)).toBeUndefined();
    h.clock.advance(5000);
    const [retry] = await h.run([h.message(customer.Id)]);
    expect(retry?.action).toBe('created');
    expect(h.pipedriveSandbox.counters.get('requests', 'v2 GET /itemSearch/field')).toBe(0);
    expect(h.pipedriveSandbox.counters.get('requests', 'v2 GET /organizations')).toBe(0);
    expect(liveOrgs()).toHaveLength(1);
  });

  it('recreates an organization someone deleted in Pipedrive', async () => {
    const customer = await create({ DisplayName: 'Phoenix Co' });
    await h.run([h.message(customer.Id)]);
    const first = liveOrgs()[0]?.id ?? 0;
    await fetch(`${h.pipedriveSandbox.describe().apiBaseUrl}/api/v2/organizations/${first}`, {
      method: 'DELETE',
      headers: { 'x-api-token': h.pipedriveSandbox.describe().apiToken },
    });
    await control(h.qboSandbox, 'PATCH', `/realms/${realm()}/customers/${customer.Id}`, {
      CompanyName: 'Phoenix Company',
    });
    const [result] = await h.run([h.message(customer.Id)]);
    expect(result?.action).toBe('created');
    expect(liveOrgs()).toHaveLength(1);
    expect(liveOrgs()[0]?.id).not.toBe(first);
  });

  it("pushes every mapped field again on an operator's replay, even when nothing changed in QBO", async () => {
    const customer = await create({ DisplayName: 'Handmade Edits Ltd' });
    await h.run([h.message(customer.Id)]);
    const orgId = liveOrgs()[0]?.id ?? 0;
    // Someone renames the organization by hand in Pipedrive; a webhook for an unrelated change would not undo it.
    await fetch(`${h.pipedriveSandbox.describe().apiBaseUrl}/api/v2/organizations/${orgId}`, {
      method: 'PATCH',
      headers: { 'x-api-token': h.pipedriveSandbox.describe().apiToken, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Renamed by hand' }),
    });
    const [unchanged] = await h.run([h.message(customer.Id, { source: 'cdc' })]);
    expect(unchanged?.action).toBe('unchanged');
    expect(liveOrgs()[0]?.name).toBe('Renamed by hand');
    const [replayed] = await h.run([h.message(customer.Id, { source: 'replay' })]);
    expect(replayed?.action).toBe('updated');
    expect(liveOrgs()[0]?.name).toBe('Handmade Edits Ltd');
    expect(liveOrgs()).toHaveLength(1);
  });

  it("keeps a customer's whole story in the audit trail, newest first", async () => {
    const customer = await sunnyCustomer();
    await h.run([h.message(customer.Id)]);
    await h.run([h.message(customer.Id, { source: 'cdc' })]);
    h.clock.advance(1000);
    await control(h.qboSandbox, 'PATCH', `/realms/${realm()}/customers/${customer.Id}`, {
      CompanyName: "O'Brien's Café & Bar",
    });
    await h.run([h.message(customer.Id, { source: 'replay' })]);
    const history = await h.audit.history(realm(), customer.Id);
    expect(history.entries.map((e) => `${e.source}:${e.action}`)).toEqual([
      'replay:updated',
      'cdc:unchanged',
      'webhook:created',
    ]);
    expect(history.entries[0]?.diff).toEqual({ name: ["O'Brien's Café", "O'Brien's Café & Bar"] });
    expect(history.entries[2]?.pipedriveTokens).toBeGreaterThan(0);
    expect(history.entries[2]?.orgId).toBe(liveOrgs()[0]?.id);
  });
});
