import { BatchWriteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import {
  keys,
  LINK_COUNT_SHARDS,
  linkCountShard,
  LINK_PREFIX,
  LINK_STATE_INDEX,
  linkStatePartition,
} from './table-schema';
import { linkSummaries } from './link-summaries';
import { batchGetItems, isConditionFailure, type Table } from './table';

export interface LinkCounts {
  synced: number;
  excluded: number;
  failed: number;
  pending: number;
  review: number;
}

const zero = (): LinkCounts => ({ synced: 0, excluded: 0, failed: 0, pending: 0, review: 0 });

const Shard = z.object({
  /** Set by a recount (or a new connection): a shard only ADDed to since it was first touched is not whole. */
  countedAt: z.optional(z.number()),
  synced: z._default(z.number(), 0),
  excluded: z._default(z.number(), 0),
  failed: z._default(z.number(), 0),
  pending: z._default(z.number(), 0),
  review: z._default(z.number(), 0),
});

/** How many links the recount tags for the state index at once. */
const TAGGING_WIDTH = 16;

const shardKeys = (realmId: string) => Array.from({ length: LINK_COUNT_SHARDS }, (_, i) => keys.linkCounts(realmId, i));

/**
 * The connection's customers counted by link state (decision 59): sixteen counter items, moved by
 * every state change in the same transaction as the link (functions/store/link-state-writes.ts), so
 * reading the counts is one BatchGet whatever the number of customers. A connection whose counters
 * were never whole (links written before decision 59) is recounted once, on first read.
 */
export async function linkCounts(table: Table, realmId: string): Promise<LinkCounts> {
  const shards = (await batchGetItems(table, shardKeys(realmId))).map((item) => Shard.parse(item));
  if (shards.length < LINK_COUNT_SHARDS || shards.some((s) => s.countedAt === undefined))
    return recountLinks(table, realmId, Date.now());
  const counts = zero();
  for (const shard of shards)
    for (const state of ['synced', 'excluded', 'failed', 'pending', 'review'] as const) counts[state] += shard[state];
  return counts;
}

/**
 * The one-off rebuild: reads every link, tags the ones written before decision 59 for the state
 * index, and sets the counters to what it counted. A state change while it reads may be counted
 * twice or missed (the read is not a snapshot); calling it again (the next recount) repairs that.
 */
export async function recountLinks(table: Table, realmId: string, now: number): Promise<LinkCounts> {
  const counts = zero();
  const shards = Array.from({ length: LINK_COUNT_SHARDS }, zero);
  const summaries = await linkSummaries(table, realmId);
  for (const link of summaries) {
    counts[link.state]++;
    const shard = shards[linkCountShard(link.qboId)];
    if (shard) shard[link.state]++;
  }
  const untagged = summaries.filter((link) => !link.indexed);
  for (let i = 0; i < untagged.length; i += TAGGING_WIDTH)
    await Promise.all(
      untagged.slice(i, i + TAGGING_WIDTH).map(async (link) => {
        try {
          await table.client.send(
            new UpdateCommand({
              TableName: table.name,
              Key: keys.link(realmId, link.qboId),
              UpdateExpression: 'SET #index = :index',
              // A link changed since it was read carries its tag already (every state write sets it).
              ConditionExpression: '#state = :state AND attribute_not_exists(#index)',
              ExpressionAttributeNames: { '#index': LINK_STATE_INDEX.partition, '#state': 'state' },
              ExpressionAttributeValues: { ':index': linkStatePartition(realmId, link.state), ':state': link.state },
            }),
          );
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }),
    );
  await putShards(table, realmId, shards, now);
  return counts;
}

async function putShards(table: Table, realmId: string, shards: LinkCounts[], now: number): Promise<void> {
  let requests: { PutRequest: { Item: Record<string, unknown> } }[] = shards.map((shard, i) => ({
    PutRequest: { Item: { ...keys.linkCounts(realmId, i), ...shard, countedAt: now } },
  }));
  for (let attempt = 0; requests.length > 0 && attempt < 8; attempt++) {
    const result = await table.client.send(new BatchWriteCommand({ RequestItems: { [table.name]: requests } }));
    requests = (result.UnprocessedItems?.[table.name] ?? []).flatMap((r) =>
      r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : [],
    );
  }
}

/**
 * A new connection's counters start whole at zero, so its first view is not a recount racing the
 * backfill. Left alone when the realm already has links (a connection made again): those are
 * recounted on first read.
 */
export async function startCounting(table: Table, realmId: string, now: number): Promise<void> {
  const existing = await table.client.send(
    new QueryCommand({
      TableName: table.name,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.connection(realmId).pk, ':prefix': LINK_PREFIX },
      Limit: 1,
    }),
  );
  if ((existing.Items ?? []).length === 0)
    await putShards(table, realmId, Array.from({ length: LINK_COUNT_SHARDS }, zero), now);
}
