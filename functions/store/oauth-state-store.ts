import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { keys, TTL_ATTRIBUTE } from './table-schema';
import { epochSeconds, isConditionFailure, type Table } from './table';

export const OAuthProvider = z.enum(['quickbooks', 'pipedrive']);
export type OAuthProvider = z.infer<typeof OAuthProvider>;

const StoredState = z.object({
  provider: OAuthProvider,
  createdAt: z.number(),
  /** The realm the connection link was minted for (always, for Pipedrive). */
  realmId: z.optional(z.string()),
  /** Whether the link may change what the connection is tied to (decision 39). */
  replace: z.optional(z.boolean()),
  /** The link's nonce, recorded with any change it makes. */
  linkNonce: z.optional(z.string()),
});
export type StoredState = z.infer<typeof StoredState>;

/** One-time OAuth `state` values: created at start, consumed (deleted) by the first callback that presents them. */
export class OAuthStateStore {
  constructor(private readonly table: Table) {}

  async create(state: string, value: StoredState, ttlMs: number): Promise<void> {
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.oauthState(state), ...value, [TTL_ATTRIBUTE]: epochSeconds(value.createdAt + ttlMs) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** The state if it exists, is for this provider and is fresh; it is gone afterwards either way. Undefined otherwise. */
  async consume(
    state: string,
    provider: OAuthProvider,
    now: number,
    maxAgeMs: number,
  ): Promise<StoredState | undefined> {
    try {
      const result = await this.table.client.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.oauthState(state),
          ConditionExpression: 'attribute_exists(pk) AND provider = :provider AND createdAt >= :oldest',
          ExpressionAttributeValues: { ':provider': provider, ':oldest': now - maxAgeMs },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const parsed = StoredState.safeParse(result.Attributes);
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
