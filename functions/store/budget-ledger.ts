import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { keys, TTL_ATTRIBUTE } from './table-schema';
import { epochSeconds, isConditionFailure, type Table } from './table';

/**
 * The daily Pipedrive token ledger of one Pipedrive company, shared by every connection and
 * container that writes into it. Spending is a conditional atomic ADD, so the total can never pass
 * the limit however many writers race.
 */
export class BudgetLedger {
  constructor(private readonly table: Table) {}

  /** Adds `tokens` to the day's spend if the total stays within `limit`; false (and nothing spent) otherwise. */
  async reserve(companyId: string, day: string, tokens: number, limit: number, now: number): Promise<boolean> {
    if (tokens > limit) return false;
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.budget(companyId, day),
          UpdateExpression: 'ADD spent :tokens, calls :one SET #ttl = if_not_exists(#ttl, :ttl)',
          ConditionExpression: 'attribute_not_exists(spent) OR spent <= :room',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':tokens': tokens,
            ':one': 1,
            ':room': limit - tokens,
            ':ttl': epochSeconds(now) + 8 * 86_400,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Records spend that happened regardless of the limit (an answer that cost more than reserved). */
  async record(companyId: string, day: string, tokens: number, now: number): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.budget(companyId, day),
        UpdateExpression: 'ADD spent :tokens SET #ttl = if_not_exists(#ttl, :ttl)',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':tokens': tokens, ':ttl': epochSeconds(now) + 8 * 86_400 },
      }),
    );
  }

  async spent(companyId: string, day: string): Promise<{ spent: number; calls: number }> {
    const result = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.budget(companyId, day), ConsistentRead: true }),
    );
    const item = z.object({ spent: z.number().default(0), calls: z.number().default(0) }).parse(result.Item ?? {});
    return item;
  }
}
