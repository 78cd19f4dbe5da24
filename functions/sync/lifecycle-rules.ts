import type { LinkView } from './ports';
import type { QboCustomer } from './qbo-entities';
import { isMissing, type SyncContext, type SyncResult } from './sync-context';
import { customerWork, queued, type SyncMessage } from './sync-message';

/**
 * The lifecycle rules of a customer besides the ordinary update: merges, customers QBO no longer
 * returns, and sub-customers that have no organization of their own. (An inactive customer is an
 * ordinary update: its status field maps to "Inactive".)
 */

/** Before the survivor is synced: if it has no organization yet, it takes over the merged-away one's. */
export async function repointOnMerge(
  context: SyncContext,
  survivorId: string,
  loserId: string,
  links: Map<string, LinkView>,
): Promise<void> {
  const loser = links.get(loserId);
  const survivor = links.get(survivorId);
  // The survivor was merged in Pipedrive into the loser's organization (decision 64): now it is its own.
  if (survivor?.orgOwner === loserId && survivor.orgId !== undefined && survivor.orgId === loser?.orgId) {
    await context.deps.links.repoint(context.realmId, survivorId, survivor.orgId, context.deps.now());
    await context.deps.links.markState(
      context.realmId,
      loserId,
      'excluded',
      `merged into customer ${survivorId}; its organization now belongs to it`,
      context.deps.now(),
      survivorId,
    );
    return;
  }
  if (survivor?.orgId === undefined && loser?.orgId !== undefined) {
    // A loser on another customer's organization (decision 64) hands the survivor that link as it is.
    await context.deps.links.repoint(context.realmId, survivorId, loser.orgId, context.deps.now(), loser.orgOwner);
    await context.deps.links.markState(
      context.realmId,
      loserId,
      'excluded',
      `merged into customer ${survivorId}; its organization now belongs to it`,
      context.deps.now(),
      survivorId,
    );
  }
}

/** After the survivor is synced: the loser's own organization is merged into the survivor's, or flagged. */
export async function settleMergedLoser(
  context: SyncContext,
  message: SyncMessage,
  loserId: string,
  survivorId: string,
  spent: () => number,
): Promise<void> {
  const current = await context.deps.links.getMany(context.realmId, [loserId, survivorId]);
  const loser = current.get(loserId);
  const survivor = current.get(survivorId);
  if (loser?.mergedInto === survivorId || loser?.orgId === undefined) {
    if (loser && loser.state !== 'excluded') await markMerged(context, loserId, survivorId);
    return;
  }
  if (loser.orgId === survivor?.orgId) return;
  // The loser was on another customer's organization (decision 64): that one is left alone.
  if (loser.orgOwner !== undefined) {
    await markMerged(context, loserId, survivorId);
    return;
  }
  if (context.options.mergeRule === 'merge' && survivor?.orgId !== undefined) {
    try {
      await context.deps.pipedrive.mergeOrganizations(loser.orgId, survivor.orgId);
    } catch (error) {
      // Gone already: an earlier attempt merged it and lost the answer (or a person removed it).
      if (!isMissing(error)) throw error;
    }
  } else {
    await context.flagStatus(loser.orgId, 'Merged');
  }
  await markMerged(context, loserId, survivorId);
  await context.record({
    message,
    qboId: loserId,
    action: 'merged',
    tokens: spent(),
    orgId: loser.orgId,
    note: `merged into customer ${survivorId} (${context.options.mergeRule})`,
  });
}

function markMerged(context: SyncContext, loserId: string, survivorId: string): Promise<void> {
  return context.deps.links.markState(
    context.realmId,
    loserId,
    'excluded',
    `merged into customer ${survivorId}`,
    context.deps.now(),
    survivorId,
  );
}

/** A customer QBO no longer returns: only merges delete customers, so its organization is flagged "Merged". */
export async function customerGone(
  context: SyncContext,
  message: SyncMessage,
  id: string,
  link: LinkView | undefined,
  spent: () => number,
): Promise<SyncResult> {
  // Not another customer's organization (a "merged into" link, decision 64): that one stays as its owner has it.
  if (link?.orgId !== undefined && link.state !== 'excluded' && link.orgOwner === undefined)
    await context.flagStatus(link.orgId, 'Merged');
  if (link && link.state !== 'excluded')
    await context.deps.links.markState(
      context.realmId,
      id,
      'excluded',
      'no longer in QuickBooks (merged or deleted)',
      context.deps.now(),
    );
  return context.record({
    message,
    qboId: id,
    action: 'excluded',
    tokens: spent(),
    ...(link?.orgId !== undefined ? { orgId: link.orgId } : {}),
    note: 'no longer in QuickBooks (merged or deleted)',
  });
}

/** A sub-customer under `rollup` or `skip`: no organization of its own; under `rollup` its parent is refreshed. */
export async function excludeSubCustomer(
  context: SyncContext,
  message: SyncMessage,
  customer: QboCustomer,
  spent: () => number,
): Promise<SyncResult> {
  const parentId = customer.ParentRef?.value ?? '';
  const rollup = context.options.subCustomers === 'rollup';
  const reason = rollup ? `sub-customer: rolls up into customer ${parentId}` : 'sub-customer: skipped by configuration';
  await context.deps.links.markState(context.realmId, customer.Id, 'excluded', reason, context.deps.now());
  // A backfill sends the parent its own message, with this sub-customer's invoices in it (decision 60).
  const parentHasItsOwn = message.source === 'backfill' && message.openInvoices !== undefined;
  if (rollup && !parentHasItsOwn)
    await context.deps.requeue.send([queued(customerWork(message, parentId, context.deps.now()))]);
  return context.record({
    message,
    qboId: customer.Id,
    action: 'excluded',
    tokens: spent(),
    note: reason,
    qboUpdatedTime: customer.MetaData.LastUpdatedTime,
  });
}
