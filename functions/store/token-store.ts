import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { keys } from './table-schema';
import { isConditionFailure, type Table } from './table';

export type TokenProviderName = 'quickbooks' | 'pipedrive';

/** A stored credential: only KMS ciphertext, expiry times, a version for optimistic locking and the refresh lease. */
export const StoredTokens = z.object({
  ciphertext: z.string(),
  /** Epoch ms; absent for credentials that do not expire (a Pipedrive API token). */
  accessTokenExpiresAt: z.optional(z.number()),
  refreshTokenExpiresAt: z.optional(z.number()),
  version: z.number().check(z.int()),
  updatedAt: z.number(),
  lastRefreshAt: z.optional(z.number()),
  leaseOwner: z.optional(z.string()),
  leaseUntil: z.optional(z.number()),
});
export type StoredTokens = z.infer<typeof StoredTokens>;

export interface TokenWrite {
  ciphertext: string;
  accessTokenExpiresAt?: number;
  refreshTokenExpiresAt?: number;
}

/** Someone else changed the tokens since we read them (their version moved on). */
export class TokenVersionConflict extends Error {}

export class TokenStore {
  constructor(private readonly table: Table) {}

  async read(realmId: string, provider: TokenProviderName): Promise<StoredTokens | undefined> {
    const result = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.tokens(realmId, provider), ConsistentRead: true }),
    );
    return result.Item ? StoredTokens.parse(result.Item) : undefined;
  }

  /** Forgets a credential (a disconnect): nothing can call on the connection's behalf until it is connected again. */
  async forget(realmId: string, provider: TokenProviderName): Promise<void> {
    await this.table.client.send(
      new DeleteCommand({ TableName: this.table.name, Key: keys.tokens(realmId, provider) }),
    );
  }

  /** Stores tokens from a fresh authorization (a new connection or a reconnect), whatever was there. */
  async replace(realmId: string, provider: TokenProviderName, write: TokenWrite, now: number): Promise<number> {
    const result = await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.tokens(realmId, provider),
        UpdateExpression: `SET ${this.assignments(write)}, updatedAt = :now, version = if_not_exists(version, :zero) + :one REMOVE leaseOwner, leaseUntil${this.removals(write)}`,
        ExpressionAttributeValues: { ...this.values(write), ':now': now, ':zero': 0, ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return z.object({ version: z.number() }).parse(result.Attributes).version;
  }

  /**
   * Takes the refresh lease if nobody holds it (or theirs has run out). Only the holder may refresh:
   * two refreshes of a rotating token race each other into `invalid_grant` (decision 9).
   */
  async acquireLease(
    realmId: string,
    provider: TokenProviderName,
    owner: string,
    now: number,
    ttlMs: number,
  ): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.tokens(realmId, provider),
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeValues: { ':owner': owner, ':until': now + ttlMs, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async releaseLease(realmId: string, provider: TokenProviderName, owner: string): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.tokens(realmId, provider),
          UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Saves refreshed tokens, access and refresh together, if nobody saved since `expectedVersion`,
   * and releases the lease in the same write.
   */
  async saveRefreshed(
    realmId: string,
    provider: TokenProviderName,
    write: TokenWrite,
    expectedVersion: number,
    now: number,
  ): Promise<number> {
    try {
      const result = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.tokens(realmId, provider),
          UpdateExpression: `SET ${this.assignments(write)}, updatedAt = :now, lastRefreshAt = :now, version = version + :one REMOVE leaseOwner, leaseUntil${this.removals(write)}`,
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ...this.values(write), ':now': now, ':one': 1, ':expected': expectedVersion },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return z.object({ version: z.number() }).parse(result.Attributes).version;
    } catch (error) {
      if (isConditionFailure(error))
        throw new TokenVersionConflict(`tokens of ${realmId}/${provider} changed since version ${expectedVersion}`);
      throw error;
    }
  }

  private assignments(write: TokenWrite): string {
    return [
      'ciphertext = :ciphertext',
      ...(write.accessTokenExpiresAt !== undefined ? ['accessTokenExpiresAt = :accessExpires'] : []),
      ...(write.refreshTokenExpiresAt !== undefined ? ['refreshTokenExpiresAt = :refreshExpires'] : []),
    ].join(', ');
  }

  private removals(write: TokenWrite): string {
    return [
      ...(write.accessTokenExpiresAt === undefined ? [', accessTokenExpiresAt'] : []),
      ...(write.refreshTokenExpiresAt === undefined ? [', refreshTokenExpiresAt'] : []),
    ].join('');
  }

  private values(write: TokenWrite): Record<string, string | number> {
    return {
      ':ciphertext': write.ciphertext,
      ...(write.accessTokenExpiresAt !== undefined ? { ':accessExpires': write.accessTokenExpiresAt } : {}),
      ...(write.refreshTokenExpiresAt !== undefined ? { ':refreshExpires': write.refreshTokenExpiresAt } : {}),
    };
  }
}
