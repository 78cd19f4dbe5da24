import { isConnectorError } from '../shared/errors';
import { canonicalJson } from './canonical-json';
import { createOrRecover, deleteStray } from './create-or-recover';
import { diffMapped, fingerprint, type PushedPayload, PushedPayloadSchema } from './fingerprint';
import { customerGone, excludeSubCustomer, repointOnMerge, settleMergedLoser } from './lifecycle-rules';
import type { MappedCustomer } from './mapping-engine';
import { mapPrepared } from './map-now';
import { organizationBody, personBody } from './pipedrive-body';
import { LinkConflict, type LinkView } from './ports';
import { type GoneOutcome, organizationGone } from './organization-gone';
import { DELETED_IN_PIPEDRIVE } from './pipedrive-rules';
import { type PreparedBatch, prepareBatch } from './prepare-batch';
import type { QboCustomer } from './qbo-entities';
import { parseQboTime } from './qbo-time';
import {
  isMissing,
  SyncContext,
  type SyncDependencies,
  type SyncOptions,
  type SyncOutcome,
  type SyncResult,
} from './sync-context';
import { customerWork, queued, repushWork, type SyncMessage } from './sync-message';

/** What one customer's write works from: the mapped customer, its fingerprint and what was pushed before. */
interface Push {
  message: SyncMessage;
  customer: QboCustomer;
  link: LinkView | undefined;
  mapped: MappedCustomer;
  print: string;
  /** What was last pushed, as recorded. */
  previous: PushedPayload | undefined;
  /** What the write compares against: nothing when every field is pushed again. */
  pushedBefore: PushedPayload | undefined;
  spent: () => number;
}

type AuditBase = Pick<SyncOutcome, 'message' | 'qboId' | 'qboUpdatedTime'>;

function messageKey(message: SyncMessage): string {
  return `${message.kind}:${message.id}`;
}

/** What was last pushed; anything unreadable means "push everything". */
function previousPush(link: LinkView | undefined): PushedPayload | undefined {
  const parsed = PushedPayloadSchema.safeParse(link?.pushed);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The sync use case for one connection: batch-read QBO (prepare-batch.ts), validate, map,
 * fingerprint, skip the unchanged and the stale, create or update the organization
 * (create-or-recover.ts) and person, apply the lifecycle rules (lifecycle-rules.ts), and audit every
 * attempt. Pipedrive and QBO failures other than permanent ones are thrown for the caller to retry;
 * permanent ones are audited and acknowledged.
 */
export class CustomerSync {
  private readonly context: SyncContext;

  constructor(realmId: string, deps: SyncDependencies, options: SyncOptions) {
    this.context = new SyncContext(realmId, deps, options);
  }

  private get deps(): SyncDependencies {
    return this.context.deps;
  }

  private get realmId(): string {
    return this.context.realmId;
  }

  /** Reads, in as few QBO calls as possible, everything the batch's messages need. */
  prepare(messages: readonly SyncMessage[]): Promise<PreparedBatch> {
    return prepareBatch(this.context, messages);
  }

  /** Brings one message's customer up to date in Pipedrive. */
  async sync(message: SyncMessage, prepared: PreparedBatch): Promise<SyncResult> {
    if (message.kind !== 'customer') return this.requeueCustomer(message, prepared);
    const { context } = this;
    const id = message.id;
    const tokensBefore = this.deps.pipedrive.tokensSpent;
    const spent = () => this.deps.pipedrive.tokensSpent - tokensBefore;
    const invalid = prepared.invalid.get(id);
    if (invalid)
      return context.fail(
        message,
        id,
        `QuickBooks record failed validation: ${invalid.problems.slice(0, 5).join('; ')}`,
        spent,
      );
    const links = await this.deps.links.getMany(this.realmId, [id, ...(message.deletedId ? [message.deletedId] : [])]);
    const customer = prepared.customers.get(id);
    if (!customer) return customerGone(context, message, id, links.get(id), spent);
    if (customer.Job && customer.ParentRef && context.options.subCustomers !== 'separate')
      return excludeSubCustomer(context, message, customer, spent);

    const loserId = message.operation === 'Merge' ? message.deletedId : undefined;
    if (loserId) await repointOnMerge(context, id, loserId, links);
    const link = loserId ? (await this.deps.links.getMany(this.realmId, [id])).get(id) : links.get(id);
    const result = await this.syncCustomer(message, customer, link, prepared, spent);
    if (loserId) await settleMergedLoser(context, message, loserId, id, spent);
    return result;
  }

  private async syncCustomer(
    message: SyncMessage,
    customer: QboCustomer,
    current: LinkView | undefined,
    prepared: PreparedBatch,
    spent: () => number,
  ): Promise<SyncResult> {
    let link = current;
    const updatedAt = parseQboTime(customer.MetaData.LastUpdatedTime);
    const base = { message, qboId: customer.Id, qboUpdatedTime: customer.MetaData.LastUpdatedTime };
    if (link?.lastPushedUpdatedAtMs !== undefined && updatedAt < link.lastPushedUpdatedAtMs)
      return this.context.record({
        ...base,
        action: 'stale',
        tokens: spent(),
        note: 'an older version than the one already pushed',
      });
    // A rep deleted its organization and the rule respects that (decision 62): only an operator's replay
    // that confirmed it creates one again (decision 64).
    const recreate = message.source === 'replay' && message.recreate === true;
    if (link?.state === 'excluded' && link.reason === DELETED_IN_PIPEDRIVE && !recreate)
      return this.context.record({
        ...base,
        action: 'excluded',
        tokens: spent(),
        note:
          message.source === 'replay'
            ? `${DELETED_IN_PIPEDRIVE}; not created again (\`ml-connector replay --customer ${customer.Id} --recreate\` does)`
            : DELETED_IN_PIPEDRIVE,
      });
    if (recreate && link?.orgOwner !== undefined) link = await this.leaveSharedOrganization(link);
    const mapped = this.map(customer, prepared);
    const print = fingerprint(mapped);
    // An operator's replay pushes every mapped field again (e.g. after someone edited the org by hand).
    const forced = message.source === 'replay' || message.repush === true;
    const previous = previousPush(link);
    if (!forced && link?.state === 'synced' && link.orgId !== undefined && link.fingerprint === print)
      return this.context.record({
        ...base,
        action: 'unchanged',
        tokens: spent(),
        orgId: link.orgId,
        ...(link.personId !== undefined ? { personId: link.personId } : {}),
      });
    const pushedBefore = forced ? undefined : previous;
    try {
      return await this.write({ message, customer, link, mapped, print, previous, pushedBefore, spent }, base);
    } catch (error) {
      return this.settleFailure(base, customer.Id, error, spent);
    }
  }

  /**
   * The operator's undo of a "merged into" link (decision 64): the customer gets its own organization
   * again; its person moves there from the other customer's.
   */
  private async leaveSharedOrganization(link: LinkView): Promise<LinkView> {
    await this.deps.links.forgetOrganization(this.realmId, link.qboId, this.deps.now(), true);
    return { ...link, orgId: undefined, orgOwner: undefined, pushed: undefined, fingerprint: undefined };
  }

  /** Writes the organization (updated, created or recovered) and person, then records the link as synced. */
  private async write(push: Push, base: AuditBase): Promise<SyncResult> {
    const { customer, link, mapped, spent } = push;
    const { now } = this.deps;
    // A superseded attempt that died between giving its organization up and deleting it.
    for (const stray of link?.strayOrgIds ?? []) await deleteStray(this.context, customer.Id, stray);
    const updated = await this.updateOrganization(push);
    if ('settled' in updated)
      return await this.context.record({
        ...base,
        action: updated.settled,
        tokens: spent(),
        ...(link?.orgId !== undefined ? { orgId: link.orgId } : {}),
        note: updated.note,
      });
    let { orgId } = updated;
    let note = 'note' in updated ? updated.note : undefined;
    let action: 'created' | 'updated' = 'updated';
    let personId = orgId === undefined ? undefined : link?.personId;
    // A customer the backfill could not match unambiguously: a webhook or the reconcile must not create a
    // duplicate of one of the candidates. The operator's backfill re-run or replay decides.
    const source = push.message.source;
    if (orgId === undefined && link?.state === 'review' && source !== 'backfill' && source !== 'replay')
      return await this.context.record({
        ...base,
        action: 'held',
        tokens: spent(),
        note: 'held for review: several candidate organizations (see the backfill match report)',
      });
    if (orgId === undefined) {
      const created = await createOrRecover(this.context, customer.Id, link, mapped);
      orgId = created.orgId;
      action = created.recovered ? 'updated' : 'created';
      note ??= created.recovered ? 'found the organization an interrupted attempt had created' : undefined;
      // Only a customer leaving another customer's organization (decision 64) still has its person.
      personId = link?.orgId === undefined ? link?.personId : undefined;
    }
    personId = await this.syncPerson(mapped, push.pushedBefore, orgId, personId);
    const updatedAt = parseQboTime(customer.MetaData.LastUpdatedTime);
    const person = personId !== undefined ? { personId } : {};
    await this.deps.links.markSynced(
      this.realmId,
      customer.Id,
      {
        orgId,
        ...person,
        pushed: mapped,
        fingerprint: push.print,
        lastPushedUpdatedTime: customer.MetaData.LastUpdatedTime,
        lastPushedUpdatedAtMs: updatedAt,
        lastPushedSyncToken: customer.SyncToken,
      },
      now(),
    );
    // Held with its organization (a copied QuickBooks ID, decision 62): written, but still held until a
    // person resolves it; the operator's backfill or replay decides again.
    // (Not a "merged into" link, decision 64: one held by an older version is released once it follows.)
    if (
      link?.state === 'review' &&
      link.orgId === orgId &&
      link.orgOwner === undefined &&
      source !== 'backfill' &&
      source !== 'replay'
    )
      await this.deps.links.markState(this.realmId, customer.Id, 'review', link.reason ?? 'held for review', now());
    return await this.context.record({
      ...base,
      action,
      tokens: spent(),
      orgId,
      ...person,
      diff: diffMapped(push.previous, mapped),
      lagMs: now() - updatedAt,
      ...(note ? { note } : {}),
    });
  }

  /**
   * Updates the linked organization when its mapped fields changed. One a rep merged away is
   * followed to the survivor, one deleted is respected (or created again), never a silent duplicate
   * (organization-gone.ts, decision 62).
   */
  private async updateOrganization(push: Push): Promise<GoneOutcome | { orgId: number | undefined }> {
    const { link, mapped, pushedBefore } = push;
    const orgId = link?.orgId;
    if (orgId === undefined) return { orgId };
    // Another customer's organization, a rep merged this one's into: its fields are that customer's (decision 64).
    if (link?.orgOwner !== undefined)
      return {
        orgId,
        note: `organization fields not written: ${orgId} is customer ${link.orgOwner}'s (merged in Pipedrive); \`ml-connector replay --customer ${link.qboId} --recreate\` gives this customer its own`,
      };
    if (pushedBefore !== undefined && canonicalJson(pushedBefore.organization) === canonicalJson(mapped.organization))
      return { orgId };
    try {
      await this.deps.pipedrive.updateOrganization(
        orgId,
        organizationBody(mapped.organization, this.deps.fields, this.context.mapping),
      );
      return { orgId };
    } catch (error) {
      if (!isMissing(error) || !link) throw error;
      return organizationGone(this.context, push.message, { ...link, orgId }, mapped);
    }
  }

  /** A failed write: permanent ones and lost races are audited and acknowledged, the rest audited and thrown on. */
  private async settleFailure(
    base: AuditBase,
    customerId: string,
    error: unknown,
    spent: () => number,
  ): Promise<SyncResult> {
    const { message } = base;
    if (isConnectorError(error) && error.kind === 'permanent')
      return this.context.fail(message, customerId, error.message, spent);
    if (error instanceof LinkConflict) {
      // Lost the record to a newer push after writing: this older write may have landed last in
      // Pipedrive. A repush in the customer's group reads QBO afresh and writes it again (decision 47).
      const wrote = spent() > 0;
      if (wrote) await this.deps.requeue.send([queued(repushWork(message, customerId, this.deps.now()))]);
      return this.context.record({
        ...base,
        action: 'stale',
        tokens: spent(),
        note: wrote ? `${error.message}; queued a repush` : error.message,
      });
    }
    await this.context.auditError(message, customerId, error, spent());
    throw error;
  }

  private async syncPerson(
    mapped: MappedCustomer,
    previous: PushedPayload | undefined,
    orgId: number,
    personId: number | undefined,
  ): Promise<number | undefined> {
    const person = mapped.person;
    if (!person) return personId;
    if (personId !== undefined && previous && canonicalJson(previous.person) === canonicalJson(person)) return personId;
    const bodyOptions = { fields: this.deps.fields, document: this.context.mapping };
    if (personId !== undefined) {
      try {
        await this.deps.pipedrive.updatePerson(personId, personBody(person, orgId, bodyOptions));
        return personId;
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    return (await this.deps.pipedrive.createPerson(personBody(person, orgId, { ...bodyOptions, created: true }))).id;
  }

  /** Invoice and payment events are "refresh this customer" work, queued in the customer's own group. */
  private async requeueCustomer(message: SyncMessage, prepared: PreparedBatch): Promise<SyncResult> {
    const customerId = prepared.customerOf.get(messageKey(message));
    if (customerId === undefined) return { action: 'ignored', qboId: message.id, tokens: 0 };
    await this.deps.requeue.send([queued(customerWork(message, customerId, this.deps.now()))]);
    return { action: 'requeued', qboId: customerId, tokens: 0 };
  }

  private map(customer: QboCustomer, prepared: PreparedBatch): MappedCustomer {
    return mapPrepared(this.context, customer, prepared);
  }
}
