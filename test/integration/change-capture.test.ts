import { CursorStore } from '../../functions/store/cursor-store';
import { OpenInvoiceSnapshotStore } from '../../functions/store/open-invoice-snapshot-store';
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
      pushed: h.links,
      snapshots: new OpenInvoiceSnapshotStore(h.table),
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

  it('sends open invoices read by an earlier poll again while the ledger has not moved, and queries once it has (decision 66)', async () => {
    await pollChanges(realm(), deps);
    h.clock.advance(60_000);
    const id = await create('Snapshot Co');
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/invoices`, { customerId: id, amount: 40 });
    h.clock.advance(3 * 60_000);
    expect(await pollChanges(realm(), deps)).toMatchObject({ outcome: 'polled', invoicesSentAgain: 0 });
    // Polls minutes apart: a change is accounted for by the poll that read it once past the settling time.
    const rename = async (name: string) => {
      h.clock.advance(3 * 60_000);
      await control(h.qboSandbox, 'PATCH', `/realms/${realm()}/customers/${id}`, { CompanyName: name });
      h.clock.advance(60_000);
      sent.length = 0;
      const calls = h.qbo.calls;
      const result = await pollChanges(realm(), deps);
      return { result, calls: h.qbo.calls - calls, message: sent.find((m) => m.body.id === id)?.body };
    };

    // A rename moves no invoice: the CDC read is the poll's only call, and the invoices go again.
    const quiet = await rename('Snapshot Co Renamed');
    expect(quiet.result.invoicesSentAgain).toBe(1);
    expect(quiet.calls).toBe(1);
    expect(quiet.message?.openInvoices?.own.map((due) => due.cents)).toEqual([4000]);

    // A payment moves the ledger: the open invoices are queried again, and are right.
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/payments`, { customerId: id, amount: 15 });
    const moved = await rename('Snapshot Co Paid');
    expect(moved.result.invoicesSentAgain).toBe(0);
    expect(moved.calls).toBeGreaterThan(1);
    expect(moved.message?.openInvoices?.own.map((due) => due.cents)).toEqual([2500]);
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
      transactionPages: (entity: 'Invoice' | 'Payment', since: string) => h.qbo.transactionPages(entity, since),
      childrenOf: (ids: readonly string[]) => h.qbo.childrenOf(ids),
      openInvoicesOf: (ids: readonly string[]) => h.qbo.openInvoicesOf(ids),
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

  /**
   * QBO caps a CDC answer at 1,000 objects per entity. The sandbox is told to cap at 5 and the
   * client's cap check is moved to match, so a burst of a dozen changes stands for one of thousands.
   */
  const CAP = 5;
  const cappedAt = async (cap: number) => {
    await control(h.qboSandbox, 'PUT', '/cdc', { maxObjectsPerEntity: cap });
    const qbo: PollDependencies['qbo'] = {
      changes: async (since) => {
        const changes = await h.qbo.changes(since);
        const counts = {
          Customer: changes.customers.length,
          Invoice: changes.invoices.length,
          Payment: changes.payments.length,
        };
        const capped = Object.entries(counts)
          .filter(([, count]) => count >= cap)
          .map(([entity]) => entity);
        return { ...changes, capped };
      },
      customerPages: (since) => h.qbo.customerPages(since),
      transactionPages: (entity, since) => h.qbo.transactionPages(entity, since),
      childrenOf: (ids) => h.qbo.childrenOf(ids),
      openInvoicesOf: (ids) => h.qbo.openInvoicesOf(ids),
    };
    return qbo;
  };

  it('after a capped answer and a paged fallback, the next polls neither re-read the burst nor re-queue it', async () => {
    const qbo = await cappedAt(CAP);
    await pollChanges(realm(), { ...deps, qbo });
    h.clock.advance(60_000);
    const burst: string[] = [];
    for (let i = 0; i < 12; i++) burst.push(await create(`Burst Co ${i}`));
    h.clock.advance(5 * 60_000);
    const fallback = await pollChanges(realm(), { ...deps, qbo });
    expect(fallback).toMatchObject({ outcome: 'fallback-query', enqueued: 12 });
    expect(sent.map((m) => m.body.id).sort()).toEqual([...burst].sort());
    // Polls every minute for the next five (the overlap): each would have hit the cap again.
    for (let minute = 0; minute < 5; minute++) {
      h.clock.advance(60_000);
      expect(await pollChanges(realm(), { ...deps, qbo })).toMatchObject({ outcome: 'polled', enqueued: 0 });
    }
    expect(sent).toHaveLength(12);
    // A change after the fallback is still caught.
    const late = await create('After The Burst Co');
    h.clock.advance(60_000);
    expect(await pollChanges(realm(), { ...deps, qbo })).toMatchObject({ outcome: 'polled', enqueued: 1 });
    expect(sent.at(-1)?.body.id).toBe(late);
  });

  it('does not queue again a customer whose version was already pushed, but still refreshes a balance moved by an invoice', async () => {
    await pollChanges(realm(), deps);
    h.clock.advance(60_000);
    const invoiced = await create('Invoiced Later Co');
    const quiet = await create('Quiet Co');
    h.clock.advance(60_000);
    expect(await pollChanges(realm(), deps)).toMatchObject({ outcome: 'polled', enqueued: 2, alreadyPushed: 0 });
    await h.run(sent.map((m) => m.body));
    expect(await h.links.get(realm(), quiet)).toMatchObject({ state: 'synced' });
    sent.length = 0;
    // The invoice moves the balance without a new LastUpdatedTime (decision 6); both customers are inside the overlap.
    await control(h.qboSandbox, 'POST', `/realms/${realm()}/invoices`, { customerId: invoiced, amount: 250 });
    h.clock.advance(60_000);
    const again = await pollChanges(realm(), deps);
    expect(again).toMatchObject({ outcome: 'polled', alreadyPushed: 2, enqueued: 1 });
    expect(
      sent.map((m) => [m.body.id, m.body.record === undefined, m.body.eventId.startsWith('cdc:balance:')]),
    ).toEqual([[invoiced, true, true]]);
    await h.run(sent.map((m) => m.body));
    const link = await h.links.get(realm(), invoiced);
    const org = h.pipedriveSandbox.store.organizations.get(link?.orgId ?? -1);
    expect(org?.custom_fields[h.fields.fieldKeys.openBalance ?? '']).toMatchObject({ value: 250 });
  });

  it('takes the invoices past a capped answer from a paged query, so no balance change is lost', async () => {
    const qbo = await cappedAt(CAP);
    await pollChanges(realm(), { ...deps, qbo });
    h.clock.advance(60_000);
    const customers: string[] = [];
    for (let i = 0; i < 3; i++) customers.push(await create(`Billed Co ${i}`));
    // Synced once: their own records are then no news, only their invoices are.
    h.clock.advance(60_000);
    await pollChanges(realm(), { ...deps, qbo });
    await h.run(sent.map((m) => m.body));
    sent.length = 0;
    h.clock.advance(10 * 60_000);
    // The sandbox answers with the oldest five invoices: the last customer's comes only after the cap.
    for (const customerId of [customers[0], customers[1], customers[0], customers[1], customers[0], customers[2]])
      await control(h.qboSandbox, 'POST', `/realms/${realm()}/invoices`, { customerId, amount: 10 });
    h.clock.advance(60_000);
    expect(await pollChanges(realm(), { ...deps, qbo })).toMatchObject({ outcome: 'fallback-query' });
    expect(sent.map((m) => m.body.id).sort()).toEqual([...customers].sort());
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
