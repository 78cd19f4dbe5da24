import type { QuickBooksClient } from '../quickbooks/client';
import { type MessageQueue, queued, type SyncMessage, syncMessage } from '../sync/sync-message';

/** A replay message: the worker pushes every mapped field again, even if nothing changed (CustomerSync). */
function replayMessage(realmId: string, id: string, now: number, record?: unknown): SyncMessage {
  return syncMessage({
    realmId,
    kind: 'customer',
    id,
    source: 'replay',
    // Unique per request: an operator who replays twice within five minutes means it.
    eventId: `replay:${id}:${now}`,
    enqueuedAt: now,
    ...(record !== undefined ? { record } : {}),
  });
}

/** `replay --customer ID`: one customer, on the realtime queue. */
export async function replayCustomer(
  realmId: string,
  customerId: string,
  deps: { queue: MessageQueue; now: () => number },
): Promise<{ enqueued: number }> {
  await deps.queue.send([queued(replayMessage(realmId, customerId, deps.now()))]);
  return { enqueued: 1 };
}

/**
 * `replay --since TIME`: every customer QBO changed since then (active or not), read in pages of
 * 1,000 and enqueued with its record on the bulk queue, so the worker needs no QBO read.
 */
export async function replaySince(
  realmId: string,
  since: string,
  deps: { qbo: Pick<QuickBooksClient, 'customerPages'>; queue: MessageQueue; now: () => number },
): Promise<{ enqueued: number; invalid: number }> {
  let enqueued = 0;
  let invalid = 0;
  for await (const page of deps.qbo.customerPages(since)) {
    const now = deps.now();
    await deps.queue.send(page.customers.map((customer) => queued(replayMessage(realmId, customer.Id, now, customer))));
    enqueued += page.customers.length;
    invalid += page.invalid.length;
  }
  return { enqueued, invalid };
}
