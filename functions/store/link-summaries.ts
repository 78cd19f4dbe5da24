import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { LinkState } from './link-store';
import { keys, LINK_PREFIX } from './table-schema';
import type { Table } from './table';

/** What the sync-health page lists of a customer: never the pushed record, only its name. */
export const LinkSummary = z.object({
  qboId: z.string(),
  state: LinkState,
  orgId: z.number().int().optional(),
  reason: z.string().optional(),
  updatedAt: z.number(),
  name: z.string().optional(),
});
export type LinkSummary = z.infer<typeof LinkSummary>;

const Item = z.object({
  qboId: z.string(),
  state: LinkState,
  orgId: z.number().int().optional(),
  reason: z.string().optional(),
  updatedAt: z.number(),
  pushed: z.object({ organization: z.object({ name: z.string().optional() }).optional() }).optional(),
});

/**
 * Every customer link of a connection, projected to the few attributes a listing needs. The ids are
 * QBO's, always digits: the ten leading digits are read as ten ranges at once, so 10,000 customers
 * (about ten 1 MB reads of whole items) take the time of one or two.
 */
export async function linkSummaries(table: Table, realmId: string): Promise<LinkSummary[]> {
  const ranges = await Promise.all(
    Array.from({ length: 10 }, (_, digit) => summariesUnder(table, realmId, `${LINK_PREFIX}${String(digit)}`)),
  );
  return ranges.flat();
}

async function summariesUnder(table: Table, realmId: string, prefix: string): Promise<LinkSummary[]> {
  const out: LinkSummary[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ProjectionExpression: 'qboId, #state, orgId, reason, updatedAt, pushed.organization.#name',
        ExpressionAttributeNames: { '#state': 'state', '#name': 'name' },
        ExpressionAttributeValues: { ':pk': keys.connection(realmId).pk, ':prefix': prefix },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const raw of page.Items ?? []) {
      const item = Item.parse(raw);
      const name = item.pushed?.organization?.name;
      out.push({
        qboId: item.qboId,
        state: item.state,
        updatedAt: item.updatedAt,
        ...(item.orgId !== undefined ? { orgId: item.orgId } : {}),
        ...(item.reason !== undefined ? { reason: item.reason } : {}),
        ...(name !== undefined ? { name } : {}),
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
