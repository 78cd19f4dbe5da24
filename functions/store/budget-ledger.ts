import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { keys, TTL_ATTRIBUTE } from './table-schema';
import { epochSeconds, isConditionFailure, type Table } from './table';

/** Attribute prefix of a realm's part of the day's spend (one item per company and day, decision 37). */
const REALM_PREFIX = 'spent#';

/** Kept past the budget day for the sync-health page's 14-day chart of tokens per day. */
const LEDGER_RETENTION_DAYS = 16;

/**
 * The daily Pipedrive token ledger of one Pipedrive company, shared by every connection and
 * container that writes into it. Spending is a conditional atomic ADD, so the total can never pass
 * the limit however many writers race.
 */
export class BudgetLedger {
  constructor(private readonly table: Table) {}

  /**
   * Adds `tokens` to the day's spend if the total stays within `limit`; false (and nothing spent)
   * otherwise. With `realmId`, the same write adds them to that realm's part, so operators see who
   * spent the shared budget (decision 37).
   */
  async reserve(
    companyId: string,
    day: string,
    tokens: number,
    limit: number,
    now: number,
    realmId?: string,
  ): Promise<boolean> {
    if (tokens > limit) return false;
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.budget(companyId, day),
          UpdateExpression: `ADD spent :tokens, calls :one${realmId === undefined ? '' : ', #realm :tokens'} SET #ttl = if_not_exists(#ttl, :ttl)`,
          ConditionExpression: 'attribute_not_exists(spent) OR spent <= :room',
          ExpressionAttributeNames: {
            '#ttl': TTL_ATTRIBUTE,
            ...(realmId === undefined ? {} : { '#realm': `${REALM_PREFIX}${realmId}` }),
          },
          ExpressionAttributeValues: {
            ':tokens': tokens,
            ':one': 1,
            ':room': limit - tokens,
            ':ttl': epochSeconds(now) + LEDGER_RETENTION_DAYS * 86_400,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Tokens spent per day from `fromDay` to `toDay` (inclusive), for the sync-health page's 14-day chart. */
  async days(companyId: string, fromDay: string, toDay: string): Promise<Map<string, number>> {
    const result = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': keys.budget(companyId, fromDay).pk,
          ':from': keys.budget(companyId, fromDay).sk,
          ':to': keys.budget(companyId, toDay).sk,
        },
      }),
    );
    const out = new Map<string, number>();
    for (const item of result.Items ?? []) {
      const day = z.object({ sk: z.string(), spent: z._default(z.number(), 0) }).safeParse(item);
      if (day.success) out.set(day.data.sk.slice('BUDGET#'.length), day.data.spent);
    }
    return out;
  }

  /** Records spend that happened regardless of the limit (an answer that cost more than reserved). */
  async record(companyId: string, day: string, tokens: number, now: number): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.budget(companyId, day),
        UpdateExpression: 'ADD spent :tokens SET #ttl = if_not_exists(#ttl, :ttl)',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':tokens': tokens, ':ttl': epochSeconds(now) + LEDGER_RETENTION_DAYS * 86_400 },
      }),
    );
  }

  /** The day's spend, and each realm's part of it (what was reserved without a realm is in no part). */
  async spent(
    companyId: string,
    day: string,
  ): Promise<{ spent: number; calls: number; byRealm: Record<string, number> }> {
    const result = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.budget(companyId, day), ConsistentRead: true }),
    );
    const item = z
      .object({ spent: z._default(z.number(), 0), calls: z._default(z.number(), 0) })
      .parse(result.Item ?? {});
    const byRealm: Record<string, number> = {};
    for (const [name, value] of Object.entries(result.Item ?? {}))
      if (name.startsWith(REALM_PREFIX) && typeof value === 'number') byRealm[name.slice(REALM_PREFIX.length)] = value;
    return { ...item, byRealm };
  }
}
