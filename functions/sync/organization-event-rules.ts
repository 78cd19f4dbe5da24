import type { MappingDocument } from './mapping-document';
import type { FieldKeys } from './pipedrive-body';
import type { PipedriveFinding, ReconcileLinkView } from './pipedrive-findings';
import { applyPipedriveRules, type RuleDependencies, type RuleOutcome } from './pipedrive-rules';
import type { QuickbooksIdentity } from './quickbooks-identity';
import { customersNamed, findingsForEvent, type OrganizationEventMessage } from './organization-event';

export interface OrganizationEventDependencies extends Omit<RuleDependencies, 'origin'> {
  link(realmId: string, qboId: string): Promise<ReconcileLinkView | undefined>;
  /** Every link of the realm: read only for a delete whose payload names no customer, or a merge's survivor. */
  linkPages(realmId: string): AsyncGenerator<ReconcileLinkView[]>;
  identity: QuickbooksIdentity;
  fields: FieldKeys;
  document: MappingDocument;
}

export interface OrganizationEventOutcome extends RuleOutcome {
  findings: PipedriveFinding['kind'][];
}

/**
 * One Pipedrive organization webhook through the Pipedrive-side rules (decision 63): the links it
 * names are read, the event judged as the reconcile judges a listed organization, and the same rules
 * applied (audited as `webhook`). An echo of our own write matches what was pushed: no finding, no
 * Pipedrive token.
 */
export async function applyOrganizationEvent(
  message: OrganizationEventMessage,
  deps: OrganizationEventDependencies,
): Promise<OrganizationEventOutcome> {
  const { realmId, event } = message;
  const named = customersNamed(event, deps.fields, deps.identity);
  const read = async (qboId: string | undefined) => (qboId === undefined ? undefined : deps.link(realmId, qboId));
  const current = await read(named.current);
  const previous = named.previous === named.current ? current : await read(named.previous);
  let linked = [current, previous].find((link) => link?.orgId === event.orgId);
  let survivorOwner: string | undefined;
  const wanted = new Set<number>();
  // A delete may carry no custom fields, and a merge's survivor is named only by its id: look them up.
  if (event.action === 'delete' && linked === undefined) wanted.add(event.orgId);
  if (event.action === 'delete' && event.mergedToId !== undefined) wanted.add(event.mergedToId);
  if (wanted.size > 0) {
    const byOrg = await linksOf(realmId, wanted, deps);
    linked ??= byOrg.get(event.orgId);
    survivorOwner = event.mergedToId === undefined ? undefined : byOrg.get(event.mergedToId)?.qboId;
  }
  const findings = findingsForEvent(event, {
    identity: deps.identity,
    fields: deps.fields,
    document: deps.document,
    linked,
    named: current !== undefined && current !== linked ? current : undefined,
    survivorOwner,
  });
  const outcome = await applyPipedriveRules(realmId, findings, {
    ...deps,
    origin: { source: 'webhook', eventId: `pipedrive-webhook:${event.id}` },
  });
  return { ...outcome, findings: findings.map((finding) => finding.kind) };
}

async function linksOf(
  realmId: string,
  orgIds: ReadonlySet<number>,
  deps: Pick<OrganizationEventDependencies, 'linkPages'>,
): Promise<Map<number, ReconcileLinkView>> {
  const found = new Map<number, ReconcileLinkView>();
  for await (const page of deps.linkPages(realmId))
    for (const link of page)
      if (link.orgId !== undefined && orgIds.has(link.orgId) && link.state !== 'excluded') found.set(link.orgId, link);
  return found;
}
