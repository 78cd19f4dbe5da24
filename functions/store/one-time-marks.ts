import { createHash } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys, TTL_ATTRIBUTE } from './table-schema';
import { epochSeconds, isConditionFailure, type Table } from './table';

/** What is used once: a connection link's nonce, an OAuth authorization code (decision 39). */
export type OneTimeKind = 'link-nonce' | 'oauth-code';

/**
 * Marks that something was used, once: a conditional put of its SHA-256 (never the value itself, an
 * authorization code is a credential) with a TTL. The first claim wins; every later one is refused.
 */
export class OneTimeMarks {
  constructor(private readonly table: Table) {}

  /** True for the first claim of `value`; false if it was claimed before (until `keepUntil` has passed and TTL removed it). */
  async claim(kind: OneTimeKind, value: string, now: number, keepUntil: number): Promise<boolean> {
    const hash = createHash('sha256').update(`${kind}\n${value}`).digest('base64url');
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...keys.usedOnce(kind, hash), kind, usedAt: now, [TTL_ATTRIBUTE]: epochSeconds(keepUntil) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
