import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { keys } from './table-schema';
import { isConditionFailure, type Table } from './table';

export const Cursor = z.object({
  /** The `changedSince` of the next CDC call, as QBO wrote it (its response `time`). */
  changedSince: z.string(),
  changedSinceMs: z.number(),
  /** Every change at or before this time was read by a paged query: the poll's overlap stops here. */
  readThroughMs: z.optional(z.number()),
  /** When the last poll that read a window began reading (our clock): a webhook received before it is read (decision 66). */
  polledAtMs: z.optional(z.number()),
  /** The last time QBO's ledger or customer hierarchy may have moved; absent, unknown (decision 66). */
  ledgerMovedAtMs: z.optional(z.number()),
  lastRunAt: z.number(),
  version: z.number().check(z.int()),
});
export type Cursor = z.infer<typeof Cursor>;

export class CursorStore {
  constructor(private readonly table: Table) {}

  async get(realmId: string, name = 'cdc'): Promise<Cursor | undefined> {
    const result = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.cursor(realmId, name), ConsistentRead: true }),
    );
    return result.Item ? Cursor.parse(result.Item) : undefined;
  }

  /**
   * Moves the cursor forward, only from the version that was read and never backwards.
   * False when another run moved it first (that run's window covers ours).
   */
  async advance(
    realmId: string,
    next: {
      changedSince: string;
      changedSinceMs: number;
      readThroughMs?: number | undefined;
      polledAtMs?: number | undefined;
      ledgerMovedAtMs?: number | undefined;
    },
    expectedVersion: number | undefined,
    now: number,
    name = 'cdc',
  ): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.cursor(realmId, name),
          UpdateExpression:
            'SET changedSince = :since, changedSinceMs = :sinceMs, lastRunAt = :now, version = if_not_exists(version, :zero) + :one' +
            (next.polledAtMs !== undefined ? ', polledAtMs = :polledAt' : '') +
            (next.ledgerMovedAtMs !== undefined ? ', ledgerMovedAtMs = :ledgerMovedAt' : '') +
            (next.readThroughMs !== undefined ? ', readThroughMs = :readThrough' : ' REMOVE readThroughMs'),
          ConditionExpression:
            expectedVersion === undefined
              ? 'attribute_not_exists(pk)'
              : 'version = :expected AND changedSinceMs <= :sinceMs',
          ExpressionAttributeValues: {
            ':since': next.changedSince,
            ':sinceMs': next.changedSinceMs,
            ':now': now,
            ':zero': 0,
            ':one': 1,
            ...(next.readThroughMs !== undefined ? { ':readThrough': next.readThroughMs } : {}),
            ...(next.polledAtMs !== undefined ? { ':polledAt': next.polledAtMs } : {}),
            ...(next.ledgerMovedAtMs !== undefined ? { ':ledgerMovedAt': next.ledgerMovedAtMs } : {}),
            ...(expectedVersion === undefined ? {} : { ':expected': expectedVersion }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Starts polling no later than `at`: creates the cursor there, or moves an existing cursor back to
   * it (a poll that ran while the backfill was reading must not leave a gap behind the backfill's
   * read). A cursor already at or before `at` is left alone. Moving back only re-reads; the poll
   * skips what was already pushed. A new cursor knows the ledger from `at` on (the backfill's
   * snapshots were read after it, decision 66); an existing one keeps what it knows.
   */
  async startNoLaterThan(
    realmId: string,
    at: { changedSince: string; changedSinceMs: number },
    now: number,
    name = 'cdc',
  ): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.cursor(realmId, name),
          UpdateExpression:
            'SET changedSince = :since, changedSinceMs = :sinceMs, lastRunAt = :now, ledgerMovedAtMs = if_not_exists(ledgerMovedAtMs, :sinceMs), version = if_not_exists(version, :zero) + :one REMOVE readThroughMs',
          ConditionExpression: 'attribute_not_exists(pk) OR changedSinceMs > :sinceMs',
          ExpressionAttributeValues: {
            ':since': at.changedSince,
            ':sinceMs': at.changedSinceMs,
            ':now': now,
            ':zero': 0,
            ':one': 1,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
