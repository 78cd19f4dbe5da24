import { DeleteCommand, BatchGetCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { keys, LINK_PREFIX } from './table-schema';
import { isConditionFailure, type Table } from './table';

/** `review`: the backfill found several candidate organizations; nothing is written until a person decides. */
export const LinkState = z.enum(['pending', 'synced', 'failed', 'excluded', 'review']);
export type LinkState = z.infer<typeof LinkState>;

/** What the connector knows about one QBO customer's Pipedrive counterpart. */
export const CustomerLink = z.object({
  realmId: z.string(),
  qboId: z.string(),
  state: LinkState,
  orgId: z.number().int().optional(),
  personId: z.number().int().optional(),
  /** Hash of the last payload pushed; an equal hash means nothing to write. */
  fingerprint: z.string().optional(),
  /** QBO `MetaData.LastUpdatedTime` and `SyncToken` of the last pushed version, to refuse older data. */
  lastPushedUpdatedTime: z.string().optional(),
  lastPushedUpdatedAtMs: z.number().optional(),
  lastPushedSyncToken: z.string().optional(),
  /** The mapped payload last pushed (our field names), to diff and to patch only what changed. */
  pushed: z.unknown().optional(),
  /** When a create was claimed; a stale claim may be taken over. */
  pendingSince: z.number().optional(),
  /** The message (event id) that claimed the create: its own redelivery may take the claim over at once. */
  pendingOwner: z.string().optional(),
  /** The customer this one was merged into. */
  mergedInto: z.string().optional(),
  reason: z.string().optional(),
  updatedAt: z.number(),
  version: z.number().int(),
});
export type CustomerLink = z.infer<typeof CustomerLink>;

export interface SyncedLink {
  orgId: number;
  pushed: unknown;
  personId?: number;
  fingerprint: string;
  lastPushedUpdatedTime: string;
  lastPushedUpdatedAtMs: number;
  lastPushedSyncToken: string;
}

/** A newer version was already pushed, or a create is claimed by another worker. */
/** Another worker got there first: a newer version of the customer was already pushed (the change is stale). */
export class LinkConflict extends Error {
  // The domain recognises it by name: it cannot import this store.
  override readonly name: string = 'LinkConflict';
}

/** Another message holds a fresh create claim: not stale, only early, so it is retried like a transient failure. */
export class CreateClaimConflict extends LinkConflict {
  override readonly name: string = 'CreateClaimConflict';
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
    const out = new Map<string, CustomerLink>();
    const unique = [...new Set(qboIds)];
    for (let i = 0; i < unique.length; i += 100) {
      let requested: Record<string, string>[] = unique.slice(i, i + 100).map((id) => keys.link(realmId, id));
      for (let attempt = 0; requested.length > 0 && attempt < 8; attempt++) {
        const result = await this.table.client.send(
          new BatchGetCommand({ RequestItems: { [this.table.name]: { Keys: requested, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.table.name] ?? []) {
          const link = CustomerLink.parse(item);
          out.set(link.qboId, link);
        }
        const unprocessed = z
          .array(z.record(z.string(), z.string()))
          .safeParse(result.UnprocessedKeys?.[this.table.name]?.Keys ?? []);
        requested = unprocessed.success ? unprocessed.data : [];
      }
    }
    return out;
  }

  /**
   * Claims the right to create the customer's organization: the `pending` state of the
   * duplicate-free create protocol. Fails when another worker holds a fresh claim.
   */
  async claimCreate(
    realmId: string,
    qboId: string,
    now: number,
    staleAfterMs: number,
    owner?: string,
  ): Promise<CustomerLink> {
    try {
      const result = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.link(realmId, qboId),
          UpdateExpression:
            'SET realmId = :realm, qboId = :qbo, #state = :pending, pendingSince = :now, updatedAt = :now, version = if_not_exists(version, :zero) + :one' +
            (owner !== undefined ? ', pendingOwner = :owner' : ' REMOVE pendingOwner'),
          // A redelivery of the claiming message is not "another worker": the attempt that claimed is over.
          ConditionExpression:
            'attribute_not_exists(pk) OR #state <> :pending OR pendingSince < :stale' +
            (owner !== undefined ? ' OR pendingOwner = :owner' : ''),
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':realm': realmId,
            ':qbo': qboId,
            ':pending': 'pending',
            ':now': now,
            ':stale': now - staleAfterMs,
            ':zero': 0,
            ':one': 1,
            ...(owner !== undefined ? { ':owner': owner } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return CustomerLink.parse(result.Attributes);
    } catch (error) {
      if (isConditionFailure(error))
        throw new CreateClaimConflict(`customer ${qboId} is being created by another worker`);
      throw error;
    }
  }

  /** Deletes a first create claim whose create was refused (nothing was made), if it is still this owner's. */
  async abandonClaim(realmId: string, qboId: string, owner: string): Promise<void> {
    try {
      await this.table.client.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.link(realmId, qboId),
          ConditionExpression: '#state = :pending AND pendingOwner = :owner AND attribute_not_exists(orgId)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':pending': 'pending', ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Records the organization as soon as it exists, before anything else can fail. */
  async recordOrganization(realmId: string, qboId: string, orgId: number, now: number): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.link(realmId, qboId),
        UpdateExpression: 'SET orgId = :org, updatedAt = :now, version = version + :one',
        ExpressionAttributeValues: { ':org': orgId, ':now': now, ':one': 1 },
      }),
    );
  }

  /** Marks the customer in sync with what was pushed, unless a newer version was already pushed. */
  async markSynced(realmId: string, qboId: string, synced: SyncedLink, now: number): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.link(realmId, qboId),
          UpdateExpression:
            'SET realmId = :realm, qboId = :qbo, #state = :synced, orgId = :org, pushed = :pushed, fingerprint = :fp, lastPushedUpdatedTime = :lut, lastPushedUpdatedAtMs = :lutMs, lastPushedSyncToken = :st, updatedAt = :now, version = if_not_exists(version, :zero) + :one' +
            (synced.personId !== undefined ? ', personId = :person' : '') +
            ' REMOVE pendingSince, pendingOwner, reason',
          ConditionExpression: 'attribute_not_exists(lastPushedUpdatedAtMs) OR lastPushedUpdatedAtMs <= :lutMs',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':realm': realmId,
            ':qbo': qboId,
            ':synced': 'synced',
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
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new LinkConflict(`a newer version of customer ${qboId} was already pushed`);
      throw error;
    }
  }

  /** Points the link at another organization (a merge re-points the survivor at the loser's org). */
  async repoint(realmId: string, qboId: string, orgId: number, now: number): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.link(realmId, qboId),
        UpdateExpression:
          'SET realmId = :realm, qboId = :qbo, orgId = :org, #state = if_not_exists(#state, :pending), updatedAt = :now, version = if_not_exists(version, :zero) + :one REMOVE fingerprint, pushed',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':realm': realmId,
          ':qbo': qboId,
          ':org': orgId,
          ':pending': 'pending',
          ':now': now,
          ':zero': 0,
          ':one': 1,
        },
      }),
    );
  }

  /** Forgets the organization (it was deleted in Pipedrive), so the next sync creates one again. */
  async forgetOrganization(realmId: string, qboId: string, now: number): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.link(realmId, qboId),
        UpdateExpression:
          'SET updatedAt = :now, version = version + :one REMOVE orgId, personId, fingerprint, pushed, pendingSince',
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
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.link(realmId, qboId),
        UpdateExpression:
          'SET realmId = :realm, qboId = :qbo, #state = :state, reason = :reason, updatedAt = :now, version = if_not_exists(version, :zero) + :one' +
          (mergedInto !== undefined ? ', mergedInto = :merged' : '') +
          ' REMOVE pendingSince',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':realm': realmId,
          ':qbo': qboId,
          ':state': state,
          ':reason': reason.slice(0, 1000),
          ':now': now,
          ':zero': 0,
          ':one': 1,
          ...(mergedInto !== undefined ? { ':merged': mergedInto } : {}),
        },
      }),
    );
  }

  /**
   * A change to a synced customer could not be pushed yet (deferred or failing): the link says
   * `failed` with the reason until a sync marks it `synced` again, so nobody reads an old version
   * as in sync. Pending claims, exclusions and reviews are left as they are.
   */
  async markBehind(realmId: string, qboId: string, reason: string, now: number): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.link(realmId, qboId),
          UpdateExpression: 'SET #state = :failed, reason = :reason, updatedAt = :now, version = version + :one',
          ConditionExpression: '#state = :synced',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':synced': 'synced',
            ':reason': reason.slice(0, 1000),
            ':now': now,
            ':one': 1,
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Every link of a connection, a page at a time. */
  async *list(realmId: string, pageSize = 500): AsyncGenerator<CustomerLink[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.connection(realmId).pk, ':prefix': LINK_PREFIX },
          Limit: pageSize,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const links = (page.Items ?? []).map((item) => CustomerLink.parse(item));
      if (links.length > 0) yield links;
      start = page.LastEvaluatedKey;
    } while (start);
  }
}
