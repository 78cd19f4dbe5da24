import { organizationBody } from './pipedrive-body';
import { DEFAULT_PIPEDRIVE_RULES, DELETED_IN_PIPEDRIVE, mergedIntoOtherNote } from './pipedrive-rules';
import type { LinkView } from './ports';
import type { MappedCustomer } from './mapping-engine';
import { ownCustomerId, quickbooksIdValues } from './quickbooks-identity';
import { isMissing, type SyncContext } from './sync-context';
import type { SyncMessage } from './sync-message';

/** How far Pipedrive's clock may be behind QBO's when listing what changed since the last push. */
const CLOCK_SKEW_MARGIN_MS = 5 * 60_000;

/** What the worker does once the linked organization answers "not found" (decision 62). */
export type GoneOutcome =
  { orgId: number; note: string } | { orgId: undefined; note: string } | { settled: 'excluded' | 'held'; note: string };

/**
 * The linked organization is gone from Pipedrive. As the API shows no `merged_into_id` (decision
 * 62), a merge is told by the one organization changed since the last push that carries the
 * customer's identity (the survivor takes it when it has none): the link follows it. When only the
 * linked person's new organization hints at a merge, that organization is followed as a "merged
 * into" link when it is another linked customer's (decision 64), else held for review. Otherwise it
 * was deleted: excluded by default, created again under the rule `recreate` or on an operator's
 * replay with `--recreate`. Never a silent duplicate.
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
  const owner = personOrg === undefined ? undefined : await linkedOwner(context, personOrg, qboId);
  if (personOrg !== undefined && owner !== undefined) {
    // Merged into another customer's organization: followed as a "merged into" link, its fields left
    // to their owner (decision 64), this customer's person kept there. Never recreated.
    await links.repoint(realmId, qboId, personOrg, now(), owner);
    return { orgId: personOrg, note: mergedIntoOtherNote(qboId, link.orgId, personOrg, owner) };
  }
  if (personOrg !== undefined && personOrg !== link.orgId) {
    const reason = `organization ${link.orgId} was merged in Pipedrive into ${personOrg} (its person moved there), which may be another customer's: held for review`;
    await links.markState(realmId, qboId, 'review', reason, now());
    return { settled: 'held', note: reason };
  }
  const rule = context.options.pipedriveRules?.deleted ?? DEFAULT_PIPEDRIVE_RULES.deleted;
  // A replay recreates only when the operator confirmed it (`--recreate`, decision 64).
  if (rule === 'recreate' || (message.source === 'replay' && message.recreate === true)) {
    await links.forgetOrganization(realmId, qboId, now());
    return { orgId: undefined, note: 'the organization had been deleted in Pipedrive; created again' };
  }
  await links.markState(realmId, qboId, 'excluded', DELETED_IN_PIPEDRIVE, now());
  return {
    settled: 'excluded',
    note: `organization ${link.orgId} was ${DELETED_IN_PIPEDRIVE}; the customer is excluded (\`ml-connector replay --customer ${qboId} --recreate\` creates it again)`,
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

/**
 * The customer whose organization `orgId` is: the one its QuickBooks ID names, when that customer's
 * link points at it (one read, on the rare 404 path). Undefined for a rep's organization or this
 * customer's own.
 */
async function linkedOwner(context: SyncContext, orgId: number, qboId: string): Promise<string | undefined> {
  const key = context.deps.fields.fieldKeys.quickbooksId;
  if (key === undefined) return undefined;
  let value: unknown;
  try {
    value = (await context.deps.pipedrive.getOrganization(orgId, { customFieldKeys: [key] })).custom_fields?.[key];
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  const identity = { realmId: context.realmId, ownsBareIds: context.deps.ownsBareIds };
  const owner = ownCustomerId(typeof value === 'string' ? value : undefined, identity);
  if (owner === undefined || owner === qboId) return undefined;
  const ownerLink = (await context.deps.links.getMany(context.realmId, [owner])).get(owner);
  return ownerLink?.orgId === orgId && ownerLink.orgOwner === undefined ? owner : undefined;
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
