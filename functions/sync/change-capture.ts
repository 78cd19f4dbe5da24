import type { QboCustomer } from './qbo-entities';
import { parseQboTime } from './qbo-time';
import { type MessageQueue, queued, type SyncMessage } from './sync-message';

/** What CDC says changed (see the QBO client's `changes`). */
export interface CapturedChanges {
  customers: QboCustomer[];
  deletedCustomerIds: string[];
  invoices: { CustomerRef: { value: string } }[];
  payments: { CustomerRef: { value: string } }[];
  capped: string[];
  time: string;
}

export interface ChangeSource {
  changes(since: string): Promise<CapturedChanges>;
  customerPages(updatedSince?: string): AsyncGenerator<{ customers: QboCustomer[] }>;
}

export interface CursorPort {
  get(realmId: string): Promise<{ changedSince: string; changedSinceMs: number; version: number } | undefined>;
  advance(
    realmId: string,
    next: { changedSince: string; changedSinceMs: number },
    expectedVersion: number | undefined,
    now: number,
  ): Promise<boolean>;
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
}

export const DEFAULT_POLL_OPTIONS: PollOptions = {
  overlapMs: 5 * 60_000,
  maxLookbackMs: 29 * 86_400_000,
  leaseTtlMs: 10 * 60_000,
};

export interface PollResult {
  outcome: 'polled' | 'fallback-query' | 'first-run' | 'skipped';
  enqueued: number;
  cursor?: string;
}

export interface PollDependencies {
  qbo: ChangeSource;
  cursors: CursorPort;
  leases: LeasePort;
  queue: MessageQueue;
  now: () => number;
  owner: string;
}

function customerMessage(realmId: string, customer: QboCustomer, now: number): SyncMessage {
  return {
    v: 1,
    realmId,
    kind: 'customer',
    id: customer.Id,
    source: 'cdc',
    eventId: `cdc:${customer.Id}:${customer.SyncToken}:${customer.MetaData.LastUpdatedTime}`,
    occurredAt: customer.MetaData.LastUpdatedTime,
    record: customer,
    enqueuedAt: now,
  };
}

/**
 * One CDC poll of one connection (ARCHITECTURE §2): under a lease, read what changed since the
 * cursor (with an overlap), enqueue customers with their full record, turn invoice and payment
 * changes into customer refreshes, and only then move the cursor forward. A cursor older than the
 * CDC window, or an answer at the 1,000-object cap, falls back to a paged query.
 */
export async function pollChanges(
  realmId: string,
  deps: PollDependencies,
  options: PollOptions = DEFAULT_POLL_OPTIONS,
): Promise<PollResult> {
  const { qbo, cursors, leases, queue, now, owner } = deps;
  if (!(await leases.acquire('cdc', realmId, owner, now(), options.leaseTtlMs)))
    return { outcome: 'skipped', enqueued: 0 };
  try {
    const cursor = await cursors.get(realmId);
    const startedAt = now();
    if (!cursor) {
      // The first backfill covers the past; CDC takes over from the moment the connection was made.
      const first = new Date(startedAt).toISOString();
      await cursors.advance(realmId, { changedSince: first, changedSinceMs: startedAt }, undefined, startedAt);
      return { outcome: 'first-run', enqueued: 0, cursor: first };
    }
    const since = Math.max(0, cursor.changedSinceMs - options.overlapMs);
    const sinceIso = new Date(since).toISOString();
    let messages: SyncMessage[];
    let next: { changedSince: string; changedSinceMs: number };
    let outcome: PollResult['outcome'] = 'polled';
    if (startedAt - since > options.maxLookbackMs) {
      messages = await pagedCustomers(realmId, qbo, sinceIso, startedAt);
      next = { changedSince: new Date(startedAt).toISOString(), changedSinceMs: startedAt };
      outcome = 'fallback-query';
    } else {
      const changes = await qbo.changes(sinceIso);
      const responseTime = parseQboTime(changes.time);
      const at = Number.isNaN(responseTime) ? startedAt : responseTime;
      if (changes.capped.length > 0) {
        // The answer may be truncated: take every customer changed in the window page by page instead.
        messages = await pagedCustomers(realmId, qbo, sinceIso, startedAt);
        outcome = 'fallback-query';
      } else {
        messages = changes.customers.map((customer) => customerMessage(realmId, customer, startedAt));
      }
      const changed = new Set(messages.map((message) => message.id));
      for (const id of changes.deletedCustomerIds) {
        messages.push({
          v: 1,
          realmId,
          kind: 'customer',
          id,
          operation: 'Delete',
          source: 'cdc',
          eventId: `cdc:deleted:${id}:${changes.time}`,
          enqueuedAt: startedAt,
        });
        changed.add(id);
      }
      // Balances move with invoices and payments, which may leave the customer record itself unchanged.
      for (const txn of [...changes.invoices, ...changes.payments]) {
        const id = txn.CustomerRef.value;
        if (changed.has(id)) continue;
        changed.add(id);
        messages.push({
          v: 1,
          realmId,
          kind: 'customer',
          id,
          source: 'cdc',
          eventId: `cdc:balance:${id}:${changes.time}`,
          enqueuedAt: startedAt,
        });
      }
      next = { changedSince: changes.time, changedSinceMs: Math.min(at, startedAt) };
    }
    await queue.send(messages.map(queued));
    // Only after every message is on the queue does the cursor move (a crash before this re-reads the window).
    await cursors.advance(realmId, next, cursor.version, startedAt);
    return { outcome, enqueued: messages.length, cursor: next.changedSince };
  } finally {
    await leases.release('cdc', realmId, owner);
  }
}

async function pagedCustomers(
  realmId: string,
  qbo: ChangeSource,
  sinceIso: string,
  now: number,
): Promise<SyncMessage[]> {
  const messages: SyncMessage[] = [];
  for await (const page of qbo.customerPages(sinceIso))
    for (const customer of page.customers) messages.push(customerMessage(realmId, customer, now));
  return messages;
}
