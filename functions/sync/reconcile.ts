import type { QboCustomer } from './qbo-entities';
import { parseQboTime } from './qbo-time';
import { qualifiedQuickbooksId } from './quickbooks-identity';
import { type MessageQueue, queued, type SyncMessage, syncMessage } from './sync-message';

export interface ReconcileLink {
  qboId: string;
  state: 'pending' | 'synced' | 'failed' | 'excluded' | 'review';
  orgId?: number | undefined;
  lastPushedUpdatedAtMs?: number | undefined;
  pushed?: unknown;
}

export interface ReconcileDependencies {
  customerPages(): AsyncGenerator<{ customers: QboCustomer[] }>;
  links(realmId: string): AsyncGenerator<ReconcileLink[]>;
  /** The bulk queue: reconcile work must not hold up realtime changes. */
  queue: MessageQueue;
  now: () => number;
}

/** What the daily reconcile found; `missing` and `outdated` are what webhooks and CDC did not deliver. */
export interface ReconcileReport {
  customers: number;
  inSync: number;
  missing: number;
  outdated: number;
  failed: number;
  /** Customers with an open balance: their overdue part grows as invoices pass their due date, with no change in QBO. */
  openBalance: number;
  orphaned: number;
  /** Left alone: the backfill found several candidate organizations and a person has to choose. */
  heldForReview: number;
  enqueued: number;
}

function pushedOrganizationField(pushed: unknown, field: string): unknown {
  if (typeof pushed !== 'object' || pushed === null) return undefined;
  const organization: unknown = Reflect.get(pushed, 'organization');
  if (typeof organization !== 'object' || organization === null) return undefined;
  return Reflect.get(organization, field);
}

function pushedOpenBalance(pushed: unknown): number | undefined {
  const open = pushedOrganizationField(pushed, 'openBalance');
  const value: unknown = typeof open === 'object' && open !== null ? Reflect.get(open, 'value') : undefined;
  return typeof value === 'number' ? value : undefined;
}

/**
 * The daily proof that nothing was missed (docs/architecture.md#reconcile): every QBO customer is compared with its
 * link, and every difference goes to the bulk queue with the full record (the worker skips what turns
 * out unchanged at no Pipedrive cost).
 */
export async function reconcile(realmId: string, deps: ReconcileDependencies): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    customers: 0,
    inSync: 0,
    missing: 0,
    heldForReview: 0,
    outdated: 0,
    failed: 0,
    openBalance: 0,
    orphaned: 0,
    enqueued: 0,
  };
  const links = new Map<string, ReconcileLink>();
  for await (const page of deps.links(realmId)) for (const link of page) links.set(link.qboId, link);
  const now = deps.now();
  // The run's UTC date (not a Pipedrive budget day): one event id per customer and daily run.
  const day = new Date(now).toISOString().slice(0, 10);
  const send = async (messages: SyncMessage[]) => {
    await deps.queue.send(messages.map(queued));
    report.enqueued += messages.length;
  };
  for await (const page of deps.customerPages()) {
    const work: SyncMessage[] = [];
    for (const customer of page.customers) {
      report.customers++;
      const link = links.get(customer.Id);
      links.delete(customer.Id);
      let reason: 'missing' | 'outdated' | 'failed' | 'openBalance' | undefined;
      if (!link) reason = 'missing';
      else if (link.state === 'excluded') reason = undefined;
      else if (link.state === 'review' && link.orgId === undefined) {
        // Held until a person picks the organization (ml-connector backfill after fixing Pipedrive).
        report.heldForReview++;
        continue;
      } else if (link.state === 'failed' || link.state === 'pending') reason = 'failed';
      else if (
        link.lastPushedUpdatedAtMs === undefined ||
        parseQboTime(customer.MetaData.LastUpdatedTime) > link.lastPushedUpdatedAtMs ||
        // Pushed before decision 35 with a bare id: written again with the realm-qualified one.
        pushedOrganizationField(link.pushed, 'quickbooksId') !== qualifiedQuickbooksId(realmId, customer.Id)
      )
        reason = 'outdated';
      else if (
        (customer.Balance ?? 0) !== 0 ||
        pushedOpenBalance(link.pushed) !== (customer.BalanceWithJobs ?? customer.Balance ?? 0)
      )
        reason = 'openBalance';
      if (!reason) {
        report.inSync++;
        continue;
      }
      report[reason]++;
      work.push(
        syncMessage({
          realmId,
          kind: 'customer',
          id: customer.Id,
          source: 'reconcile',
          eventId: `reconcile:${day}:${customer.Id}:${customer.SyncToken}`,
          record: customer,
          enqueuedAt: now,
        }),
      );
    }
    await send(work);
  }
  // Links whose customer QBO no longer has (merged away): the worker flags their organizations.
  const orphans = [...links.values()].filter((link) => link.state !== 'excluded' && link.orgId !== undefined);
  report.orphaned = orphans.length;
  await send(
    orphans.map((link) =>
      syncMessage({
        realmId,
        kind: 'customer',
        id: link.qboId,
        source: 'reconcile',
        eventId: `reconcile:${day}:${link.qboId}:gone`,
        enqueuedAt: now,
      }),
    ),
  );
  return report;
}
