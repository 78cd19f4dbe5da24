import type { QuickBooksClient } from '../quickbooks/client';
import { DELETED_IN_PIPEDRIVE } from '../sync/pipedrive-rules';
import type { LinkRepository, LinkView } from '../sync/ports';
import { type MessageQueue, queued, type SyncMessage, syncMessage } from '../sync/sync-message';

/** A replay message: the worker pushes every mapped field again, even if nothing changed (CustomerSync). */
function replayMessage(realmId: string, id: string, now: number, record?: unknown, recreate = false): SyncMessage {
  return syncMessage({
    realmId,
    kind: 'customer',
    id,
    source: 'replay',
    // Unique per request: an operator who replays twice within five minutes means it.
    eventId: `replay:${id}:${now}`,
    enqueuedAt: now,
    ...(record !== undefined ? { record } : {}),
    ...(recreate ? { recreate } : {}),
  });
}

/**
 * Why a replay of this customer would create an organization the rep did away with (decision 64):
 * its organization was deleted in Pipedrive, or merged into another customer's. Undefined otherwise.
 */
export function recreateNeeded(link: LinkView | undefined): string | undefined {
  if (link?.state === 'excluded' && link.reason === DELETED_IN_PIPEDRIVE)
    return `its organization${link.orgId !== undefined ? ` ${link.orgId}` : ''} was deleted in Pipedrive`;
  if (link?.orgOwner !== undefined)
    return `its organization was merged in Pipedrive into ${link.orgId ?? 'another'} (customer ${link.orgOwner})`;
  return undefined;
}

export type ReplayCustomerResult = { enqueued: number } | { enqueued: 0; needsRecreate: string };

/**
 * `replay --customer ID`: one customer, on the realtime queue. One whose organization a rep deleted or
 * merged into another customer's is queued only with `recreate` (the operator confirmed); otherwise
 * nothing is queued and the answer says why (decision 64).
 */
export async function replayCustomer(
  realmId: string,
  customerId: string,
  recreate: boolean,
  deps: { queue: MessageQueue; now: () => number; links: Pick<LinkRepository, 'getMany'> },
): Promise<ReplayCustomerResult> {
  const why = recreateNeeded((await deps.links.getMany(realmId, [customerId])).get(customerId));
  if (why !== undefined && !recreate) return { enqueued: 0, needsRecreate: why };
  await deps.queue.send([queued(replayMessage(realmId, customerId, deps.now(), undefined, recreate))]);
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
