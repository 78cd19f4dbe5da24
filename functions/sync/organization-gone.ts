import { organizationBody } from './pipedrive-body';
import { DEFAULT_PIPEDRIVE_RULES, DELETED_IN_PIPEDRIVE } from './pipedrive-rules';
import type { LinkView } from './ports';
import type { MappedCustomer } from './mapping-engine';
import { quickbooksIdValues } from './quickbooks-identity';
import { isMissing, type SyncContext } from './sync-context';
import type { SyncMessage } from './sync-message';

/** How far Pipedrive's clock may be behind QBO's when listing what changed since the last push. */
const CLOCK_SKEW_MARGIN_MS = 5 * 60_000;

/** What the worker does once the linked organization answers "not found" (decision 62). */
export type GoneOutcome =
  { orgId: number; note: string } | { orgId: undefined; note: string } | { settled: 'excluded' | 'held'; note: string };

/**
 * The linked organization is gone from Pipedrive. As the API shows no `merged_into_id` (decision
 * 63), a merge is told by the one organization changed since the last push that carries the
 * customer's identity (the survivor takes it when it has none): the link follows it. When only the
 * linked person's new organization hints at a merge, that organization may be another customer's,
 * so the customer is held for review. Otherwise it was deleted: excluded by default, created again
 * under the rule `recreate` or on an operator's replay. Never a silent duplicate.
 */
export async function organizationGone(
  context: SyncContext,
  message: SyncMessage,
  link: LinkView & { orgId: number },
  mapped: MappedCustomer,
): Promise<GoneOutcome> {
  const { links, pipedrive, now, fields } = context.deps;
  const { realmId } = context;
  const qboId = link.qboId;
  const survivor = await survivorByIdentity(context, link);
  if (survivor !== undefined) {
    await links.repoint(realmId, qboId, survivor, now());
    await pipedrive.updateOrganization(survivor, organizationBody(mapped.organization, fields, context.mapping));
    return { orgId: survivor, note: `organization ${link.orgId} was merged in Pipedrive into ${survivor}; re-linked` };
  }
  const personOrg = await personOrganization(context, link.personId);
  if (personOrg !== undefined && personOrg !== link.orgId) {
    const reason = `organization ${link.orgId} was merged in Pipedrive into ${personOrg} (its person moved there), which may be another customer's: held for review`;
    await links.markState(realmId, qboId, 'review', reason, now());
    return { settled: 'held', note: reason };
  }
  const rule = context.options.pipedriveRules?.deleted ?? DEFAULT_PIPEDRIVE_RULES.deleted;
  if (rule === 'recreate' || message.source === 'replay') {
    await links.forgetOrganization(realmId, qboId, now());
    return { orgId: undefined, note: 'the organization had been deleted in Pipedrive; created again' };
  }
  await links.markState(realmId, qboId, 'excluded', DELETED_IN_PIPEDRIVE, now());
  return {
    settled: 'excluded',
    note: `organization ${link.orgId} was ${DELETED_IN_PIPEDRIVE}; the customer is excluded (ml-connector replay recreates it)`,
  };
}

async function survivorByIdentity(
  context: SyncContext,
  link: LinkView & { orgId: number },
): Promise<number | undefined> {
  const key = context.deps.fields.fieldKeys.quickbooksId;
  if (key === undefined) return undefined;
  const identity = { realmId: context.realmId, ownsBareIds: context.deps.ownsBareIds };
  // The merge came after the last push, which came after QBO's time of the version pushed.
  const since = Math.max(1, (link.lastPushedUpdatedAtMs ?? 0) - CLOCK_SKEW_MARGIN_MS);
  const carriers = (
    await context.deps.pipedrive.listOrganizationIdsByField(key, quickbooksIdValues(link.qboId, identity), since)
  ).filter((id) => id !== link.orgId && !link.strayOrgIds?.has(id));
  const [only] = carriers;
  return carriers.length === 1 ? only : undefined;
}

async function personOrganization(context: SyncContext, personId: number | undefined): Promise<number | undefined> {
  if (personId === undefined) return undefined;
  try {
    return (await context.deps.pipedrive.getPerson(personId)).org_id ?? undefined;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
