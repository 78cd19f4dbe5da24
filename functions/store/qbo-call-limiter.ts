import { randomUUID } from 'node:crypto';
import { BatchGetCommand, DeleteCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { keys, TTL_ATTRIBUTE } from './table-schema';
import { epochSeconds, isConditionFailure, type Table } from './table';

/** At most `limit` call starts in any rolling `windowMs`, counted in `buckets` buckets per window. */
export interface SharedRateLimit {
  limit: number;
  windowMs: number;
  buckets: number;
}

export interface QboCallLimits {
  rates: readonly SharedRateLimit[];
  /** Calls in flight at once, across every container. */
  concurrent: number;
  /** How long a slot is held at most when its holder dies without freeing it (longer than any call). */
  slotLeaseMs: number;
}

/**
 * Under QBO's per-company limits (decision 33): 500/min and 10/s per realm and 10 concurrent
 * requests per realm and app, with room left for the company's other apps. Batch requests are not
 * used by the connector, so their 40 and 120 per minute limits cannot be reached.
 */
export const QBO_SHARED_LIMITS: QboCallLimits = {
  rates: [
    { limit: 8, windowMs: 1000, buckets: 4 },
    { limit: 400, windowMs: 60_000, buckets: 6 },
  ],
  concurrent: 8,
  slotLeaseMs: 150_000,
};

export type Admission = { admitted: true; release: () => Promise<void> } | { admitted: false; retryAtMs: number };

/** How long a day's QBO call count is kept: the current and the previous month stay readable. */
const USAGE_RETENTION_DAYS = 70;

function qboUsageIncrement(tableName: string, realmId: string, now: number) {
  return {
    Update: {
      TableName: tableName,
      Key: keys.qboUsage(realmId, new Date(now).toISOString().slice(0, 10)),
      UpdateExpression: 'ADD calls :one SET #ttl = if_not_exists(#ttl, :ttl)',
      ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ':one': 1, ':ttl': epochSeconds(now) + USAGE_RETENTION_DAYS * 86_400 },
    },
  };
}

const Count = z.object({ sk: z.string(), calls: z._default(z.number(), 0) });
const Block = z.object({ blockedUntil: z.number() });

/** A bucket's condition failed, or another transaction wrote it at the same moment: both mean "ask again". */
function isCancelled(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TransactionCanceledException' || isConditionFailure(error));
}

/**
 * One QBO company's call limiter, shared by every container through DynamoDB (like the Pipedrive
 * budget ledger, decision 13): call starts are counted per time bucket with a conditional
 * transaction, so no rolling window can pass a limit however many writers race; calls in flight hold
 * one of a few leased slots; a 429 from QBO blocks every caller until QBO's wait is over.
 *
 * A window of `buckets` buckets is checked over the current bucket and the `buckets` before it: any
 * rolling window lies inside those, so the limit holds for every rolling window (at the price of a
 * little throughput).
 */
export class QboCallLimiter {
  constructor(
    private readonly table: Table,
    private readonly limits: QboCallLimits = QBO_SHARED_LIMITS,
  ) {}

  /** A start and a slot for one call now, or when to ask again. */
  async admit(realmId: string, now: number): Promise<Admission> {
    const wanted = this.limits.rates.flatMap((rate, index) => {
      const size = rate.windowMs / rate.buckets;
      const current = Math.floor(now / size);
      return Array.from({ length: rate.buckets + 1 }, (_, back) => this.bucketKey(realmId, index, current - back));
    });
    const result = await this.table.client.send(
      new BatchGetCommand({
        RequestItems: {
          [this.table.name]: { Keys: [keys.qboLimit(realmId, 'block'), ...wanted], ConsistentRead: true },
        },
      }),
    );
    const items = result.Responses?.[this.table.name] ?? [];
    const counts = new Map<string, number>();
    let blockedUntil = 0;
    for (const item of items) {
      const block = Block.safeParse(item);
      if (item.sk === 'block' && block.success) blockedUntil = block.data.blockedUntil;
      const count = Count.safeParse(item);
      if (count.success) counts.set(count.data.sk, count.data.calls);
    }
    if (blockedUntil > now) return { admitted: false, retryAtMs: blockedUntil };
    // Unprocessed keys would hide counts: ask again at once rather than under-count.
    if (Object.keys(result.UnprocessedKeys ?? {}).length > 0) return { admitted: false, retryAtMs: now + 50 };

    const updates = this.limits.rates.map((rate, index) => {
      const size = rate.windowMs / rate.buckets;
      const current = Math.floor(now / size);
      let earlier = 0;
      for (let back = 1; back <= rate.buckets; back++)
        earlier += counts.get(this.bucketKey(realmId, index, current - back).sk) ?? 0;
      const key = this.bucketKey(realmId, index, current);
      // This call fits while the current bucket holds at most `room` starts.
      return { size, current, key, room: rate.limit - earlier - 1, calls: counts.get(key.sk) ?? 0 };
    });
    const full = updates.find((update) => update.calls > update.room);
    if (full) return { admitted: false, retryAtMs: (full.current + 1) * full.size };

    const slot = await this.takeSlot(realmId, now);
    if (!slot) return { admitted: false, retryAtMs: now + 100 };
    try {
      await this.table.client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...updates.map((update) => ({
              Update: {
                TableName: this.table.name,
                Key: update.key,
                UpdateExpression: 'ADD calls :one SET #ttl = if_not_exists(#ttl, :ttl)',
                ConditionExpression: 'attribute_not_exists(calls) OR calls <= :room',
                ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
                ExpressionAttributeValues: {
                  ':one': 1,
                  ':room': update.room,
                  ':ttl': epochSeconds(now) + 3600,
                },
              },
            })),
            // Every admitted call is a metered CorePlus call: the day's count, in the same write (issue 15).
            qboUsageIncrement(this.table.name, realmId, now),
          ],
        }),
      );
    } catch (error) {
      await slot.release();
      if (!isCancelled(error)) throw error;
      // Another container took the last start of a bucket first: try again shortly.
      return { admitted: false, retryAtMs: now + 20 };
    }
    return { admitted: true, release: slot.release };
  }

  /** QBO answered 429: nobody calls this company before `until` (QBO asks for 60 s). */
  async block(realmId: string, until: number, now: number): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.qboLimit(realmId, 'block'),
          UpdateExpression: 'SET blockedUntil = :until, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(blockedUntil) OR blockedUntil < :until',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':until': until, ':ttl': epochSeconds(now) + 86_400 },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** When the company's calls are blocked until (0 when they are not). */
  async blockedUntil(realmId: string): Promise<number> {
    const result = await this.table.client.send(
      new BatchGetCommand({
        RequestItems: { [this.table.name]: { Keys: [keys.qboLimit(realmId, 'block')], ConsistentRead: true } },
      }),
    );
    const block = Block.safeParse(result.Responses?.[this.table.name]?.[0]);
    return block.success ? block.data.blockedUntil : 0;
  }

  private bucketKey(realmId: string, rateIndex: number, bucket: number) {
    return keys.qboLimit(realmId, `w${String(rateIndex)}#${String(bucket)}`);
  }

  /** Leases a free slot (or one whose holder died), starting at a random one so racing callers spread out. */
  private async takeSlot(realmId: string, now: number): Promise<{ release: () => Promise<void> } | undefined> {
    const owner = randomUUID();
    const slots = this.limits.concurrent;
    const first = Math.floor(Math.random() * slots);
    for (let i = 0; i < slots; i++) {
      const key = keys.qboLimit(realmId, `slot#${String((first + i) % slots)}`);
      try {
        await this.table.client.send(
          new PutCommand({
            TableName: this.table.name,
            Item: {
              ...key,
              owner,
              leasedUntil: now + this.limits.slotLeaseMs,
              [TTL_ATTRIBUTE]: epochSeconds(now) + 86_400,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR leasedUntil < :now',
            ExpressionAttributeValues: { ':now': now },
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) continue;
        throw error;
      }
      return {
        release: async () => {
          try {
            await this.table.client.send(
              new DeleteCommand({
                TableName: this.table.name,
                Key: key,
                ConditionExpression: '#owner = :owner',
                ExpressionAttributeNames: { '#owner': 'owner' },
                ExpressionAttributeValues: { ':owner': owner },
              }),
            );
          } catch (error) {
            // Its lease ran out and someone else holds it now: nothing of ours to free.
            if (!isConditionFailure(error)) throw error;
          }
        },
      };
    }
    return undefined;
  }
}
