import { TransientError } from '../../functions/shared/errors';
import { reconcile } from '../../functions/sync/reconcile';
import { control } from '../helpers/quickbooks-sandbox';
import { type SyncHarness, startSyncHarness } from '../helpers/sync-harness';

/** Two QuickBooks companies writing into one Pipedrive company: ids collide, organizations must not (decision 35). */
describe('several QuickBooks companies in one Pipedrive company', () => {
  let h: SyncHarness;
  beforeEach(async () => {
    h = await startSyncHarness();
  });
  afterEach(() => h.close());

  const create = async (realm: string, body: object): Promise<string> => {
    const result = await control(h.qboSandbox, 'POST', `/realms/${realm}/customers`, body);
    if (result.status !== 200) throw new Error(JSON.stringify(result.body));
    return (result.body as { Customer: { Id: string } }).Customer.Id;
  };
  const liveOrgs = () => [...h.pipedriveSandbox.store.organizations.values()].filter((o) => !o.is_deleted);
  const quickbooksId = (orgId: number | undefined) =>
    h.pipedriveSandbox.store.organization(orgId ?? 0)?.custom_fields[h.fields.fieldKeys.quickbooksId ?? ''];
  const quickbooksLink = (orgId: number | undefined) =>
    h.pipedriveSandbox.store.organization(orgId ?? 0)?.custom_fields[h.fields.fieldKeys.quickbooksLink ?? ''];

  it('gives each realm its own organization for a colliding customer id, with its realm in the id and the link', async () => {
    const second = await h.addRealm('Second Books Ltd');
    const firstId = await create(h.realmId, { DisplayName: 'Łódź Logistics Software & Partners' });
    const secondId = await create(second.realmId, { DisplayName: 'Björn Tanaka' });
    expect(secondId).toBe(firstId);
    await h.run([h.message(firstId)]);
    await second.run([second.message(secondId)]);
    expect(liveOrgs()).toHaveLength(2);
    const first = await h.links.get(h.realmId, firstId);
    const other = await h.links.get(second.realmId, secondId);
    expect(first?.orgId).not.toBe(other?.orgId);
    expect(quickbooksId(first?.orgId)).toBe(`${h.realmId}:${firstId}`);
    expect(quickbooksId(other?.orgId)).toBe(`${second.realmId}:${secondId}`);
    expect(quickbooksLink(other?.orgId)).toBe(
      `https://app.sandbox.qbo.intuit.com/app/customerdetail?nameId=${secondId}&companyId=${second.realmId}`,
    );
    expect(h.pipedriveSandbox.store.organization(first?.orgId ?? 0)?.name).toBe('Łódź Logistics Software & Partners');
  });

  it("recovers an interrupted create by its own realm's id, never adopting the other realm's organization", async () => {
    const second = await h.addRealm('Second Books Ltd');
    const firstId = await create(h.realmId, { DisplayName: 'First Realm Co' });
    await h.run([h.message(firstId)]);
    const firstOrg = (await h.links.get(h.realmId, firstId))?.orgId;
    const secondId = await create(second.realmId, { DisplayName: 'Second Realm Co' });
    expect(secondId).toBe(firstId);
    h.pipedriveSandbox.faults.add({ method: 'POST', path: '^/api/v2/organizations$', loseResponse: true, count: 1 });
    const message = second.message(secondId);
    await expect(second.run([message])).rejects.toBeInstanceOf(TransientError);
    h.clock.advance(5000);
    const [retry] = await second.run([message]);
    expect(retry?.action).toBe('updated');
    expect(liveOrgs()).toHaveLength(2);
    const recovered = (await h.links.get(second.realmId, secondId))?.orgId;
    expect(recovered).not.toBe(firstOrg);
    expect(h.pipedriveSandbox.store.organization(firstOrg ?? 0)?.name).toBe('First Realm Co');
    expect(quickbooksId(recovered)).toBe(`${second.realmId}:${secondId}`);
  });

  it('upgrades single-realm data written with bare ids: reconcile finds them and the next push qualifies them', async () => {
    const id = await create(h.realmId, { DisplayName: 'Before The Upgrade Ltd' });
    await h.run([h.message(id)]);
    const link = await h.links.get(h.realmId, id);
    const orgId = link?.orgId ?? 0;
    // What the connector wrote before decision 35: the bare id, in Pipedrive and in the pushed payload.
    const org = h.pipedriveSandbox.store.organization(orgId);
    if (!org || !link?.pushed || link.fingerprint === undefined) throw new Error('the first push did not happen');
    org.custom_fields[h.fields.fieldKeys.quickbooksId ?? ''] = id;
    const pushed = link.pushed as { organization: Record<string, unknown>; person: unknown };
    await h.links.markSynced(
      h.realmId,
      id,
      {
        orgId,
        pushed: { ...pushed, organization: { ...pushed.organization, quickbooksId: id } },
        fingerprint: 'before-the-upgrade',
        lastPushedUpdatedTime: link.lastPushedUpdatedTime ?? '',
        lastPushedUpdatedAtMs: link.lastPushedUpdatedAtMs ?? 0,
        lastPushedSyncToken: link.lastPushedSyncToken ?? '0',
      },
      h.clock.now(),
    );
    const sent: { body: Parameters<SyncHarness['run']>[0][number] }[] = [];
    const report = await reconcile(h.realmId, {
      customerPages: () => h.qbo.customerPages(),
      links: (r) => h.links.list(r),
      queue: { send: (messages) => Promise.resolve(void sent.push(...messages)) },
      now: () => h.clock.now(),
    });
    expect(report).toMatchObject({ customers: 1, outdated: 1, missing: 0, enqueued: 1 });
    const [result] = await h.run(sent.map((m) => m.body));
    expect(result?.action).toBe('updated');
    expect(liveOrgs()).toHaveLength(1);
    expect(quickbooksId(orgId)).toBe(`${h.realmId}:${id}`);
    const again = await reconcile(h.realmId, {
      customerPages: () => h.qbo.customerPages(),
      links: (r) => h.links.list(r),
      queue: { send: () => Promise.resolve() },
      now: () => h.clock.now(),
    });
    expect(again).toMatchObject({ inSync: 1, outdated: 0, enqueued: 0 });
  });
});
