import { TransientError } from '../../functions/shared/errors';
import { control } from '../helpers/quickbooks-sandbox';
import type { SyncHarness } from '../helpers/sync-harness';
import { useCustomerSyncHarness } from './customer-sync-harness';

describe('CustomerSync against both sandboxes and DynamoDB Local: mapping, order, lifecycle', () => {
  const { harness, realm, create, liveOrgs, custom, link, sunnyCustomer } = useCustomerSyncHarness();
  let h: SyncHarness;
  beforeEach(() => {
    h = harness();
  });

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
});
