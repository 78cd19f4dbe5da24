import { randomUUID } from 'node:crypto';
import { isConnectorError } from '../shared/errors';
import type { MappedCustomer } from './mapping-engine';
import { organizationBody, organizationCreateBody } from './pipedrive-body';
import { CreateClaimConflict, type LinkView, type OrganizationBody } from './ports';
import { quickbooksIdValues } from './quickbooks-identity';
import { isMissing, type SyncContext } from './sync-context';

/** How far Pipedrive's clock may be behind ours when listing what an earlier create attempt made. */
const CLOCK_SKEW_MARGIN_MS = 5 * 60_000;

/**
 * Creates the organization under a fenced create claim (decision 29). An attempt whose claim was
 * taken over never sends its create, and one that created anyway gives its organization up; a
 * retry after a crash or a lost answer first lists what an earlier attempt may have created.
 */
export async function createOrRecover(
  context: SyncContext,
  qboId: string,
  link: LinkView | undefined,
  mapped: MappedCustomer,
): Promise<{ orgId: number; recovered: boolean }> {
  const { links, pipedrive, now, fields } = context.deps;
  const { realmId } = context;
  const claimId = randomUUID();
  const claim = await links.claimCreate(realmId, qboId, now(), context.options.pendingStaleAfterMs, claimId);
  const document = context.mapping;
  const body = organizationBody(mapped.organization, fields, document);
  let sent = false;
  try {
    const recovered = await recoverEarlierCreate(context, qboId, claim, claimId, body);
    if (recovered !== undefined) return { orgId: recovered, recovered: true };
    await links.markCreateSent(realmId, qboId, claimId, now());
    sent = true;
    const created = await pipedrive.createOrganization(organizationCreateBody(mapped.organization, fields, document));
    await recordCreated(context, qboId, created.id, claimId);
    return { orgId: created.id, recovered: false };
  } catch (error) {
    // Refused, not lost: a budget refusal is never sent and a 429 is not carried out. Without the claim,
    // the next attempt (often the next budget day) creates at once instead of first listing.
    const refused = isConnectorError(error) && error.kind === 'rate-limited';
    const release =
      refused && link === undefined
        ? links.abandonClaim(realmId, qboId, claimId)
        : links.releaseClaim(realmId, qboId, claimId, now(), refused && sent && claim.createAttemptedAt === undefined);
    // A release that fails leaves the claim to go stale: slower, never wrong.
    await release.catch(() => undefined);
    throw error;
  }
}

/**
 * An earlier attempt may have created one and lost the answer (or died before recording it). It is
 * found by this realm's identity only, never by a bare id another realm's customer may share; when
 * found, it is recorded under this claim and brought up to date.
 */
async function recoverEarlierCreate(
  context: SyncContext,
  qboId: string,
  claim: LinkView,
  claimId: string,
  body: OrganizationBody,
): Promise<number | undefined> {
  const { links, pipedrive, now, fields } = context.deps;
  const unknownSince = unknownCreateSince(claim);
  const quickbooksIdKey = fields.fieldKeys.quickbooksId;
  if (unknownSince === undefined || quickbooksIdKey === undefined) return undefined;
  const identity = { realmId: context.realmId, ownsBareIds: context.deps.ownsBareIds };
  const found = (
    await pipedrive.listOrganizationIdsByField(
      quickbooksIdKey,
      quickbooksIdValues(qboId, identity),
      unknownSince - CLOCK_SKEW_MARGIN_MS,
    )
  ).filter((id) => !claim.strayOrgIds?.has(id));
  const orgId = found.length > 0 ? Math.min(...found) : undefined;
  if (orgId === undefined) return undefined;
  await links.recordOrganization(context.realmId, qboId, orgId, now(), claimId);
  await pipedrive.updateOrganization(orgId, body);
  return orgId;
}

/** When an earlier create whose outcome is unknown was sent; a claim left by an older version counts from the start. */
function unknownCreateSince(claim: LinkView): number | undefined {
  if (claim.createAttemptedAt !== undefined) return claim.createAttemptedAt;
  return claim.pendingOwner !== undefined ? 0 : undefined;
}

/** Records a created organization; one made under a claim taken over meanwhile is given up and deleted. */
async function recordCreated(context: SyncContext, qboId: string, orgId: number, claimId: string): Promise<void> {
  const { links, now } = context.deps;
  try {
    await links.recordOrganization(context.realmId, qboId, orgId, now(), claimId);
  } catch (error) {
    if (!(error instanceof CreateClaimConflict)) throw error;
    // Superseded while slow: the attempt that took over owns the create. Unless it adopted this very
    // organization, it is a duplicate nobody links to yet; it is marked so before it is deleted.
    if (await links.disownOrganization(context.realmId, qboId, orgId, now())) await deleteStray(context, qboId, orgId);
    throw error;
  }
}

/** Deletes an organization given up as a stray (gone already is fine) and forgets it. */
export async function deleteStray(context: SyncContext, qboId: string, orgId: number): Promise<void> {
  try {
    await context.deps.pipedrive.deleteOrganization(orgId);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  await context.deps.links.forgetStray(context.realmId, qboId, orgId);
  context.log.warn('deleted an organization a superseded create attempt had made', {
    realmId: context.realmId,
    orgId,
  });
}
