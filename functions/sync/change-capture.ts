import type { EmbeddedOpenInvoices } from './open-invoices';
import {
  type LedgerSignals,
  ledgerMayHaveMoved,
  type OpenInvoiceSnapshot,
  type OpenInvoiceSnapshots,
  snapshotHolds,
  snapshotOf,
} from './open-invoice-snapshots';
import { type OpenInvoiceSource, openInvoicesForPoll } from './poll-balances';
import type { QboCustomer } from './qbo-entities';
import { parseQboTime } from './qbo-time';
import { type MessageQueue, queued, type SyncMessage, syncMessage } from './sync-message';

/** An invoice or payment: whose balance it moves, and when it changed (absent: unknown). */
export interface Transaction {
  CustomerRef: { value: string };
  MetaData?: { LastUpdatedTime: string } | undefined;
}

/** What CDC says changed (see the QBO client's `changes`). */
export interface CapturedChanges {
  customers: QboCustomer[];
  deletedCustomerIds: string[];
  invoices: Transaction[];
  payments: Transaction[];
  capped: string[];
  time: string;
}

export interface ChangeSource extends OpenInvoiceSource {
  changes(since: string): Promise<CapturedChanges>;
  customerPages(updatedSince?: string): AsyncGenerator<{ customers: QboCustomer[] }>;
  /** Invoices or payments changed since a time, page by page (for a CDC answer capped on them). */
  transactionPages(entity: 'Invoice' | 'Payment', updatedSince: string): AsyncGenerator<Transaction[]>;
}

/** Where the next poll starts. */
export interface CursorPosition {
  changedSince: string;
  changedSinceMs: number;
  /**
   * Every change at or before this time was already read by a paged query: the next poll's overlap
   * stops here instead of re-reading (and re-queueing) a burst it has just read.
   */
  readThroughMs?: number | undefined;
  /** When the last poll that read a window began (our clock): a webhook received before it is read (decision 66). */
  polledAtMs?: number | undefined;
  /** The last time the ledger or the customer hierarchy may have moved; absent, unknown (decision 66). */
  ledgerMovedAtMs?: number | undefined;
}

export interface CursorPort {
  get(realmId: string): Promise<(CursorPosition & { version: number }) | undefined>;
  advance(realmId: string, next: CursorPosition, expectedVersion: number | undefined, now: number): Promise<boolean>;
}

/** What was last pushed to Pipedrive per customer (the link store, read in batches). */
export interface PushedVersions {
  getMany(
    realmId: string,
    qboIds: readonly string[],
  ): Promise<Map<string, { lastPushedUpdatedAtMs?: number | undefined; lastPushedSyncToken?: string | undefined }>>;
}

export interface LeasePort {
  acquire(scope: string, name: string, owner: string, now: number, ttlMs: number): Promise<boolean>;
  release(scope: string, name: string, owner: string): Promise<void>;
}

export interface PollOptions {
  /** Each poll starts this long before the cursor: CDC's `changedSince` inclusiveness is unverified, and clocks drift. */
  overlapMs: number;
  /** CDC answers only within this window (FACTS §3: 30 days); older cursors fall back to a paged query. */
  maxLookbackMs: number;
  leaseTtlMs: number;
  /**
   * A paged fallback read everything visible when it started; a change becomes visible at most this
   * long after its LastUpdatedTime (commit latency, unverified: a minute is generous). The next poll
   * starts this long before the fallback began instead of a whole overlap before the cursor.
   */
  settleMs: number;
}

export const DEFAULT_POLL_OPTIONS: PollOptions = {
  overlapMs: 5 * 60_000,
  maxLookbackMs: 29 * 86_400_000,
  leaseTtlMs: 10 * 60_000,
  settleMs: 60_000,
};

export interface PollResult {
  outcome: 'polled' | 'fallback-query' | 'first-run' | 'skipped';
  enqueued: number;
  /** Customers read whose version was already pushed, so not queued again. */
  alreadyPushed: number;
  /** Fresh customers sent with open invoices read by an earlier poll or backfill, which still hold (decision 66). */
  invoicesSentAgain?: number;
  cursor?: string;
}

export interface PollDependencies {
  qbo: ChangeSource;
  cursors: CursorPort;
  leases: LeasePort;
  queue: MessageQueue;
  /** What was already pushed: a customer whose read version is no newer is not queued again. */
  pushed: PushedVersions;
  /** Customers' open invoices as last read, sent again while the ledger has not moved (decision 66). */
  snapshots: OpenInvoiceSnapshots;
  now: () => number;
  owner: string;
}

function customerMessage(
  realmId: string,
  customer: QboCustomer,
  now: number,
  openInvoices: EmbeddedOpenInvoices | undefined,
): SyncMessage {
  return syncMessage({
    realmId,
    kind: 'customer',
    id: customer.Id,
    source: 'cdc',
    eventId: `cdc:${customer.Id}:${customer.SyncToken}:${customer.MetaData.LastUpdatedTime}`,
    occurredAt: customer.MetaData.LastUpdatedTime,
    record: customer,
    ...(openInvoices ? { openInvoices } : {}),
    enqueuedAt: now,
  });
}

/** The read version is no newer than the pushed one (an equal time and SyncToken is the same version, decision 16). */
function wasPushed(
  customer: QboCustomer,
  link: { lastPushedUpdatedAtMs?: number | undefined; lastPushedSyncToken?: string | undefined } | undefined,
): boolean {
  const pushedAt = link?.lastPushedUpdatedAtMs;
  if (pushedAt === undefined) return false;
  const readAt = parseQboTime(customer.MetaData.LastUpdatedTime);
  return readAt < pushedAt || (readAt === pushedAt && customer.SyncToken === link?.lastPushedSyncToken);
}

/**
 * One CDC poll of one connection (docs/architecture.md#cdc-poll): under a lease, read what changed since the
 * cursor (with an overlap), enqueue customers with their full record, turn invoice and payment
 * changes into customer refreshes, and only then move the cursor forward. A cursor older than the
 * CDC window, or an answer at the 1,000-object cap, falls back to a paged query of what was capped;
 * the next poll then starts where that read began (less `settleMs`), not a whole overlap earlier.
 * A customer whose read version was already pushed is not queued again, whatever SQS's dedup window
 * (decision 30).
 */
export async function pollChanges(
  realmId: string,
  deps: PollDependencies,
  options: PollOptions = DEFAULT_POLL_OPTIONS,
): Promise<PollResult> {
  const { qbo, cursors, leases, queue, now, owner } = deps;
  if (!(await leases.acquire('cdc', realmId, owner, now(), options.leaseTtlMs)))
    return { outcome: 'skipped', enqueued: 0, alreadyPushed: 0 };
  try {
    const cursor = await cursors.get(realmId);
    const startedAt = now();
    if (!cursor) {
      // No backfill has started the cursor (it starts it where its read began): CDC takes over from now.
      const first = new Date(startedAt).toISOString();
      await cursors.advance(realmId, { changedSince: first, changedSinceMs: startedAt }, undefined, startedAt);
      return { outcome: 'first-run', enqueued: 0, alreadyPushed: 0, cursor: first };
    }
    const read = await readWindow(qbo, cursor, startedAt, options);
    const { customers } = read;
    const ids = customers.map((customer) => customer.Id);
    const [pushed, earlier] = await Promise.all([
      deps.pushed.getMany(realmId, ids),
      deps.snapshots.getMany(realmId, ids),
    ]);
    // After the read: a query sent from now on sees every ledger change this window holds.
    const readEndedAt = now();
    const ledgerMovedAtMs =
      cursor.ledgerMovedAtMs === undefined ||
      ledgerMayHaveMoved(ledgerSignals(read, cursor.changedSinceMs - options.settleMs), earlier)
        ? readEndedAt
        : cursor.ledgerMovedAtMs;
    const fresh = customers.filter((customer) => !wasPushed(customer, pushed.get(customer.Id)));
    const openInvoices = new Map<string, EmbeddedOpenInvoices>();
    const toQuery: QboCustomer[] = [];
    for (const customer of fresh) {
      const snapshot = earlier.get(customer.Id);
      if (snapshotHolds(snapshot, customer, ledgerMovedAtMs)) openInvoices.set(customer.Id, snapshot.openInvoices);
      else toQuery.push(customer);
    }
    // Read after the changes: an invoice or payment changed since is the next poll's (or webhook's)
    // refresh. The query goes after `readEndedAt`, which is thus its snapshots' read time.
    const queried = await openInvoicesForPoll(qbo, toQuery);
    const taken = new Map<string, OpenInvoiceSnapshot>();
    for (const customer of toQuery) {
      const due = queried.get(customer.Id);
      if (!due) continue;
      openInvoices.set(customer.Id, due);
      taken.set(customer.Id, snapshotOf(customer, due, readEndedAt));
    }
    await deps.snapshots.putMany(realmId, taken);
    const messages = messagesFor(realmId, fresh, read, startedAt, openInvoices);
    await queue.send(messages.map(queued));
    // Only after every message is on the queue does the cursor move (a crash before this re-reads the window).
    await cursors.advance(realmId, { ...read.next, polledAtMs: startedAt, ledgerMovedAtMs }, cursor.version, startedAt);
    return {
      outcome: read.outcome,
      enqueued: messages.length,
      alreadyPushed: customers.length - fresh.length,
      invoicesSentAgain: fresh.length - toQuery.length,
      cursor: read.next.changedSince,
    };
  } finally {
    await leases.release('cdc', realmId, owner);
  }
}

/** What one poll read from QBO, and where the next poll starts. */
interface WindowRead {
  customers: QboCustomer[];
  deletedCustomerIds: string[];
  transactions: Transaction[];
  next: CursorPosition;
  /** The time that names this poll's events. */
  eventTime: string;
  outcome: 'polled' | 'fallback-query';
  /** Only customers were read (a cursor older than CDC's window): which invoices or payments changed is unknown. */
  transactionsUnknown: boolean;
}

/** Reads the changes since the cursor (with an overlap): CDC, or a paged query when CDC cannot answer in full. */
async function readWindow(
  qbo: ChangeSource,
  cursor: CursorPosition,
  startedAt: number,
  options: PollOptions,
): Promise<WindowRead> {
  const since = Math.max(0, cursor.changedSinceMs - options.overlapMs, cursor.readThroughMs ?? 0);
  const sinceIso = new Date(since).toISOString();
  if (startedAt - since > options.maxLookbackMs) {
    const eventTime = new Date(startedAt).toISOString();
    return {
      customers: await pagedCustomers(qbo, sinceIso),
      deletedCustomerIds: [],
      transactions: [],
      transactionsUnknown: true,
      eventTime,
      next: {
        changedSince: eventTime,
        changedSinceMs: startedAt,
        readThroughMs: Math.max(cursor.readThroughMs ?? 0, startedAt - options.settleMs),
      },
      outcome: 'fallback-query',
    };
  }
  const changes = await qbo.changes(sinceIso);
  const responseTime = parseQboTime(changes.time);
  const readAt = Math.min(Number.isNaN(responseTime) ? startedAt : responseTime, startedAt);
  let customers = changes.customers;
  const transactions = [...changes.invoices, ...changes.payments];
  // The answer may be truncated: take every object of a capped entity changed in the window page by page instead.
  if (changes.capped.includes('Customer')) customers = await pagedCustomers(qbo, sinceIso);
  for (const entity of ['Invoice', 'Payment'] as const) {
    if (!changes.capped.includes(entity)) continue;
    for await (const page of qbo.transactionPages(entity, sinceIso)) transactions.push(...page);
  }
  const fellBack = changes.capped.length > 0;
  const readThroughMs = fellBack
    ? Math.max(cursor.readThroughMs ?? 0, readAt - options.settleMs)
    : cursor.readThroughMs;
  return {
    customers,
    deletedCustomerIds: changes.deletedCustomerIds,
    transactions,
    eventTime: changes.time,
    next: {
      changedSince: changes.time,
      changedSinceMs: readAt,
      ...(readThroughMs !== undefined ? { readThroughMs } : {}),
    },
    outcome: fellBack ? 'fallback-query' : 'polled',
    transactionsUnknown: false,
  };
}

/** The poll's work: fresh customers with their record, deleted customers, and balance refreshes. */
function messagesFor(
  realmId: string,
  fresh: readonly QboCustomer[],
  read: WindowRead,
  startedAt: number,
  openInvoices: ReadonlyMap<string, EmbeddedOpenInvoices>,
): SyncMessage[] {
  const { eventTime } = read;
  const messages = fresh.map((customer) =>
    customerMessage(realmId, customer, startedAt, openInvoices.get(customer.Id)),
  );
  const changed = new Set(messages.map((message) => message.id));
  for (const id of read.deletedCustomerIds) {
    messages.push(
      syncMessage({
        realmId,
        kind: 'customer',
        id,
        operation: 'Delete',
        source: 'cdc',
        eventId: `cdc:deleted:${id}:${eventTime}`,
        enqueuedAt: startedAt,
      }),
    );
    changed.add(id);
  }
  // Balances move with invoices and payments, which may leave the customer record itself unchanged
  // (decision 6): a refresh is queued even when the customer's own version was already pushed.
  for (const txn of read.transactions) {
    const id = txn.CustomerRef.value;
    if (changed.has(id)) continue;
    changed.add(id);
    messages.push(
      syncMessage({
        realmId,
        kind: 'customer',
        id,
        source: 'cdc',
        eventId: `cdc:balance:${id}:${eventTime}`,
        enqueuedAt: startedAt,
      }),
    );
  }
  return messages;
}

/**
 * What of the window may have moved the ledger since the last poll. A change older than the cursor
 * less `settleMs` was visible to the poll that set the cursor, which accounted for it then: the
 * overlap re-reads it for minutes, and would otherwise keep every snapshot from being sent again.
 */
function ledgerSignals(read: WindowRead, seenBeforeMs: number): LedgerSignals {
  const isNew = (time: string | undefined) => {
    const at = time === undefined ? Number.NaN : parseQboTime(time);
    return Number.isNaN(at) || at >= seenBeforeMs;
  };
  return {
    customers: read.customers.filter((customer) => isNew(customer.MetaData.LastUpdatedTime)),
    deletedCustomerIds: read.deletedCustomerIds,
    transactions: read.transactions.filter((txn) => isNew(txn.MetaData?.LastUpdatedTime)).length,
    customersOnly: read.transactionsUnknown,
  };
}

/** Every customer changed since a time; a customer seen twice (it changed while the pages were read) counts once, newest. */
async function pagedCustomers(qbo: ChangeSource, sinceIso: string): Promise<QboCustomer[]> {
  const byId = new Map<string, QboCustomer>();
  for await (const page of qbo.customerPages(sinceIso))
    for (const customer of page.customers) byId.set(customer.Id, customer);
  return [...byId.values()];
}
