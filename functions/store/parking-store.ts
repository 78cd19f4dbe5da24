import { BatchWriteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { SyncMessage } from '../sync/sync-message';
import { type ParkingLane, parkedKey, TTL_ATTRIBUTE } from './table-schema';
import { epochSeconds, type Table } from './table';

const Parked = z.object({ pk: z.string(), sk: z.string(), message: SyncMessage });

/**
 * Work kept out of the queues instead of failing towards the DLQ: a connection that needs
 * re-authorisation (sent again on reconnect), or work the Pipedrive budget share had no room for
 * (sent again by the poll once a new budget day has room). Waiting in a queue instead would spend
 * a receive per deferral, and five receives dead-letter a message.
 */
export class ParkingStore {
  constructor(
    private readonly table: Table,
    private readonly retentionDays = 30,
  ) {}

  async park(message: SyncMessage, messageId: string, now: number, lane: ParkingLane = 'reauth'): Promise<void> {
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...parkedKey(message.realmId, `${new Date(now).toISOString()}#${messageId}`, lane),
          message,
          [TTL_ATTRIBUTE]: epochSeconds(now) + this.retentionDays * 86_400,
        },
      }),
    );
  }

  /** Takes every parked message of a connection out of the store, oldest first. */
  async release(realmId: string, lane: ParkingLane = 'reauth'): Promise<SyncMessage[]> {
    const out: SyncMessage[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': parkedKey(realmId, '', lane).pk },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const items = (page.Items ?? []).map((item) => Parked.parse(item));
      out.push(...items.map((item) => item.message));
      for (let i = 0; i < items.length; i += 25) {
        await this.table.client.send(
          new BatchWriteCommand({
            RequestItems: {
              [this.table.name]: items
                .slice(i, i + 25)
                .map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })),
            },
          }),
        );
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
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
