import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { LINK_PREFIX, LINK_STATE_INDEX, keys, linkStatePartition } from './table-schema';
import { linkSummaries } from './link-summaries';
import { isConditionFailure, type Table } from './table';

export interface LinkCounts {
  synced: number;
  excluded: number;
  failed: number;
  pending: number;
  review: number;
}

const Counters = z.object({
  /** Set by a recount: counters only ADDed to since the item was first touched are not whole. */
  countedAt: z.number().optional(),
  synced: z.number().default(0),
  excluded: z.number().default(0),
  failed: z.number().default(0),
  pending: z.number().default(0),
  review: z.number().default(0),
});

/** How many links the recount tags for the state index at once. */
const TAGGING_WIDTH = 16;

/**
 * The connection's customers counted by link state (decision 56): one item, moved by every state
 * change in the same transaction as the link (functions/store/link-state-writes.ts), so reading
 * the counts is one GetItem whatever the number of customers. A connection whose counters were never
 * whole (links written before decision 56) is recounted once, on first read.
 */
export async function linkCounts(table: Table, realmId: string): Promise<LinkCounts> {
  const result = await table.client.send(
    new GetCommand({ TableName: table.name, Key: keys.linkCounts(realmId), ConsistentRead: true }),
  );
  const counters = Counters.parse(result.Item ?? {});
  if (counters.countedAt === undefined) return recountLinks(table, realmId, Date.now());
  const { synced, excluded, failed, pending, review } = counters;
  return { synced, excluded, failed, pending, review };
}

/**
 * The one-off rebuild: reads every link, tags the ones written before decision 56 for the state
 * index, and sets the counters to what it counted. A state change while it reads may be counted
 * twice or missed (the read is not a snapshot); calling it again (the next recount) repairs that.
 */
export async function recountLinks(table: Table, realmId: string, now: number): Promise<LinkCounts> {
  const counts: LinkCounts = { synced: 0, excluded: 0, failed: 0, pending: 0, review: 0 };
  const summaries = await linkSummaries(table, realmId);
  for (const link of summaries) counts[link.state]++;
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
  await table.client.send(
    new PutCommand({ TableName: table.name, Item: { ...keys.linkCounts(realmId), ...counts, countedAt: now } }),
  );
  return counts;
}

/**
 * A new connection's counters start whole at zero, so its first view is not a recount racing the
 * backfill. Left alone when links or counters of the realm are already there (a connection made
 * again): those are recounted on first read.
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
  if ((existing.Items ?? []).length > 0) return;
  try {
    await table.client.send(
      new PutCommand({
        TableName: table.name,
        Item: { ...keys.linkCounts(realmId), synced: 0, excluded: 0, failed: 0, pending: 0, review: 0, countedAt: now },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
