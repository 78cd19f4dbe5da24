import { type OpenInvoiceSnapshot, type OpenInvoiceSnapshots, snapshotOf } from './open-invoice-snapshots';
import { type EmbeddedOpenInvoices, openInvoicesByCustomer } from './open-invoices';
import { type ExistingOrganization, type MatchRow, matchCustomers, companyDomain } from './matching';
import type { QboCustomer, QboInvoice } from './qbo-entities';
import { parseQboTime } from './qbo-time';
import type { QuickbooksIdentity } from './quickbooks-identity';
import { type MessageQueue, queued, type SyncMessage, syncMessage } from './sync-message';

/**
 * The CDC cursor starts this long before the QBO time of the backfill's first read: a change committed
 * just before that answer may not have been visible to it (the poll adds its own overlap on top).
 */
export const BACKFILL_CURSOR_MARGIN_MS = 60_000;

export interface BackfillDependencies {
  /** Customer pages with the QBO time of each answer (`time`, when QBO sent one). */
  customerPages(): AsyncGenerator<{ customers: QboCustomer[]; time?: string | undefined }>;
  /** Every invoice with an open balance, a page at a time: the overdue balances of every customer in a few reads (decision 60). */
  openInvoicePages(): AsyncGenerator<QboInvoice[]>;
  organizationPages(): AsyncGenerator<{ id: number; name: string; quickbooksId: string | undefined }[]>;
  personPages(): AsyncGenerator<
    { org_id?: number | null | undefined; emails?: { value: string }[] | null | undefined }[]
  >;
  repoint(realmId: string, qboId: string, orgId: number, now: number): Promise<void>;
  /** Marks a customer with several candidate organizations: the worker creates nothing for it until a person decides. */
  holdForReview(realmId: string, qboId: string, reason: string, now: number): Promise<void>;
  /** Where every customer's open invoices are kept as read, so a later poll need not query them (decision 66). */
  snapshots: Pick<OpenInvoiceSnapshots, 'putMany'>;
  /** The bulk queue, so a backfill never holds up realtime changes. */
  queue: MessageQueue;
  now: () => number;
  nameOf(customer: QboCustomer): string;
  /**
   * Starts the CDC poll no later than the given time (`CursorStore.startNoLaterThan`), so changes
   * made after the backfill read QBO are the poll's, not left to webhooks alone.
   */
  startPolling(realmId: string, at: { changedSince: string; changedSinceMs: number }, now: number): Promise<unknown>;
  /** Whether this realm owns the bare ids in the company (decision 35). */
  ownsBareIds: boolean;
}

export interface BackfillSummary {
  customers: number;
  organizations: number;
  linked: number;
  toCreate: number;
  review: number;
  enqueued: number;
  dryRun: boolean;
}

/** What a person must do about a customer held for review. */
function reviewReason(row: MatchRow): string {
  const candidates = (row.candidates ?? []).join(', ');
  return row.method === 'quickbooks-id'
    ? `organizations ${candidates} carry this customer's QuickBooks ID: clear it on the copies or merge them in Pipedrive, then run the backfill again`
    : `several organizations match (${candidates}): merge them in Pipedrive or set the QuickBooks ID on the right one, then run the backfill again`;
}

/**
 * Every customer's open invoices from one read of all open invoices (decision 60), kept as each
 * customer's snapshot so a later poll need not query them while the ledger has not moved (decision 66).
 */
async function openInvoicesOfAll(
  realmId: string,
  customers: readonly QboCustomer[],
  deps: BackfillDependencies,
): Promise<Map<string, EmbeddedOpenInvoices>> {
  const readAt = deps.now();
  const openInvoices: QboInvoice[] = [];
  for await (const page of deps.openInvoicePages()) openInvoices.push(...page);
  const dueByCustomer = openInvoicesByCustomer(customers, openInvoices);
  const snapshots = new Map<string, OpenInvoiceSnapshot>();
  for (const customer of customers) {
    const due = dueByCustomer.get(customer.Id);
    if (due) snapshots.set(customer.Id, snapshotOf(customer, due, readAt));
  }
  await deps.snapshots.putMany(realmId, snapshots);
  return dueByCustomer;
}

/**
 * The first sync of a connection: list the existing organizations once (pages of 500) and their
 * persons, match every QBO customer (see matching.ts), and, unless it is a dry run, point the matched
 * customers at their organizations and queue every customer for the worker, which writes the
 * QuickBooks ID onto matched organizations and creates the rest.
 */
export async function runBackfill(
  realmId: string,
  deps: BackfillDependencies,
  dryRun: boolean,
): Promise<{ rows: MatchRow[]; summary: BackfillSummary }> {
  const customers: QboCustomer[] = [];
  const readStartedAt = deps.now();
  let firstReadAt: number | undefined;
  for await (const page of deps.customerPages()) {
    if (firstReadAt === undefined) {
      const qboTime = page.time === undefined ? Number.NaN : parseQboTime(page.time);
      firstReadAt = Number.isNaN(qboTime) ? readStartedAt : qboTime;
    }
    customers.push(...page.customers);
  }
  const domains = new Map<number, Set<string>>();
  for await (const page of deps.personPages()) {
    for (const person of page) {
      if (!person.org_id) continue;
      for (const email of person.emails ?? []) {
        const domain = companyDomain(email.value);
        if (domain) domains.set(person.org_id, (domains.get(person.org_id) ?? new Set()).add(domain));
      }
    }
  }
  const organizations: ExistingOrganization[] = [];
  for await (const page of deps.organizationPages()) {
    for (const org of page) organizations.push({ ...org, emailDomains: domains.get(org.id) ?? new Set() });
  }
  // The dry run and the apply match alike: same organizations, same identity (the dry run is a promise).
  const identity: QuickbooksIdentity = { realmId, ownsBareIds: deps.ownsBareIds };
  const rows = matchCustomers(customers, organizations, (customer) => deps.nameOf(customer), identity);
  const summary: BackfillSummary = {
    customers: customers.length,
    organizations: organizations.length,
    linked: rows.filter((row) => row.action === 'link').length,
    toCreate: rows.filter((row) => row.action === 'create').length,
    review: rows.filter((row) => row.action === 'review').length,
    enqueued: 0,
    dryRun,
  };
  if (dryRun) return { rows, summary };
  const dueByCustomer = await openInvoicesOfAll(realmId, customers, deps);
  const now = deps.now();
  const byId = new Map(customers.map((customer) => [customer.Id, customer]));
  const messages: SyncMessage[] = [];
  for (const row of rows) {
    if (row.action === 'review') {
      await deps.holdForReview(realmId, row.qboId, reviewReason(row), now);
      continue;
    }
    if (row.action === 'link' && row.orgId !== undefined) await deps.repoint(realmId, row.qboId, row.orgId, now);
    const customer = byId.get(row.qboId);
    if (!customer) continue;
    const due = dueByCustomer.get(customer.Id);
    messages.push(
      syncMessage({
        realmId,
        kind: 'customer',
        id: customer.Id,
        source: 'backfill',
        eventId: `backfill:${now}:${customer.Id}`,
        record: customer,
        ...(due ? { openInvoices: due } : {}),
        enqueuedAt: now,
      }),
    );
  }
  await deps.queue.send(messages.map(queued));
  summary.enqueued = messages.length;
  // Everything changed after the read began is the poll's: its cursor starts there (decision 31).
  const pollFrom = (firstReadAt ?? readStartedAt) - BACKFILL_CURSOR_MARGIN_MS;
  await deps.startPolling(realmId, { changedSince: new Date(pollFrom).toISOString(), changedSinceMs: pollFrom }, now);
  return { rows, summary };
}
