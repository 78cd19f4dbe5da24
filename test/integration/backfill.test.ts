import { CursorStore } from '../../functions/store/cursor-store';
import { OpenInvoiceSnapshotStore } from '../../functions/store/open-invoice-snapshot-store';
import { LeaseStore } from '../../functions/store/lease-store';
import { pollChanges, type PollDependencies } from '../../functions/sync/change-capture';
import { reconcile } from '../../functions/sync/reconcile';
import { runBackfill, type BackfillDependencies } from '../../functions/sync/backfill';
import { organizationName } from '../../functions/sync/mapping';
import { matchCustomers, matchReportCsv, normaliseName } from '../../functions/sync/matching';
import type { QueuedMessage } from '../../functions/sync/sync-message';
import { control } from '../helpers/quickbooks-sandbox';
import { DEFAULT_SYNC_OPTIONS, type SyncHarness, startSyncHarness } from '../helpers/sync-harness';
import { organizationsWithQuickbooksId } from '../../functions/pipedrive/organizations-with-quickbooks-id';
import { bareIdOwner, ownCustomerId } from '../../functions/sync/quickbooks-identity';

describe('first-sync matching', () => {
  it('normalises names: case, accents, punctuation and legal suffixes', () => {
    expect(normaliseName('Müller & Söhne GmbH')).toBe('muller sohne');
    expect(normaliseName("O'Brien's Pub, LLC")).toBe('o brien s pub');
    expect(normaliseName('ACME Inc.')).toBe(normaliseName('Acme'));
  });

  it('prefers the QuickBooks ID, never gives one organization to two customers, and leaves ties for review', () => {
    const customer = (Id: string, DisplayName: string, email?: string) =>
      ({
        Id,
        SyncToken: '0',
        MetaData: { LastUpdatedTime: 'x' },
        DisplayName,
        Active: true,
        ...(email ? { PrimaryEmailAddr: { Address: email } } : {}),
      }) as never;
    const org = (id: number, name: string, quickbooksId?: string, domains: string[] = []) => ({
      id,
      name,
      quickbooksId,
      emailDomains: new Set(domains),
    });
    const rows = matchCustomers(
      [
        customer('1', 'Acme'),
        customer('2', 'Acme Inc'),
        customer('3', 'Twin'),
        customer('4', 'Domain Co', 'a@domainco.example'),
        customer('5', 'Free Mail', 'x@gmail.com'),
      ],
      [
        org(10, 'Acme', '2'),
        org(11, 'ACME Inc.'),
        org(12, 'Twin'),
        org(13, 'Twin LLC'),
        org(14, 'Something else', undefined, ['domainco.example']),
        org(15, 'Gmail People', undefined, ['gmail.com']),
      ],
      (c: { DisplayName: string }) => c.DisplayName,
      { realmId: 'r1', ownsBareIds: true },
    );
    expect(rows.map((r) => [r.qboId, r.action, r.method, r.orgId])).toEqual([
      ['2', 'link', 'quickbooks-id', 10],
      ['1', 'link', 'name', 11],
      ['3', 'review', 'name', undefined],
      ['4', 'link', 'email-domain', 14],
      ['5', 'create', 'none', undefined],
    ]);
    expect(matchReportCsv(rows).split('\n')[0]).toBe(
      'qbo_id,customer,action,method,confidence,org_id,organization,candidates',
    );
    expect(matchReportCsv(rows)).toContain('3,Twin,review,name,0.45,,,12 13');
  });
  it('holds a QuickBooks ID carried by two organizations for review, whatever their order (decision 62)', () => {
    const customer = {
      Id: '51',
      SyncToken: '0',
      MetaData: { LastUpdatedTime: 'x' },
      DisplayName: 'Acme',
      Active: true,
    };
    const org = (id: number, name: string) => ({ id, name, quickbooksId: 'r1:51', emailDomains: new Set<string>() });
    for (const organizations of [
      [org(10, 'Acme'), org(89, 'Acme (copy)')],
      [org(89, 'Acme (copy)'), org(10, 'Acme')],
    ]) {
      const [row] = matchCustomers([customer], organizations, () => 'Acme', { realmId: 'r1', ownsBareIds: false });
      expect(row).toMatchObject({ action: 'review', method: 'quickbooks-id' });
      expect(row?.orgId).toBeUndefined();
      expect([...(row?.candidates ?? [])].sort()).toEqual([10, 89]);
    }
  });
});

describe('matching with several QuickBooks companies in one Pipedrive company (decision 35)', () => {
  const customer = (Id: string, DisplayName: string) =>
    ({ Id, SyncToken: '0', MetaData: { LastUpdatedTime: 'x' }, DisplayName, Active: true }) as never;
  const org = (id: number, name: string, quickbooksId?: string) => ({
    id,
    name,
    quickbooksId,
    emailDomains: new Set<string>(),
  });
  const organizations = [
    org(10, 'Acme', 'A:7'),
    org(11, 'Björn Tanaka', '13'),
    org(12, 'Nordic Co', 'B:16'),
    org(13, 'Old Bare', '16'),
  ];
  const match = (realmId: string, ownsBareIds: boolean) =>
    matchCustomers(
      [customer('7', 'Acme'), customer('13', 'Björn Tanaka'), customer('16', 'Nordic Co')],
      organizations,
      (c: { DisplayName: string }) => c.DisplayName,
      { realmId, ownsBareIds },
    ).map((r) => [r.qboId, r.action, r.method, r.orgId]);

  it("never links a customer to another realm's organization, by id or by name", () => {
    expect(match('B', false)).toEqual([
      ['16', 'link', 'quickbooks-id', 12],
      ['7', 'create', 'none', undefined],
      ['13', 'create', 'none', undefined],
    ]);
  });

  it('gives the bare ids written before the upgrade to the realm that owns them, a qualified id first', () => {
    expect(match('A', true)).toEqual([
      ['7', 'link', 'quickbooks-id', 10],
      ['13', 'link', 'quickbooks-id', 11],
      ['16', 'link', 'quickbooks-id', 13],
    ]);
  });

  it('reads a field value as a realm and an id', () => {
    const a = { realmId: '9130', ownsBareIds: true };
    expect(ownCustomerId('9130:16', a)).toBe('16');
    expect(ownCustomerId('4620:16', a)).toBeUndefined();
    expect(ownCustomerId('16', a)).toBe('16');
    expect(ownCustomerId('16', { ...a, ownsBareIds: false })).toBeUndefined();
    expect(ownCustomerId(' ', a)).toBeUndefined();
  });

  it('the bare ids belong to the first realm connected to the Pipedrive company', () => {
    const connections = [
      { realmId: 'late', createdAt: 30, pipedrive: { companyId: 'p1' } },
      { realmId: 'other-company', createdAt: 10, pipedrive: { companyId: 'p2' } },
      { realmId: 'first', createdAt: 20, pipedrive: { companyId: 'p1' } },
      { realmId: 'no-pipedrive', createdAt: 5 },
    ];
    expect(bareIdOwner(connections, 'p1')).toBe('first');
    expect(bareIdOwner(connections, 'p2')).toBe('other-company');
    expect(bareIdOwner(connections, 'p3')).toBeUndefined();
  });
});

describe('backfill against both sandboxes', () => {
  let h: SyncHarness;
  let sent: QueuedMessage[];
  let deps: BackfillDependencies;
  beforeEach(async () => {
    h = await startSyncHarness();
    sent = [];
    const key = h.fields.fieldKeys.quickbooksId ?? '';
    deps = {
      customerPages: () => h.qbo.customerPages(),
      openInvoicePages: () => h.qbo.openInvoicePages(),
      organizationPages: () => organizationsWithQuickbooksId(h.pipedrive, key),
      personPages: () => h.pipedrive.personPages(),
      repoint: (...args) => h.links.repoint(...args),
      holdForReview: (realmId, qboId, reason, now) => h.links.markState(realmId, qboId, 'review', reason, now),
      snapshots: new OpenInvoiceSnapshotStore(h.table),
      queue: { send: (messages) => Promise.resolve(void sent.push(...messages)) },
      now: () => h.clock.now(),
      nameOf: (customer) => organizationName(customer, DEFAULT_SYNC_OPTIONS),
      startPolling: (realmId, at, now) => new CursorStore(h.table).startNoLaterThan(realmId, at, now),
      ownsBareIds: true,
    };
  });
  afterEach(() => h.close());

  const pollDeps = (queue: QueuedMessage[]): PollDependencies => ({
    qbo: h.qbo,
    cursors: new CursorStore(h.table),
    leases: new LeaseStore(h.table),
    queue: { send: (messages) => Promise.resolve(void queue.push(...messages)) },
    pushed: h.links,
    snapshots: new OpenInvoiceSnapshotStore(h.table),
    now: () => h.clock.now(),
    owner: 'poller',
  });
  const createCustomer = async (name: string) =>
    (
      (await control(h.qboSandbox, 'POST', `/realms/${h.realmId}/customers`, { DisplayName: name })).body as {
        Customer: { Id: string };
      }
    ).Customer.Id;
  const orgNames = () =>
    [...h.pipedriveSandbox.store.organizations.values()].filter((o) => !o.is_deleted).map((o) => o.name);

  it('starts the CDC cursor where the backfill read QBO: the first poll syncs a change made after the read', async () => {
    const early = await createCustomer('Early Co');
    h.clock.advance(3_600_000);
    await runBackfill(h.realmId, deps, true);
    // A dry run writes nothing, not even the cursor.
    expect(await new CursorStore(h.table).get(h.realmId)).toBeUndefined();
    await runBackfill(h.realmId, deps, false);
    await h.run(sent.map((m) => m.body));
    // After the read, before the first poll: a rename and a new customer whose webhooks never arrive.
    h.clock.advance(2 * 60_000);
    await control(h.qboSandbox, 'PATCH', `/realms/${h.realmId}/customers/${early}`, {
      DisplayName: 'Early Co Renamed',
    });
    const later = await createCustomer('Later Co');
    h.clock.advance(10 * 60_000);
    const polled: QueuedMessage[] = [];
    expect(await pollChanges(h.realmId, pollDeps(polled))).toMatchObject({ outcome: 'polled', enqueued: 2 });
    await h.run(polled.map((m) => m.body));
    expect(orgNames().sort()).toEqual(['Early Co Renamed', 'Later Co']);
    expect(await h.links.get(h.realmId, later)).toMatchObject({ state: 'synced' });
  });

  it('moves back a cursor that a poll set while the backfill was reading, so no change falls between them', async () => {
    await createCustomer('Read Co');
    h.clock.advance(3_600_000);
    let renamed = '';
    const slowDeps: BackfillDependencies = {
      ...deps,
      customerPages: async function* () {
        for await (const page of h.qbo.customerPages()) {
          yield page;
          // While the backfill is busy with Pipedrive: a change, then the first scheduled poll.
          h.clock.advance(60_000);
          renamed = await createCustomer('Made During The Backfill Co');
          // Longer ago than the poll's overlap by the time it runs.
          h.clock.advance(10 * 60_000);
          expect(await pollChanges(h.realmId, pollDeps([]))).toMatchObject({ outcome: 'first-run' });
        }
      },
    };
    await runBackfill(h.realmId, slowDeps, false);
    h.clock.advance(10 * 60_000);
    const polled: QueuedMessage[] = [];
    await pollChanges(h.realmId, pollDeps(polled));
    expect(polled.map((m) => m.body.id)).toContain(renamed);
  });

  it('reports matches in a dry run without writing, then links and creates with no duplicate organization', async () => {
    const realm = h.realmId;
    const existing = (
      (
        await control(h.qboSandbox, 'POST', `/realms/${realm}/customers`, {
          DisplayName: 'Harbor Light Catering LLC',
          CompanyName: 'Harbor Light Catering LLC',
        })
      ).body as { Customer: { Id: string } }
    ).Customer.Id;
    await control(h.qboSandbox, 'POST', `/realms/${realm}/customers`, { DisplayName: 'Brand New Co' });
    h.pipedriveSandbox.control.seed({
      organizations: [{ name: 'Harbor Light Catering' }, { name: 'Unrelated Org' }],
    });
    const beforeOrgs = h.pipedriveSandbox.store.organizations.size;

    const dry = await runBackfill(realm, deps, true);
    expect(dry.summary).toMatchObject({
      customers: 2,
      organizations: 2,
      linked: 1,
      toCreate: 1,
      review: 0,
      enqueued: 0,
      dryRun: true,
    });
    expect(sent).toHaveLength(0);
    expect(await h.links.get(realm, existing)).toBeUndefined();

    const applied = await runBackfill(realm, deps, false);
    expect(applied.summary.enqueued).toBe(2);
    expect(sent.every((m) => m.body.source === 'backfill')).toBe(true);
    await h.run(sent.map((m) => m.body));
    const names = [...h.pipedriveSandbox.store.organizations.values()]
      .filter((o) => !o.is_deleted)
      .map((o) => o.name)
      .sort();
    expect(names).toEqual(['Brand New Co', 'Harbor Light Catering LLC', 'Unrelated Org']);
    expect(h.pipedriveSandbox.store.organizations.size).toBe(beforeOrgs + 1);
    const matched = [...h.pipedriveSandbox.store.organizations.values()].find(
      (o) => o.name === 'Harbor Light Catering LLC',
    );
    expect(matched?.custom_fields[h.fields.fieldKeys.quickbooksId ?? '']).toBe(`${realm}:${existing}`);
  });
  it("keeps each customer's open invoices as its snapshot, read after the cursor it starts, so a poll need not query them (decision 66)", async () => {
    const realm = h.realmId;
    const id = (
      (await control(h.qboSandbox, 'POST', `/realms/${realm}/customers`, { DisplayName: 'Invoiced Co' })).body as {
        Customer: { Id: string };
      }
    ).Customer.Id;
    await control(h.qboSandbox, 'POST', `/realms/${realm}/invoices`, { customerId: id, amount: 75 });
    const snapshots = new OpenInvoiceSnapshotStore(h.table);

    await runBackfill(realm, deps, true);
    expect((await snapshots.getMany(realm, [id])).size).toBe(0);

    await runBackfill(realm, deps, false);
    const kept = (await snapshots.getMany(realm, [id])).get(id);
    expect(kept?.openInvoices.own.map((due) => due.cents)).toEqual([7500]);
    expect(kept?.job).toBe(false);
    const cursor = await new CursorStore(h.table).get(realm);
    expect(kept?.readAtMs).toBeGreaterThanOrEqual(cursor?.ledgerMovedAtMs ?? Number.POSITIVE_INFINITY);
  });

  it('holds an ambiguous customer for review: no webhook or reconcile creates a duplicate until a person decides', async () => {
    const realm = h.realmId;
    const twin = (
      (
        await control(h.qboSandbox, 'POST', `/realms/${realm}/customers`, {
          DisplayName: 'Twin Peaks LLC',
          CompanyName: 'Twin Peaks LLC',
        })
      ).body as { Customer: { Id: string } }
    ).Customer.Id;
    h.pipedriveSandbox.control.seed({ organizations: [{ name: 'Twin Peaks' }, { name: 'Twin Peaks Inc' }] });
    const liveOrgs = () => [...h.pipedriveSandbox.store.organizations.values()].filter((o) => !o.is_deleted);

    const applied = await runBackfill(realm, deps, false);
    expect(applied.summary).toMatchObject({ review: 1, enqueued: 0 });
    expect(await h.links.get(realm, twin)).toMatchObject({ state: 'review' });

    // A QBO change arrives by webhook: the worker writes nothing for it.
    const [held] = await h.run([h.message(twin)]);
    expect(held?.action).toBe('held');
    expect(liveOrgs()).toHaveLength(2);
    const report = await reconcile(realm, {
      customerPages: () => h.qbo.customerPages(),
      links: (r) => h.links.list(r),
      queue: { send: () => Promise.resolve() },
      now: () => h.clock.now(),
    });
    expect(report).toMatchObject({ heldForReview: 1, missing: 0, enqueued: 0 });

    // The person merges the two organizations in Pipedrive, then runs the backfill again.
    const [first, second] = liveOrgs();
    await h.pipedrive.mergeOrganizations(second?.id ?? 0, first?.id ?? 0);
    sent = [];
    const again = await runBackfill(realm, deps, false);
    expect(again.summary).toMatchObject({ review: 0, linked: 1 });
    await h.run(sent.map((m) => m.body));
    expect(liveOrgs()).toHaveLength(1);
    expect(await h.links.get(realm, twin)).toMatchObject({ state: 'synced', orgId: first?.id });
  });
});
