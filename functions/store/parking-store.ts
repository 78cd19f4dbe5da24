import { setTimeout as delay } from 'node:timers/promises';
import { BatchWriteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { SyncMessage } from '../sync/sync-message';
import { type ParkingLane, parkedKey, TTL_ATTRIBUTE } from './table-schema';
import { epochSeconds, type Table } from './table';

const ParkedQueue = z.enum(['changes', 'bulk']);
export type ParkedQueue = z.infer<typeof ParkedQueue>;
const UnprocessedKey = z.object({ pk: z.string(), sk: z.string() });
/** DynamoDB may leave some of a batch write unprocessed under load: it is sent again this often at most. */
const UNPROCESSED_ATTEMPTS = 4;
const Parked = z.object({ pk: z.string(), sk: z.string(), message: SyncMessage, queue: z.optional(ParkedQueue) });

/** A parked message, with where it was parked (its sort key: time and message id) and the queue it came from. */
export interface ParkedMessage {
  message: SyncMessage;
  parkedAs: string;
  queue: ParkedQueue | undefined;
}

/**
 * Work kept out of the queues instead of failing towards the DLQ: a connection that needs
 * re-authorisation (sent again on reconnect), or work the Pipedrive budget share had no room for
 * (sent again by the poll once a new budget day has room), or work QBO throttled (sent again once
 * the company's QBO limiter lets calls through, decision 33). Waiting in a queue instead would
 * spend a receive per deferral, and five receives dead-letter a message.
 */
export class ParkingStore {
  constructor(
    private readonly table: Table,
    private readonly retentionDays = 30,
  ) {}

  async park(
    message: SyncMessage,
    messageId: string,
    now: number,
    lane: ParkingLane = 'reauth',
    queue?: ParkedQueue,
  ): Promise<void> {
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...parkedKey(message.realmId, `${new Date(now).toISOString()}#${messageId}`, lane),
          message,
          ...(queue ? { queue } : {}),
          [TTL_ATTRIBUTE]: epochSeconds(now) + this.retentionDays * 86_400,
        },
      }),
    );
  }

  /**
   * Hands every parked message of a lane to `send`, a page at a time, oldest first, and deletes a
   * page only once `send` took it. A send that fails leaves the page parked for the next release; a
   * delete that fails sends it again later, which the sync absorbs (it is idempotent) and SQS
   * drops within its 5-minute window when the deduplication id names the parking. Deleting first
   * lost the page whenever the send failed or the invocation ran out of time between the two.
   */
  async releaseTo(realmId: string, lane: ParkingLane, send: (page: ParkedMessage[]) => Promise<void>): Promise<number> {
    const pk = parkedKey(realmId, '', lane).pk;
    let released = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const items = (page.Items ?? []).map((item) => Parked.parse(item));
      if (items.length > 0) {
        await send(items.map((item) => ({ message: item.message, parkedAs: item.sk, queue: item.queue })));
        for (let i = 0; i < items.length; i += 25)
          await this.deleteAll(
            items.slice(i, i + 25).map((item) => item.sk),
            pk,
          );
        released += items.length;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return released;
  }

  /**
   * Deletes the entries, sending again what DynamoDB left unprocessed a few times; returns the sort
   * keys still stored (they are released again next time).
   */
  private async deleteAll(sortKeys: string[], pk: string): Promise<Set<string>> {
    let requests = sortKeys.map((sk) => ({ DeleteRequest: { Key: { pk, sk } } }));
    for (let attempt = 0; attempt < UNPROCESSED_ATTEMPTS && requests.length > 0; attempt++) {
      if (attempt > 0) await delay(50 * 2 ** attempt);
      const result = await this.table.client.send(
        new BatchWriteCommand({ RequestItems: { [this.table.name]: requests } }),
      );
      requests = (result.UnprocessedItems?.[this.table.name] ?? []).flatMap((request) => {
        const key = UnprocessedKey.safeParse(request.DeleteRequest?.Key);
        return key.success ? [{ DeleteRequest: { Key: key.data } }] : [];
      });
    }
    return new Set(requests.map((request) => request.DeleteRequest.Key.sk));
  }

  /** When the oldest message of a lane was parked (its sort key starts with the time), if any is. */
  async oldestParkedAt(realmId: string, lane: ParkingLane): Promise<number | undefined> {
    const page = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': parkedKey(realmId, '', lane).pk },
        ProjectionExpression: 'sk',
        Limit: 1,
      }),
    );
    const sk = z.object({ sk: z.string() }).safeParse(page.Items?.[0]);
    const at = sk.success ? Date.parse(sk.data.sk.split('#')[0] ?? '') : NaN;
    return Number.isNaN(at) ? undefined : at;
  }

  async count(realmId: string, lane: ParkingLane = 'reauth'): Promise<number> {
    const page = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': parkedKey(realmId, '', lane).pk },
        Select: 'COUNT',
      }),
    );
    return page.Count ?? 0;
  }
}
