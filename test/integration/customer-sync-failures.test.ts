import { RateLimitedError, TransientError } from '../../functions/shared/errors';
import { control } from '../helpers/quickbooks-sandbox';
import type { SyncHarness } from '../helpers/sync-harness';
import { useCustomerSyncHarness } from './customer-sync-harness';

describe('CustomerSync against both sandboxes and DynamoDB Local: failures, recovery, replay and audit', () => {
  const { harness, realm, create, liveOrgs, custom, link, sunnyCustomer } = useCustomerSyncHarness();
  let h: SyncHarness;
  beforeEach(() => {
    h = harness();
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
      // More 429s in a row than one call waits out: the refusal reaches the sync.
      count: 4,
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

  const deleteInPipedrive = (orgId: number) =>
    fetch(`${harness().pipedriveSandbox.describe().apiBaseUrl}/api/v2/organizations/${orgId}`, {
      method: 'DELETE',
      headers: { 'x-api-token': harness().pipedriveSandbox.describe().apiToken },
    });
  const renameInQbo = (id: string, CompanyName: string) =>
    control(harness().qboSandbox, 'PATCH', `/realms/${realm()}/customers/${id}`, { CompanyName });

  it('respects an organization a rep deleted: the customer is excluded, nothing is created (decision 62)', async () => {
    const customer = await create({ DisplayName: 'Phoenix Co' });
    await h.run([h.message(customer.Id)]);
    await deleteInPipedrive(liveOrgs()[0]?.id ?? 0);
    await renameInQbo(customer.Id, 'Phoenix Company');
    const [result] = await h.run([h.message(customer.Id)]);
    expect(result?.action).toBe('excluded');
    expect(liveOrgs()).toHaveLength(0);
    expect(await link(customer.Id)).toMatchObject({ state: 'excluded', reason: 'deleted in Pipedrive' });
    // The next change costs nothing and still creates nothing.
    await renameInQbo(customer.Id, 'Phoenix Company 2');
    const [again] = await h.run([h.message(customer.Id)]);
    expect(again).toMatchObject({ action: 'excluded', tokens: 0 });
    expect(liveOrgs()).toHaveLength(0);
  });

  it('creates a deleted organization again only on a replay with --recreate, or under the rule recreate', async () => {
    const customer = await create({ DisplayName: 'Phoenix Co' });
    await h.run([h.message(customer.Id)]);
    const first = liveOrgs()[0]?.id ?? 0;
    await deleteInPipedrive(first);
    await h.run([h.message(customer.Id)]);
    // A plain replay (e.g. `replay --since`) does not silently recreate it (decision 64).
    const [plain] = await h.run([h.message(customer.Id, { source: 'replay', eventId: 'replay-0' })]);
    expect(plain).toMatchObject({ action: 'excluded' });
    expect(liveOrgs()).toHaveLength(0);
    const [replayed] = await h.run([h.message(customer.Id, { source: 'replay', eventId: 'replay-1', recreate: true })]);
    expect(replayed?.action).toBe('created');
    expect(liveOrgs()).toHaveLength(1);
    const second = liveOrgs()[0]?.id ?? 0;
    expect(second).not.toBe(first);
    await deleteInPipedrive(second);
    await renameInQbo(customer.Id, 'Phoenix Company');
    const [recreated] = await h.run([h.message(customer.Id)], {
      pipedriveRules: { deleted: 'recreate', drift: 'rewrite', persons: 'report' },
    });
    expect(recreated?.action).toBe('created');
    expect(liveOrgs()).toHaveLength(1);
  });

  it('follows a rep’s merge into an organization with no identity of its own, and creates no duplicate', async () => {
    const customer = await create({
      DisplayName: 'Merged Away Ltd',
      PrimaryEmailAddr: { Address: 'a@merged.example' },
    });
    await h.run([h.message(customer.Id)]);
    const loser = liveOrgs()[0]?.id ?? 0;
    const survivor = (await h.pipedrive.createOrganization({ name: 'Merged Away (sales)', custom_fields: {} })).id;
    await h.pipedrive.mergeOrganizations(loser, survivor);
    await renameInQbo(customer.Id, 'Merged Away Limited');
    const [result] = await h.run([h.message(customer.Id)]);
    expect(result?.action).toBe('updated');
    expect(liveOrgs().map((org) => org.id)).toEqual([survivor]);
    expect(liveOrgs()[0]?.name).toBe('Merged Away Limited');
    expect(await link(customer.Id)).toMatchObject({ state: 'synced', orgId: survivor });
    expect([...h.pipedriveSandbox.store.persons.values()].filter((p) => !p.is_deleted)).toHaveLength(1);
  });

  it('follows a merge into another customer’s organization without writing its fields; --recreate undoes it (decision 64)', async () => {
    const mine = await create({ DisplayName: 'Loser Co', PrimaryEmailAddr: { Address: 'a@loser.example' } });
    const theirs = await create({ DisplayName: 'Winner Co' });
    await h.run([h.message(mine.Id), h.message(theirs.Id)]);
    const loser = (await link(mine.Id))?.orgId ?? 0;
    const survivor = (await link(theirs.Id))?.orgId ?? 0;
    const person = (await link(mine.Id))?.personId;
    await h.pipedrive.mergeOrganizations(loser, survivor);
    await renameInQbo(mine.Id, 'Loser Company');
    const [result] = await h.run([h.message(mine.Id)]);
    expect(result?.action).toBe('updated');
    expect(await link(mine.Id)).toMatchObject({
      state: 'synced',
      orgId: survivor,
      orgOwner: theirs.Id,
      personId: person,
    });
    // Nothing created, and the survivor is still the other customer's, with its name and identity.
    expect(liveOrgs().map((org) => [org.id, org.name])).toEqual([[survivor, 'Winner Co']]);
    expect(custom(survivor, 'quickbooksId')).toBe(`${realm()}:${theirs.Id}`);
    expect(h.pipedriveSandbox.store.persons.get(person ?? 0)).toMatchObject({ org_id: survivor, is_deleted: false });
    // A later change is the person's only: no organization write, no create.
    await renameInQbo(mine.Id, 'Loser Company 2');
    const [later] = await h.run([h.message(mine.Id)]);
    expect(later?.action).toBe('updated');
    expect(liveOrgs().map((org) => [org.id, org.name])).toEqual([[survivor, 'Winner Co']]);
    // The operator's confirmed replay gives the customer its own organization again; its person moves there.
    const [undone] = await h.run([h.message(mine.Id, { source: 'replay', eventId: 'replay-own', recreate: true })]);
    expect(undone?.action).toBe('created');
    const own = (await link(mine.Id))?.orgId ?? 0;
    expect(own).not.toBe(survivor);
    expect(await link(mine.Id)).not.toHaveProperty('orgOwner');
    expect(h.pipedriveSandbox.store.persons.get(person ?? 0)).toMatchObject({ org_id: own });
    expect(h.pipedriveSandbox.store.organization(survivor)?.name).toBe('Winner Co');
  });

  it('makes a "merged into" link the organization’s own once QBO merges its owner into that customer (decision 64)', async () => {
    const mine = await create({ DisplayName: 'Guest Co', PrimaryEmailAddr: { Address: 'a@guest.example' } });
    const theirs = await create({ DisplayName: 'Owner Co' });
    await h.run([h.message(mine.Id), h.message(theirs.Id)]);
    const loser = (await link(mine.Id))?.orgId ?? 0;
    const survivor = (await link(theirs.Id))?.orgId ?? 0;
    await h.pipedrive.mergeOrganizations(loser, survivor);
    await renameInQbo(mine.Id, 'Guest Company');
    await h.run([h.message(mine.Id)]);
    expect(await link(mine.Id)).toMatchObject({ orgId: survivor, orgOwner: theirs.Id });
    // Now QuickBooks merges the owner into the guest: the organization becomes the guest's own, and is written.
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/customers/${theirs.Id}/merge`, { into: mine.Id });
    await h.run([h.message(mine.Id, { operation: 'Merge', deletedId: theirs.Id })]);
    expect(await link(mine.Id)).toMatchObject({ state: 'synced', orgId: survivor });
    expect(await link(mine.Id)).not.toHaveProperty('orgOwner');
    expect(await link(theirs.Id)).toMatchObject({ state: 'excluded', mergedInto: mine.Id });
    expect(liveOrgs().map((org) => [org.id, org.name])).toEqual([[survivor, 'Guest Company']]);
    expect(custom(survivor, 'quickbooksId')).toBe(`${realm()}:${mine.Id}`);
  });

  it('leaves the owner’s organization alone when QBO merges away or loses a customer on it (decision 64)', async () => {
    const guest = await create({ DisplayName: 'Guest Two Co', PrimaryEmailAddr: { Address: 'a@guest2.example' } });
    const owner = await create({ DisplayName: 'Owner Two Co' });
    const elsewhere = await create({ DisplayName: 'Elsewhere Co' });
    await h.run([h.message(guest.Id), h.message(owner.Id), h.message(elsewhere.Id)]);
    const survivor = (await link(owner.Id))?.orgId ?? 0;
    await h.pipedrive.mergeOrganizations((await link(guest.Id))?.orgId ?? 0, survivor);
    await renameInQbo(guest.Id, 'Guest Two Company');
    await h.run([h.message(guest.Id)]);
    const before = h.pipedriveSandbox.store.organization(survivor);
    // QuickBooks merges the guest into a third customer: the owner's organization is neither merged nor flagged.
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/customers/${guest.Id}/merge`, { into: elsewhere.Id });
    await h.run([h.message(elsewhere.Id, { operation: 'Merge', deletedId: guest.Id })]);
    expect(await link(guest.Id)).toMatchObject({ state: 'excluded', mergedInto: elsewhere.Id });
    expect(h.pipedriveSandbox.store.organization(survivor)).toMatchObject({
      name: 'Owner Two Co',
      custom_fields: before?.custom_fields,
    });
  });

  it('keeps writing a customer held with its organization (a copied QuickBooks ID), and keeps it held', async () => {
    const customer = await create({ DisplayName: 'Held Co' });
    await h.run([h.message(customer.Id)]);
    const orgId = liveOrgs()[0]?.id ?? 0;
    await h.links.markState(realm(), customer.Id, 'review', 'organizations 1, 2 carry this QuickBooks ID', Date.now());
    await renameInQbo(customer.Id, 'Held Company');
    const [result] = await h.run([h.message(customer.Id)]);
    expect(result?.action).toBe('updated');
    expect(liveOrgs().map((org) => [org.id, org.name])).toEqual([[orgId, 'Held Company']]);
    expect(await link(customer.Id)).toMatchObject({
      state: 'review',
      orgId,
      reason: 'organizations 1, 2 carry this QuickBooks ID',
    });
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
