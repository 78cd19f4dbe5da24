import fc from 'fast-check';
import type { QuickBooksClient } from '../../functions/quickbooks/client';
import { runBackfill } from '../../functions/sync/backfill';
import { openInvoicesForPoll } from '../../functions/sync/poll-balances';
import type { SubCustomerRule } from '../../functions/sync/mapping';
import { overdueBalanceOf } from '../../functions/sync/prepare-batch';
import type { QboCustomer, QboInvoice } from '../../functions/sync/qbo-entities';
import type { SyncMessage } from '../../functions/sync/sync-message';
import { MemorySnapshots } from '../../bench/harness/memory-stores';
import { CursorStore } from '../../functions/store/cursor-store';
import { LeaseStore } from '../../functions/store/lease-store';
import { OpenInvoiceSnapshotStore } from '../../functions/store/open-invoice-snapshot-store';
import { pollChanges } from '../../functions/sync/change-capture';
import type { OpenInvoiceSnapshots } from '../../functions/sync/open-invoice-snapshots';
import type { JsonObject } from '../../local/quickbooks/json';
import type { Ledger } from '../../local/quickbooks/ledger';
import { type RealmHarness, startSyncHarness, type SyncHarness } from '../helpers/sync-harness';

/**
 * The overdue balance the connector computes, by each of its paths (the worker's per-batch queries,
 * the backfill's one read of every open invoice, decision 60, and the CDC poll's read of the changed
 * customers' open invoices, decision 65), equals the sandbox ledger's after
 * any sequence of invoices, payments, due dates passing and sub-customer moves (a merge moves the
 * loser's sub-customers under the survivor).
 */
type Step =
  | { kind: 'customer'; parent: number | undefined }
  | { kind: 'invoice'; customer: number; cents: number; dueInDays: number }
  | { kind: 'payment'; customer: number; cents: number }
  | { kind: 'days'; days: number }
  | { kind: 'merge'; loser: number; survivor: number };

const DAY_MS = 86_400_000;

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('customer'), parent: fc.option(fc.nat(20), { nil: undefined, freq: 3 }) }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('invoice'),
      customer: fc.nat(20),
      cents: fc.integer({ min: 1, max: 500_000 }),
      dueInDays: fc.integer({ min: -6, max: 6 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('payment'),
      customer: fc.nat(20),
      cents: fc.integer({ min: 1, max: 500_000 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('days'), days: fc.integer({ min: 1, max: 4 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('merge'), loser: fc.nat(20), survivor: fc.nat(20) }), weight: 1 },
);

/** After the backfill: mostly edits that leave the ledger alone, between the ledger's own moves. */
type LaterStep = Step | { kind: 'rename'; customer: number };
const laterStep: fc.Arbitrary<LaterStep> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('rename'), customer: fc.nat(20) }), weight: 8 },
  { arbitrary: step, weight: 2 },
);

function text(record: JsonObject, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

function apply(ledger: Ledger, h: SyncHarness, ids: string[], s: LaterStep, n: number): void {
  const pick = (i: number): string | undefined => ids[i % Math.max(1, ids.length)];
  switch (s.kind) {
    case 'rename': {
      const customer = pick(s.customer);
      if (customer) ledger.updateCustomer(customer, { CompanyName: `Renamed ${n}` });
      return;
    }
    case 'customer': {
      const parent = s.parent === undefined ? undefined : pick(s.parent);
      try {
        const created = ledger.createCustomer({
          DisplayName: `Customer ${n}`,
          ...(parent ? { ParentRef: { value: parent } } : {}),
        });
        const id = text(created, 'Id');
        if (id) ids.push(id);
      } catch {
        // Too deep for QBO's hierarchy: nothing was created.
      }
      return;
    }
    case 'invoice': {
      const customer = pick(s.customer);
      const due = new Date(h.clock.now() + s.dueInDays * DAY_MS).toISOString().slice(0, 10);
      if (customer) ledger.createInvoice({ customerId: customer, amount: s.cents / 100, dueDate: due });
      return;
    }
    case 'payment': {
      const customer = pick(s.customer);
      if (customer) ledger.createPayment({ customerId: customer, amount: s.cents / 100 });
      return;
    }
    case 'days':
      h.clock.advance(s.days * DAY_MS);
      return;
    case 'merge': {
      const loser = pick(s.loser);
      const survivor = pick(s.survivor);
      if (!loser || !survivor || loser === survivor) return;
      try {
        ledger.mergeCustomers(loser, survivor);
      } catch {
        // QBO refuses some merges (into one's own sub-customer, an inactive customer): nothing moved.
        return;
      }
      ids.splice(ids.indexOf(loser), 1);
    }
  }
}

/** The ledger's own answer: open invoices past due on `today`, a top-level customer's with its sub-customers' (four levels). */
function ledgerOverdueCents(
  ledger: Ledger,
  customers: readonly QboCustomer[],
  id: string,
  rule: SubCustomerRule,
  today: string,
): number {
  const own = (customerId: string) =>
    ledger
      .openInvoices(customerId)
      .filter((invoice) => (text(invoice, 'DueDate') ?? '9999') < today)
      .reduce((sum, invoice) => sum + Math.round(Number(invoice.Balance) * 100), 0);
  const customer = customers.find((c) => c.Id === id);
  if (rule === 'separate' || customer?.Job) return own(id);
  let total = own(id);
  let frontier = [id];
  for (let level = 0; level < 4 && frontier.length > 0; level++) {
    frontier = customers.filter((c) => frontier.includes(c.ParentRef?.value ?? '')).map((c) => c.Id);
    for (const child of frontier) total += own(child);
  }
  return total;
}

async function allCustomers(qbo: QuickBooksClient): Promise<QboCustomer[]> {
  const out: QboCustomer[] = [];
  for await (const page of qbo.customerPages()) out.push(...page.customers);
  return out;
}

/** The messages the backfill would queue, each with its record and open invoices. */
async function backfillMessages(
  realm: RealmHarness,
  h: SyncHarness,
  kept: { snapshots: OpenInvoiceSnapshots; cursors?: CursorStore } = { snapshots: new MemorySnapshots() },
): Promise<SyncMessage[]> {
  const sent: SyncMessage[] = [];
  await runBackfill(
    realm.realmId,
    {
      customerPages: () => realm.qbo.customerPages(),
      openInvoicePages: (): AsyncGenerator<QboInvoice[]> => realm.qbo.openInvoicePages(),
      organizationPages: async function* () {},
      personPages: async function* () {},
      repoint: () => Promise.resolve(),
      holdForReview: () => Promise.resolve(),
      snapshots: kept.snapshots,
      queue: {
        send: (messages) => {
          sent.push(...messages.map((m) => m.body));
          return Promise.resolve();
        },
      },
      now: () => h.clock.now(),
      nameOf: (customer) => customer.DisplayName,
      startPolling: (realmId, at, now) => kept.cursors?.startNoLaterThan(realmId, at, now) ?? Promise.resolve(),
      ownsBareIds: false,
    },
    false,
  );
  return sent;
}

describe('overdue balances agree with the sandbox ledger (property)', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await startSyncHarness();
  });
  afterAll(() => h.close());

  it.each<SubCustomerRule>(['rollup', 'separate'])(
    'by queries per batch, by the backfill’s one read and by the poll’s read, sub-customers %s',
    async (rule) => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { minLength: 1, maxLength: 60 }),
          fc.integer({ min: 0, max: 5 }),
          async (steps, laterDays) => {
            const realm = await h.addRealm(`Ledger ${rule} ${run++}`);
            const ledger = h.qboSandbox.state.ledger(realm.realmId);
            const ids: string[] = [];
            steps.forEach((s, n) => {
              apply(ledger, h, ids, s, n);
            });
            const backfilled = await backfillMessages(realm, h);
            // What a poll that found every customer changed would send (decision 65).
            const changed = await allCustomers(realm.qbo);
            const pollInvoices = await openInvoicesForPoll(realm.qbo, changed);
            const polled = changed.map((c) => {
              const openInvoices = pollInvoices.get(c.Id);
              return {
                ...realm.message(c.Id),
                source: 'cdc' as const,
                record: c,
                ...(openInvoices ? { openInvoices } : {}),
              };
            });
            // The backfill's messages are handled later: due dates may pass in between.
            h.clock.advance(laterDays * DAY_MS);
            const today = new Date(h.clock.now()).toISOString().slice(0, 10);
            const customers = await allCustomers(realm.qbo);
            const sync = realm.sync({ subCustomers: rule });
            const queried = await sync.prepare(customers.map((c) => realm.message(c.Id)));
            const callsBefore = realm.qbo.calls;
            const embedded = await sync.prepare(backfilled);
            // The backfill's messages carry all the worker needs (Term names are cached by the query path above).
            expect(realm.qbo.calls - callsBefore).toBe(0);
            const fromPoll = await sync.prepare(polled);
            expect(realm.qbo.calls - callsBefore).toBe(0);
            for (const customer of customers) {
              const expected = ledgerOverdueCents(ledger, customers, customer.Id, rule, today) / 100;
              expect([customer.Id, overdueBalanceOf(customer, queried, rule)]).toEqual([customer.Id, expected]);
              expect([customer.Id, overdueBalanceOf(customer, embedded, rule)]).toEqual([customer.Id, expected]);
              expect([customer.Id, overdueBalanceOf(customer, fromPoll, rule)]).toEqual([customer.Id, expected]);
            }
          },
        ),
        { numRuns: 40 },
      );
    },
    240_000,
  );

  it.each<SubCustomerRule>(['rollup', 'separate'])(
    'by a later poll that sends open invoices read earlier while the ledger has not moved (decision 66), sub-customers %s',
    async (rule) => {
      let run = 0;
      let sentAgain = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { minLength: 1, maxLength: 40 }),
          fc.array(laterStep, { minLength: 0, maxLength: 12 }),
          fc.integer({ min: 0, max: 3 }),
          async (before, after, laterDays) => {
            const realm = await h.addRealm(`Snapshots ${rule} ${run++}`);
            const ledger = h.qboSandbox.state.ledger(realm.realmId);
            const ids: string[] = [];
            before.forEach((s, n) => {
              apply(ledger, h, ids, s, n);
            });
            const kept = { snapshots: new OpenInvoiceSnapshotStore(h.table), cursors: new CursorStore(h.table) };
            await backfillMessages(realm, h, kept);
            const poll = () =>
              pollChanges(realm.realmId, {
                qbo: realm.qbo,
                cursors: kept.cursors,
                leases: new LeaseStore(h.table),
                queue: { send: (messages) => Promise.resolve(void polled.push(...messages.map((m) => m.body))) },
                // Nothing was pushed: every customer read is sent, with its open invoices.
                pushed: { getMany: () => Promise.resolve(new Map()) },
                snapshots: kept.snapshots,
                now: () => h.clock.now(),
                owner: 'property',
              });
            let polled: SyncMessage[] = [];
            // Minutes apart, as polls are: a change is a poll's to account for once it is past the settling time.
            h.clock.advance(3 * 60_000);
            await poll();
            after.forEach((s, n) => {
              apply(ledger, h, ids, s, before.length + n);
            });
            h.clock.advance(3 * 60_000);
            polled = [];
            const result = await poll();
            sentAgain += result.invoicesSentAgain ?? 0;
            h.clock.advance(laterDays * DAY_MS);
            const today = new Date(h.clock.now()).toISOString().slice(0, 10);
            const customers = await allCustomers(realm.qbo);
            const fromPoll = await realm.sync({ subCustomers: rule }).prepare(polled);
            for (const message of polled) {
              const customer = customers.find((c) => c.Id === message.id);
              if (!customer) continue;
              const expected = ledgerOverdueCents(ledger, customers, customer.Id, rule, today) / 100;
              expect([customer.Id, overdueBalanceOf(customer, fromPoll, rule)]).toEqual([customer.Id, expected]);
            }
          },
        ),
        { numRuns: 40 },
      );
      // The property covers snapshots sent again, not only queries.
      expect(sentAgain).toBeGreaterThan(0);
    },
    240_000,
  );
});
