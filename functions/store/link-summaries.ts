import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../shared/zod-mini';
import { LinkState } from './link-state';
import { keys, LINK_PREFIX, LINK_STATE_INDEX, linkStatePartition } from './table-schema';
import { batchGetItems, queryPages, type Table } from './table';

/** What the sync-health page lists of a customer: never the pushed record, only its name. */
export const LinkSummary = z.object({
  qboId: z.string(),
  state: LinkState,
  orgId: z.optional(z.int()),
  reason: z.optional(z.string()),
  updatedAt: z.number(),
  name: z.optional(z.string()),
  /** Tagged for the state index (every link written since decision 59 is). */
  indexed: z.optional(z.boolean()),
});
export type LinkSummary = z.infer<typeof LinkSummary>;

const Item = z.object({
  qboId: z.string(),
  state: LinkState,
  orgId: z.optional(z.int()),
  reason: z.optional(z.string()),
  updatedAt: z.number(),
  byState: z.optional(z.string()),
  pushed: z.optional(z.object({ organization: z.optional(z.object({ name: z.optional(z.string()) })) })),
});

const PROJECTION = 'qboId, #state, orgId, reason, updatedAt, pushed.organization.#name';

function summaryOf(raw: unknown): LinkSummary {
  const item = Item.parse(raw);
  const name = item.pushed?.organization?.name;
  return {
    qboId: item.qboId,
    state: item.state,
    updatedAt: item.updatedAt,
    ...(item.orgId !== undefined ? { orgId: item.orgId } : {}),
    ...(item.reason !== undefined ? { reason: item.reason } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(item.byState !== undefined ? { indexed: true } : {}),
  };
}

/**
 * Links of one state, most recently changed first, from the state index (decision 59): `skip`
 * then `take` of them, so a page costs reads of `skip + take` index entries, whatever the total.
 */
export async function linksInState(
  table: Table,
  realmId: string,
  state: LinkState,
  skip: number,
  take: number,
): Promise<LinkSummary[]> {
  const out: LinkSummary[] = [];
  let start: Record<string, unknown> | undefined;
  let toSkip = skip;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.name,
        IndexName: LINK_STATE_INDEX.name,
        KeyConditionExpression: '#index = :index',
        ProjectionExpression: PROJECTION,
        ExpressionAttributeNames: { '#index': LINK_STATE_INDEX.partition, '#state': 'state', '#name': 'name' },
        ExpressionAttributeValues: { ':index': linkStatePartition(realmId, state) },
        ScanIndexForward: false,
        Limit: Math.min(1000, toSkip + take - out.length),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const raw of page.Items ?? []) {
      if (toSkip > 0) toSkip--;
      else if (out.length < take) out.push(summaryOf(raw));
    }
    start = page.LastEvaluatedKey;
  } while (start && out.length < take);
  return out;
}

/** The summaries of a few named customers (BatchGet, 100 keys a call); missing ones are left out. */
export async function summariesOf(table: Table, realmId: string, qboIds: readonly string[]): Promise<LinkSummary[]> {
  const items = await batchGetItems(
    table,
    [...new Set(qboIds)].map((id) => keys.link(realmId, id)),
    { ProjectionExpression: PROJECTION, ExpressionAttributeNames: { '#state': 'state', '#name': 'name' } },
  );
  return items.map(summaryOf);
}

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
  const pages = queryPages(table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ProjectionExpression: `${PROJECTION}, byState`,
    ExpressionAttributeNames: { '#state': 'state', '#name': 'name' },
    ExpressionAttributeValues: { ':pk': keys.connection(realmId).pk, ':prefix': prefix },
  });
  for await (const page of pages) for (const raw of page) out.push(summaryOf(raw));
  return out;
}
