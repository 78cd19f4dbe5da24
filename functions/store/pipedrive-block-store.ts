import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { keys, TTL_ATTRIBUTE } from './table-schema';
import { epochSeconds, isConditionFailure, type Table } from './table';

const Block = z.object({ blockedUntil: z.number() });

/**
 * Pipedrive's Cloudflare block of one Pipedrive company (decision 32), shared by every connection,
 * container and function that calls the company, so a rebuilt client or a new container cannot
 * forget it. A block is only ever lengthened.
 */
export class PipedriveBlockStore {
  constructor(private readonly table: Table) {}

  /** Until when calls to the company are stopped (epoch ms); undefined when it was never blocked. */
  async blockedUntil(companyId: string): Promise<number | undefined> {
    const result = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.pipedriveBlock(companyId), ConsistentRead: true }),
    );
    const parsed = Block.safeParse(result.Item);
    return parsed.success ? parsed.data.blockedUntil : undefined;
  }

  /** Records a block until `until`, unless a longer one is already recorded. */
  async block(companyId: string, until: number, now: number): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.pipedriveBlock(companyId),
          UpdateExpression: 'SET blockedUntil = :until, blockedAt = :now, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(blockedUntil) OR blockedUntil < :until',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':until': until,
            ':now': now,
            // Kept a week past its end, for `status` and the audit of what happened.
            ':ttl': epochSeconds(until) + 7 * 86_400,
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
