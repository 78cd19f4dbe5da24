import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { keys, LINK_PREFIX } from './table-schema';
import { CreateClaimConflict, LinkConflict, type SyncedLink } from '../sync/ports';
import { LinkState } from './link-state';
import { deleteLink, writeLinkState } from './link-state-writes';
import { batchGetItems, isConditionFailure, queryPages, type Table } from './table';

/** What the connector knows about one QBO customer's Pipedrive counterpart. */
export const CustomerLink = z.object({
  realmId: z.string(),
  qboId: z.string(),
  state: LinkState,
  orgId: z.optional(z.number().check(z.int())),
  personId: z.optional(z.number().check(z.int())),
  /** Hash of the last payload pushed; an equal hash means nothing to write. */
  fingerprint: z.optional(z.string()),
  /** QBO `MetaData.LastUpdatedTime` and `SyncToken` of the last pushed version, to refuse older data. */
  lastPushedUpdatedTime: z.optional(z.string()),
  lastPushedUpdatedAtMs: z.optional(z.number()),
  lastPushedSyncToken: z.optional(z.string()),
  /** The mapped payload last pushed (our field names), to diff and to patch only what changed. */
  pushed: z.optional(z.unknown()),
  /** When the live create claim was made; a stale claim may be taken over (liveness only, decision 29). */
  pendingSince: z.optional(z.number()),
  /** Written by versions before decision 29 (the claiming message's event id); such a link may hide a created organization. */
  pendingOwner: z.optional(z.string()),
  /** The fencing token of the live create claim: only its holder may announce a create or record an organization. */
  claimId: z.optional(z.string()),
  /** When the earliest create whose outcome is unknown was sent (kept until an organization is recorded). */
  createAttemptedAt: z.optional(z.number()),
  /** Organizations a superseded attempt made and gave up: never to be linked, deleted in Pipedrive. */
  strayOrgIds: z.optional(z.set(z.number().check(z.int()))),
  /** The customer this one was merged into. */
  mergedInto: z.optional(z.string()),
  /** The customer whose organization `orgId` is, when a rep merged this customer's into it (decision 64). */
  orgOwner: z.optional(z.string()),
  reason: z.optional(z.string()),
  updatedAt: z.number(),
  version: z.number().check(z.int()),
});
export type CustomerLink = z.infer<typeof CustomerLink>;

/** The text the chaos run's dead-letter check recognises as contention (bench/chaos/retry-reasons.ts). */
function claimConflict(qboId: string): CreateClaimConflict {
  return new CreateClaimConflict(`customer ${qboId} is being created by another worker`);
}

export class LinkStore {
  constructor(private readonly table: Table) {}

  async get(realmId: string, qboId: string): Promise<CustomerLink | undefined> {
    const result = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.link(realmId, qboId), ConsistentRead: true }),
    );
    return result.Item ? CustomerLink.parse(result.Item) : undefined;
  }

  /** Links of many customers (BatchGet, 100 keys a call, retrying unprocessed keys). */
  async getMany(realmId: string, qboIds: readonly string[]): Promise<Map<string, CustomerLink>> {
    const items = await batchGetItems(
      this.table,
      [...new Set(qboIds)].map((id) => keys.link(realmId, id)),
    );
    return new Map(items.map((item) => CustomerLink.parse(item)).map((link) => [link.qboId, link]));
  }

  /**
   * Claims the right to create the customer's organization under the fencing token `claimId`
   * (decision 29). Fails while another attempt holds a live claim, and once the customer has an
   * organization (a worker that read the link before another one created it must not create too).
   * The answer carries `createAttemptedAt` when an earlier attempt may have created one.
   */
  async claimCreate(
    realmId: string,
    qboId: string,
    now: number,
    staleAfterMs: number,
    claimId: string,
  ): Promise<CustomerLink> {
    try {
      const written = await writeLinkState(
        this.table,
        realmId,
        qboId,
        null,
        'pending',
        {
          UpdateExpression:
            'SET realmId = :realm, qboId = :qbo, pendingSince = :now, claimId = :claim, updatedAt = :now, version = if_not_exists(version, :zero) + :one',
          // Staleness is only for liveness (an owner that died): a live but slow owner is fenced out below.
          ConditionExpression:
            'attribute_not_exists(orgId) AND (attribute_not_exists(pendingSince) OR pendingSince < :stale)',
          ExpressionAttributeValues: {
            ':realm': realmId,
            ':qbo': qboId,
            ':now': now,
            ':claim': claimId,
            ':stale': now - staleAfterMs,
            ':zero': 0,
            ':one': 1,
          },
        },
        true,
      );
      return CustomerLink.parse(written);
    } catch (error) {
      if (isConditionFailure(error)) throw claimConflict(qboId);
      throw error;
    }
  }

  /**
   * Says, under the claim, that a create is about to be sent: whoever takes the claim over looks for
   * its organization first. Fails once the claim was taken over, so a superseded attempt never sends.
   */
  async markCreateSent(realmId: string, qboId: string, claimId: string, now: number): Promise<void> {
    await this.fenced(realmId, qboId, {
      UpdateExpression:
        'SET createAttemptedAt = if_not_exists(createAttemptedAt, :now), updatedAt = :now, version = version + :one',
      ConditionExpression: 'claimId = :claim AND attribute_not_exists(orgId)',
      ExpressionAttributeValues: { ':claim': claimId, ':now': now, ':one': 1 },
    });
  }

  /**
   * Records the organization as soon as it exists, before anything else can fail, if the claim is
   * still this attempt's and the organization was not given up as a stray.
   */
  async recordOrganization(realmId: string, qboId: string, orgId: number, now: number, claimId: string): Promise<void> {
    await this.fenced(realmId, qboId, {
      UpdateExpression:
        'SET orgId = :org, updatedAt = :now, version = version + :one REMOVE createAttemptedAt, pendingOwner',
      ConditionExpression: 'claimId = :claim AND attribute_not_exists(orgId) AND NOT contains(strayOrgIds, :org)',
      ExpressionAttributeValues: { ':claim': claimId, ':org': orgId, ':now': now, ':one': 1 },
    });
  }

  /**
   * Ends an attempt that failed: the next one may claim at once. `createNotSent` forgets the create
   * this attempt announced but never sent (a refusal), when no earlier attempt's outcome is unknown.
   */
  async releaseClaim(
    realmId: string,
    qboId: string,
    claimId: string,
    now: number,
    createNotSent = false,
  ): Promise<void> {
    try {
      await this.fenced(realmId, qboId, {
        UpdateExpression:
          'SET updatedAt = :now, version = version + :one REMOVE pendingSince, claimId' +
          (createNotSent ? ', createAttemptedAt' : ''),
        ConditionExpression: 'claimId = :claim',
        ExpressionAttributeValues: { ':claim': claimId, ':now': now, ':one': 1 },
      });
    } catch (error) {
      if (!(error instanceof CreateClaimConflict)) throw error;
    }
  }

  /** Deletes a first create claim whose create was refused (nothing was made), if it is still this attempt's. */
  async abandonClaim(realmId: string, qboId: string, claimId: string): Promise<void> {
    try {
      await deleteLink(this.table, realmId, qboId, {
        ConditionExpression: 'claimId = :claim AND attribute_not_exists(orgId)',
        ExpressionAttributeValues: { ':claim': claimId },
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Gives up an organization a superseded attempt created: from now on it can never be recorded.
   * False when it is already the customer's organization (the attempt that took over adopted it).
   */
  async disownOrganization(realmId: string, qboId: string, orgId: number, now: number): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.link(realmId, qboId),
          UpdateExpression: 'ADD strayOrgIds :org SET updatedAt = :now, version = version + :one',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(orgId) OR orgId <> :id)',
          ExpressionAttributeValues: { ':org': new Set([orgId]), ':id': orgId, ':now': now, ':one': 1 },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Forgets a stray organization once it is deleted in Pipedrive. */
  async forgetStray(realmId: string, qboId: string, orgId: number): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.link(realmId, qboId),
        UpdateExpression: 'DELETE strayOrgIds :org',
        ExpressionAttributeValues: { ':org': new Set([orgId]) },
      }),
    );
  }

  private async fenced(
    realmId: string,
    qboId: string,
    update: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({ TableName: this.table.name, Key: keys.link(realmId, qboId), ...update }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw claimConflict(qboId);
      throw error;
    }
  }

  /** Marks the customer in sync with what was pushed, unless a newer version was already pushed. */
  async markSynced(realmId: string, qboId: string, synced: SyncedLink, now: number): Promise<void> {
    try {
      await writeLinkState(this.table, realmId, qboId, 'synced', 'synced', {
        UpdateExpression:
          'SET realmId = :realm, qboId = :qbo, orgId = :org, pushed = :pushed, fingerprint = :fp, lastPushedUpdatedTime = :lut, lastPushedUpdatedAtMs = :lutMs, lastPushedSyncToken = :st, updatedAt = :now, version = if_not_exists(version, :zero) + :one' +
          (synced.personId !== undefined ? ', personId = :person' : '') +
          ' REMOVE pendingSince, pendingOwner, claimId, reason',
        ConditionExpression: 'attribute_not_exists(lastPushedUpdatedAtMs) OR lastPushedUpdatedAtMs <= :lutMs',
        ExpressionAttributeValues: {
          ':realm': realmId,
          ':qbo': qboId,
          ':org': synced.orgId,
          ':pushed': synced.pushed,
          ':fp': synced.fingerprint,
          ':lut': synced.lastPushedUpdatedTime,
          ':lutMs': synced.lastPushedUpdatedAtMs,
          ':st': synced.lastPushedSyncToken,
          ':now': now,
          ':zero': 0,
          ':one': 1,
          ...(synced.personId !== undefined ? { ':person': synced.personId } : {}),
        },
      });
    } catch (error) {
      if (isConditionFailure(error)) throw new LinkConflict(`a newer version of customer ${qboId} was already pushed`);
      throw error;
    }
  }

  /**
   * Points the link at another organization (a merge re-points the survivor at the loser's org). With
   * `orgOwner` the organization is that other customer's (decision 64); without, it is this one's own.
   */
  async repoint(realmId: string, qboId: string, orgId: number, now: number, orgOwner?: string): Promise<void> {
    await writeLinkState(this.table, realmId, qboId, 'synced', (from) => from ?? 'pending', {
      UpdateExpression:
        'SET realmId = :realm, qboId = :qbo, orgId = :org, updatedAt = :now, version = if_not_exists(version, :zero) + :one' +
        (orgOwner !== undefined
          ? ', orgOwner = :owner REMOVE fingerprint, pushed'
          : ' REMOVE fingerprint, pushed, orgOwner'),
      ExpressionAttributeValues: {
        ':realm': realmId,
        ':qbo': qboId,
        ':org': orgId,
        ':now': now,
        ':zero': 0,
        ':one': 1,
        ...(orgOwner !== undefined ? { ':owner': orgOwner } : {}),
      },
    });
  }

  /**
   * Forgets the organization (it was deleted in Pipedrive, or it is another customer's a rep merged
   * this one's into), so the next sync creates one again. `keepPerson`: the person still lives (on
   * the other customer's organization) and moves to the new one.
   */
  async forgetOrganization(realmId: string, qboId: string, now: number, keepPerson = false): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.link(realmId, qboId),
        UpdateExpression:
          'SET updatedAt = :now, version = version + :one REMOVE orgId, fingerprint, pushed, pendingSince, orgOwner' +
          (keepPerson ? '' : ', personId'),
        ExpressionAttributeValues: { ':now': now, ':one': 1 },
      }),
    );
  }

  /** Records a failed, excluded or held-for-review customer with the reason (keeping any org id it has). */
  async markState(
    realmId: string,
    qboId: string,
    state: 'failed' | 'excluded' | 'review',
    reason: string,
    now: number,
    mergedInto?: string,
  ): Promise<void> {
    await writeLinkState(this.table, realmId, qboId, state, state, {
      UpdateExpression:
        'SET realmId = :realm, qboId = :qbo, reason = :reason, updatedAt = :now, version = if_not_exists(version, :zero) + :one' +
        (mergedInto !== undefined ? ', mergedInto = :merged' : '') +
        ' REMOVE pendingSince',
      ExpressionAttributeValues: {
        ':realm': realmId,
        ':qbo': qboId,
        ':reason': reason.slice(0, 1000),
        ':now': now,
        ':zero': 0,
        ':one': 1,
        ...(mergedInto !== undefined ? { ':merged': mergedInto } : {}),
      },
    });
  }

  /**
   * A change to a customer could not be pushed yet (deferred or failing): the link says `failed` with
   * the reason until a sync marks it `synced` again, so nobody reads an old version as in sync. A link
   * already `failed` takes the newer reason (work deferred twice says where it waits now). Pending
   * claims, exclusions and reviews are left as they are.
   */
  async markBehind(realmId: string, qboId: string, reason: string, now: number): Promise<void> {
    try {
      await writeLinkState(this.table, realmId, qboId, 'synced', 'failed', {
        UpdateExpression: 'SET reason = :reason, updatedAt = :now, version = version + :one',
        ConditionExpression: '#state = :synced OR #state = :failed',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':synced': 'synced',
          ':failed': 'failed',
          ':reason': reason.slice(0, 1000),
          ':now': now,
          ':one': 1,
        },
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Every link of a connection, a page at a time. */
  async *list(realmId: string, pageSize = 500): AsyncGenerator<CustomerLink[]> {
    const pages = queryPages(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.connection(realmId).pk, ':prefix': LINK_PREFIX },
      Limit: pageSize,
    });
    for await (const page of pages) yield page.map((item) => CustomerLink.parse(item));
  }
}
