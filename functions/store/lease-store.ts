import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys, TTL_ATTRIBUTE } from './table-schema';
import { epochSeconds, isConditionFailure, type Table } from './table';

/**
 * Named leases (a CDC poll per connection, a reconcile): one holder at a time, taken by a
 * conditional write, expiring on their own so a crashed holder never blocks for long.
 */
export class LeaseStore {
  constructor(private readonly table: Table) {}

  async acquire(scope: string, name: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...keys.lease(scope, name),
            owner,
            until: now + ttlMs,
            [TTL_ATTRIBUTE]: epochSeconds(now + ttlMs) + 3600,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #until < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#until': 'until', '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now, ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async release(scope: string, name: string, owner: string): Promise<void> {
    try {
      await this.table.client.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.lease(scope, name),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
