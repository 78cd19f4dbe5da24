import { CursorStore } from '../../functions/store/cursor-store';
import { LeaseStore } from '../../functions/store/lease-store';
import { pollChanges, type PollDependencies } from '../../functions/sync/change-capture';
import { reconcile } from '../../functions/sync/reconcile';
import type { QueuedMessage } from '../../functions/sync/sync-message';
import { control } from '../helpers/quickbooks-sandbox';
import { type SyncHarness, startSyncHarness } from '../helpers/sync-harness';

describe('CDC poll and daily reconcile against the QBO sandbox and DynamoDB Local', () => {
  let h: SyncHarness;
  let sent: QueuedMessage[];
  let deps: PollDependencies;
  beforeEach(async () => {
    h = await startSyncHarness({ count: 20, seed: 9 });
    sent = [];
    deps = {
      qbo: h.qbo,
      cursors: new CursorStore(h.table),
      leases: new LeaseStore(h.table),
      queue: { send: (messages) => Promise.resolve(void sent.push(...messages)) },
      now: () => h.clock.now(),
      owner: 'poller-1',
    };
  });
  afterEach(() => h.close());

  const realm = () => h.realmId;
  const create = async (name: string) =>
    (
      (await control(h.qboSandbox, 'POST', `/realms/${realm()}/customers`, { DisplayName: name })).body as {
        Customer: { Id: string };
      }
    ).Customer.Id;

  it('starts its cursor at the first run, then enqueues changed customers with their records and balance changes as refreshes', async () => {
    expect(await pollChanges(realm(), deps)).toMatchObject({ outcome: 'first-run', enqueued: 0 });
    h.clock.advance(60_000);
    const id = await create('Polled Co');
    const other = await create('Invoiced Co');
    h.clock.advance(10 * 60_000);
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/invoices`, { customerId: other, amount: 10 });
    h.clock.advance(15 * 60_000);
    const result = await pollChanges(realm(), deps);
    expect(result).toMatchObject({ outcome: 'polled', enqueued: 2 });
    const polled = sent.find((m) => m.body.id === id);
    expect(polled?.body).toMatchObject({
      source: 'cdc',
      kind: 'customer',
      record: { Id: id, DisplayName: 'Polled Co' },
    });
    expect(polled?.groupId).toBe(`${realm()}#${id}`);
    expect((await deps.cursors.get(realm()))?.changedSince).toBe(result.cursor);
  });

  it('catches a change whose webhook was dropped, and the worker brings it into Pipedrive', async () => {
    await pollChanges(realm(), deps);
    h.qboSandbox.state.webhooks.configure({ dropProbability: 1 });
    h.clock.advance(60_000);
    const id = await create('Dropped Webhook Co');
    h.clock.advance(15 * 60_000);
    await pollChanges(realm(), deps);
    await h.run(sent.map((m) => m.body));
    expect([...h.pipedriveSandbox.store.organizations.values()].map((o) => o.name)).toContain('Dropped Webhook Co');
    expect(await h.links.get(realm(), id)).toMatchObject({ state: 'synced' });
  });

  it('lets only one poll of a connection run at a time', async () => {
    await pollChanges(realm(), deps);
    h.clock.advance(60_000);
    // The first poll holds its lease while it waits for QBO; the second one arrives meanwhile.
    let answerQbo: () => void = () => undefined;
    const qboAnswers = new Promise<void>((resolve) => (answerQbo = resolve));
    let firstAsked: () => void = () => undefined;
    const firstIsWaiting = new Promise<void>((resolve) => (firstAsked = resolve));
    const slowQbo = {
      changes: async (since: string) => {
        firstAsked();
        await qboAnswers;
        return h.qbo.changes(since);
      },
      customerPages: () => h.qbo.customerPages(),
    };
    const first = pollChanges(realm(), { ...deps, qbo: slowQbo });
    await firstIsWaiting;
    const second = await pollChanges(realm(), { ...deps, owner: 'poller-2' });
    answerQbo();
    expect([(await first).outcome, second.outcome]).toEqual(['polled', 'skipped']);
  });

  it('falls back to a paged query when the cursor is older than the CDC window', async () => {
    await pollChanges(realm(), deps);
    h.clock.advance(31 * 86_400_000);
    await create('Late Co');
    const result = await pollChanges(realm(), deps);
    expect(result.outcome).toBe('fallback-query');
    expect(sent.map((m) => m.body.record).filter(Boolean).length).toBeGreaterThanOrEqual(1);
  });

  it('reports what webhooks missed, and sends every difference to the bulk queue', async () => {
    // Everything synced once, then one change goes unannounced and one customer is never seen.
    const ids: string[] = [];
    for await (const page of h.qbo.customerPages()) ids.push(...page.customers.map((c) => c.Id));
    await h.run(ids.map((id) => h.message(id, { source: 'backfill' })));
    sent.length = 0;
    h.clock.advance(60_000);
    await control(h.qboSandbox, 'PATCH', `/realms/${realm()}/customers/${ids[0] ?? ''}`, {
      CompanyName: 'Renamed while nobody listened',
    });
    const unseen = await create('Never Seen Co');
    const report = await reconcile(realm(), {
      customerPages: () => h.qbo.customerPages(),
      links: (r) => h.links.list(r),
      queue: deps.queue,
      now: () => h.clock.now(),
    });
    expect(report.missing).toBe(1);
    expect(report.outdated).toBe(1);
    expect(report.customers).toBe(ids.length + 1);
    expect(report.enqueued).toBe(
      report.missing + report.outdated + report.failed + report.openBalance + report.orphaned,
    );
    expect(sent.map((m) => m.body.id)).toEqual(expect.arrayContaining([unseen, ids[0]]));
    expect(sent.every((m) => m.body.source === 'reconcile')).toBe(true);
  });
});
