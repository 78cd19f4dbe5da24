import { BatchWriteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { SyncMessage } from '../sync/sync-message';
import { parkedKey, TTL_ATTRIBUTE } from './table-schema';
import { epochSeconds, type Table } from './table';

const Parked = z.object({ pk: z.string(), sk: z.string(), message: SyncMessage });

/**
 * Work of a connection that needs re-authorisation: kept here instead of failing towards the DLQ,
 * and sent again when the connection is reconnected.
 */
export class ParkingStore {
  constructor(
    private readonly table: Table,
    private readonly retentionDays = 30,
  ) {}

  async park(message: SyncMessage, messageId: string, now: number): Promise<void> {
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...parkedKey(message.realmId, `${new Date(now).toISOString()}#${messageId}`),
          message,
          [TTL_ATTRIBUTE]: epochSeconds(now) + this.retentionDays * 86_400,
        },
      }),
    );
  }

  /** Takes every parked message of a connection out of the store, oldest first. */
  async release(realmId: string): Promise<SyncMessage[]> {
    const out: SyncMessage[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': parkedKey(realmId, '').pk },
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

  async count(realmId: string): Promise<number> {
    const page = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': parkedKey(realmId, '').pk },
        Select: 'COUNT',
      }),
    );
    return page.Count ?? 0;
  }
}
