import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import * as z from '../shared/zod-mini';
import { LinkState } from './link-state';
import { keys, linkCountShard, LINK_STATE_INDEX, linkStatePartition } from './table-schema';
import { isConditionFailure, type Table } from './table';

/** A link update whose SET clause gets the state and its index key added (it must start with `SET `). */
export interface LinkWrite {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/** `null`: no link (yet, or any more). */
type Present = LinkState | null;

const ATTEMPTS = 25;

/**
 * Writes a link and moves it between the per-state counters in one step (decision 59): the write is
 * guarded by the state it had (`#state = :from`, or no item), and when the state changes a
 * transaction adds -1 to the old state's counter and +1 to the new one's. A guess of the old state
 * that was wrong (or a concurrent change) fails the guard: the state is read again and the write
 * retried, so the counters never drift, whatever workers run at once. Only the caller's own condition
 * failing reaches the caller, as a ConditionalCheckFailedException. `to` may depend on the state found.
 * Returns the item as written when `returnItem`.
 */
export async function writeLinkState(
  table: Table,
  realmId: string,
  qboId: string,
  guess: Present,
  to: LinkState | ((from: Present) => LinkState),
  write: LinkWrite,
  returnItem = false,
): Promise<Record<string, unknown> | undefined> {
  let from = guess;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const target = typeof to === 'function' ? to(from) : to;
    const update = guardedUpdate(table, realmId, qboId, from, target, write);
    try {
      if (from === target) {
        const result = await table.client.send(
          new UpdateCommand({
            ...update,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            ...(returnItem ? { ReturnValues: 'ALL_NEW' } : {}),
          }),
        );
        return result.Attributes;
      }
      await table.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: { ...update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
            { Update: counterMove(table, realmId, qboId, from, target) },
          ],
        }),
      );
      return returnItem ? await read(table, realmId, qboId) : undefined;
    } catch (error) {
      const outcome = failureOf(error);
      if (outcome === 'other') throw error;
      if (outcome === 'conflict') {
        // Another transaction holds the counter item: try again shortly (jittered, growing).
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * (attempt + 1)));
        continue;
      }
      // The state when the write failed (DynamoDB returns the old item); a read only if it did not.
      const found = stateAtFailure(error) ?? (await stateOf(table, realmId, qboId));
      if (found === from && write.ConditionExpression)
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      from = found;
    }
  }
  throw new Error(`customer ${qboId}'s link kept changing under the write: try again`);
}

/** Deletes a link (with the caller's condition) and takes it off its state's counter, in one transaction. */
export async function deleteLink(
  table: Table,
  realmId: string,
  qboId: string,
  condition: { ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> },
): Promise<void> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const from = await stateOf(table, realmId, qboId);
    if (from === null) throw new ConditionalCheckFailedException({ message: 'no such link', $metadata: {} });
    try {
      await table.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: table.name,
                Key: keys.link(realmId, qboId),
                ConditionExpression: `(${condition.ConditionExpression}) AND #state = :lsFrom`,
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':lsFrom': from },
              },
            },
            { Update: counterMove(table, realmId, qboId, from, null) },
          ],
        }),
      );
      return;
    } catch (error) {
      const outcome = failureOf(error);
      if (outcome === 'other') throw error;
      if (outcome === 'conflict')
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * (attempt + 1)));
      else if ((await stateOf(table, realmId, qboId)) === from)
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
  }
  throw new Error(`customer ${qboId}'s link kept changing under the delete: try again`);
}

function guardedUpdate(table: Table, realmId: string, qboId: string, from: Present, to: LinkState, write: LinkWrite) {
  if (!write.UpdateExpression.startsWith('SET ')) throw new Error('a link state write must start with SET');
  const guard = from === null ? 'attribute_not_exists(pk)' : '#state = :lsFrom';
  return {
    TableName: table.name,
    Key: keys.link(realmId, qboId),
    UpdateExpression: `SET #state = :lsTo, #lsIndex = :lsIndex, ${write.UpdateExpression.slice(4)}`,
    ConditionExpression: write.ConditionExpression ? `(${write.ConditionExpression}) AND ${guard}` : guard,
    ExpressionAttributeNames: {
      ...write.ExpressionAttributeNames,
      '#state': 'state',
      '#lsIndex': LINK_STATE_INDEX.partition,
    },
    ExpressionAttributeValues: {
      ...write.ExpressionAttributeValues,
      ':lsTo': to,
      ':lsIndex': linkStatePartition(realmId, to),
      ...(from === null ? {} : { ':lsFrom': from }),
    },
  };
}

/** -1 on the old state's counter, +1 on the new one's, in the customer's shard (created by its first ADD). */
function counterMove(table: Table, realmId: string, qboId: string, from: Present, to: Present) {
  const adds = [...(from !== null ? [`#from :minus`] : []), ...(to !== null ? [`#to :plus`] : [])];
  return {
    TableName: table.name,
    Key: keys.linkCounts(realmId, linkCountShard(qboId)),
    UpdateExpression: `ADD ${adds.join(', ')}`,
    ExpressionAttributeNames: {
      ...(from !== null ? { '#from': from } : {}),
      ...(to !== null ? { '#to': to } : {}),
    },
    ExpressionAttributeValues: {
      ...(from !== null ? { ':minus': -1 } : {}),
      ...(to !== null ? { ':plus': 1 } : {}),
    },
  };
}

/** What a failed write means: the condition (ours or the caller's), a transaction conflict, or anything else. */
function failureOf(error: unknown): 'condition' | 'conflict' | 'other' {
  if (isConditionFailure(error)) return 'condition';
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return 'other';
  const reasons =
    'CancellationReasons' in error && Array.isArray(error.CancellationReasons) ? error.CancellationReasons : [];
  const codes = reasons.map((r: unknown) => (typeof r === 'object' && r !== null && 'Code' in r ? String(r.Code) : ''));
  if (codes.includes('ConditionalCheckFailed')) return 'condition';
  if (codes.includes('TransactionConflict')) return 'conflict';
  return 'other';
}

/** The link's state in the old item a failed condition returned: `null` when there was no link, undefined when not told. */
function stateAtFailure(error: unknown): Present | undefined {
  if (!(error instanceof Error)) return undefined;
  const reasons =
    'CancellationReasons' in error && Array.isArray(error.CancellationReasons) ? error.CancellationReasons : [];
  const carrier: unknown = 'Item' in error ? error : reasons[0];
  if (typeof carrier !== 'object' || carrier === null || !('Item' in carrier)) return undefined;
  const item = z.object({ state: z.optional(z.object({ S: LinkState })) }).safeParse(carrier.Item);
  if (!item.success) return undefined;
  return item.data.state?.S ?? null;
}

async function stateOf(table: Table, realmId: string, qboId: string): Promise<Present> {
  const result = await table.client.send(
    new GetCommand({
      TableName: table.name,
      Key: keys.link(realmId, qboId),
      ProjectionExpression: '#state',
      ExpressionAttributeNames: { '#state': 'state' },
      ConsistentRead: true,
    }),
  );
  if (!result.Item) return null;
  return LinkState.parse(result.Item.state);
}

async function read(table: Table, realmId: string, qboId: string): Promise<Record<string, unknown> | undefined> {
  const result = await table.client.send(
    new GetCommand({ TableName: table.name, Key: keys.link(realmId, qboId), ConsistentRead: true }),
  );
  return result.Item;
}
