import * as z from '../shared/zod-mini';
import { PushedPayloadSchema } from './fingerprint';
import type { MappingDocument } from './mapping-document';
import type { FieldKeys } from './pipedrive-body';
import { driftedFields, type ListedOrganization } from './pipedrive-drift';
import type { PipedriveFinding, ReconcileLinkView } from './pipedrive-findings';
import { ownCustomerId, type QuickbooksIdentity } from './quickbooks-identity';
import { deduplicationIdFor, type QueuedMessage } from './sync-message';

/** What one Pipedrive organization webhook said, reduced to what the rules judge (decision 63). */
export const OrganizationEvent = z.object({
  /** `meta.id`: the same for every attempt of one delivery, so the queue drops redeliveries. */
  id: z.string().check(z.minLength(1)),
  action: z.enum(['create', 'change', 'delete']),
  orgId: z.number().check(z.int(), z.positive()),
  /** A merge's delete names the survivor; its change names the organization merged in. */
  mergedToId: z.optional(z.number().check(z.int(), z.positive())),
  mergedFromId: z.optional(z.number().check(z.int(), z.positive())),
  /** `data`: the organization now, only the fields Pipedrive sent (absent on delete). */
  current: z.optional(
    z.object({
      name: z.optional(z.string()),
      address: z.optional(z.nullable(z.unknown())),
      customFields: z.record(z.string(), z.unknown()),
    }),
  ),
  /** `previous.custom_fields`: the values that changed (delete: the last state), when sent. */
  previousCustomFields: z.optional(z.record(z.string(), z.unknown())),
});
export type OrganizationEvent = z.infer<typeof OrganizationEvent>;

/** The queue message a webhook becomes: one organization's event, judged by the worker. */
export const OrganizationEventMessage = z.object({
  v: z.literal(1),
  type: z.literal('pipedrive-organization'),
  realmId: z.string().check(z.minLength(1)),
  event: OrganizationEvent,
  enqueuedAt: z.number(),
});
export type OrganizationEventMessage = z.infer<typeof OrganizationEventMessage>;

/** An organization event as the FIFO queue wants it. */
export type QueuedOrganizationEvent = Omit<QueuedMessage, 'body'> & { body: OrganizationEventMessage };

/** Where organization events go: the changes queue (the worker judges them one at a time). */
export interface OrganizationEventQueue {
  send(messages: readonly QueuedOrganizationEvent[]): Promise<void>;
}

/**
 * One FIFO group per connection for its organization events: a merge's delete and change, and a
 * rep's edits, are judged in the order Pipedrive sent them. Reps' edits are few; our own writes'
 * echoes cost a link read each and no Pipedrive token.
 */
export function queuedOrganizationEvent(
  realmId: string,
  event: OrganizationEvent,
  now: number,
): QueuedOrganizationEvent {
  return {
    body: { v: 1, type: 'pipedrive-organization', realmId, event, enqueuedAt: now },
    groupId: `${realmId}#pipedrive-organizations`,
    deduplicationId: deduplicationIdFor(`pipedrive-webhook:${event.id}`, realmId),
  };
}

/** The customers the event's QuickBooks IDs name in this realm: now, and before the change. */
export function customersNamed(
  event: OrganizationEvent,
  fields: FieldKeys,
  identity: QuickbooksIdentity,
): { current: string | undefined; previous: string | undefined } {
  const key = fields.fieldKeys.quickbooksId;
  const named = (values: Readonly<Record<string, unknown>> | undefined) => {
    const value = key === undefined ? undefined : values?.[key];
    return ownCustomerId(typeof value === 'string' ? value : undefined, identity);
  };
  return { current: named(event.current?.customFields), previous: named(event.previousCustomFields) };
}

export interface EventJudgement {
  identity: QuickbooksIdentity;
  fields: FieldKeys;
  document: MappingDocument;
  /** The customer linked to the event's organization, if any. */
  linked: ReconcileLinkView | undefined;
  /** The link of the customer the organization's QuickBooks ID names now, if it is another one. */
  named: ReconcileLinkView | undefined;
  /** The customer whose organization a merge's survivor is, if any (another customer's: held). */
  survivorOwner: string | undefined;
}

/**
 * The findings one organization event amounts to, judged as the Pipedrive-side reconcile judges the
 * listing (decision 62), for that organization alone (decision 63). Pure: the caller reads the links.
 */
export function findingsForEvent(event: OrganizationEvent, judgement: EventJudgement): PipedriveFinding[] {
  const { linked, named } = judgement;
  const live = (link: ReconcileLinkView | undefined): link is ReconcileLinkView & { orgId: number } =>
    link !== undefined && link.state !== 'excluded' && link.orgId !== undefined;
  if (event.action === 'delete') {
    if (!live(linked) || linked.orgId !== event.orgId) return [];
    if (event.mergedToId !== undefined)
      return [mergedFinding(linked.qboId, event.orgId, event.mergedToId, judgement.survivorOwner)];
    return [{ kind: 'deleted', qboId: linked.qboId, orgId: event.orgId }];
  }
  const findings: PipedriveFinding[] = [];
  // The survivor of a merge, judged before (or without) the loser's delete: the merge is followed.
  if (live(named) && named.orgId !== event.orgId) {
    if (event.mergedFromId === named.orgId)
      findings.push(mergedFinding(named.qboId, named.orgId, event.orgId, linked?.qboId));
    else
      findings.push({
        kind: 'duplicateIdentity',
        qboId: named.qboId,
        orgIds: [named.orgId, event.orgId].sort((a, b) => a - b),
        linkedOrgId: named.orgId,
      });
  }
  if (!live(linked) || linked.orgId !== event.orgId || event.current === undefined) return findings;
  const own = customersNamed(event, judgement.fields, judgement.identity).current;
  const key = judgement.fields.fieldKeys.quickbooksId;
  // An identity the payload did not carry is not judged (data holds only "crucial" fields), unless
  // `previous` says it changed: absent from `data` then, it was cleared.
  const carried = key !== undefined && (key in event.current.customFields || key in (event.previousCustomFields ?? {}));
  if (key !== undefined && carried && own !== linked.qboId) {
    const found = event.current.customFields[key];
    findings.push({
      kind: 'identityChanged',
      qboId: linked.qboId,
      orgId: event.orgId,
      found: typeof found === 'string' && found !== '' ? found : undefined,
    });
  }
  const pushed = PushedPayloadSchema.safeParse(linked.pushed);
  if (pushed.success) {
    const drifted = driftedFields(
      pushed.data.organization,
      listedFrom(event, pushed.data.organization),
      judgement.fields,
      judgement.document,
    );
    if (drifted.length > 0) findings.push({ kind: 'drift', qboId: linked.qboId, orgId: event.orgId, fields: drifted });
  }
  return findings;
}

function mergedFinding(qboId: string, orgId: number, survivorId: number, owner: string | undefined): PipedriveFinding {
  return {
    kind: 'merged',
    qboId,
    orgId,
    survivorId,
    evidence: 'merged_into_id',
    ...(owner !== undefined && owner !== qboId ? { survivorOwner: owner } : {}),
  };
}

/**
 * The event's organization as the drift check reads a listed one. A standard field the payload did
 * not carry reads as what was pushed (not judged), as custom fields absent from it are not judged.
 */
function listedFrom(event: OrganizationEvent, pushed: Readonly<Record<string, unknown>>): ListedOrganization {
  const current = event.current ?? { customFields: {} };
  const pushedName = typeof pushed.name === 'string' ? pushed.name : '';
  const address = current.address;
  return {
    id: event.orgId,
    name: current.name ?? pushedName,
    address: address === undefined ? { value: addressText(pushed.address) } : { value: addressText(address) },
    customFields: current.customFields,
  };
}

function addressText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'value' in value) {
    const text: unknown = value.value;
    return typeof text === 'string' ? text : null;
  }
  return null;
}
