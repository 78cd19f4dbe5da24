/**
 * Decision 56: the sync-health page's counts come from per-state counters moved at every link state
 * change, and a page of customers is a bounded Query of the state index. Against DynamoDB Local:
 * a view reads the same for 200 and 10,000 customers, and the counters match a full recount after
 * many workers changed the same customers' states at once.
 */
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { healthReport } from '../../functions/operations/health';
import { HealthQuery } from '../../functions/operations/health-report';
import { ConnectionStore } from '../../functions/store/connections';
import { linkCounts, type LinkCounts } from '../../functions/store/link-counts';
import { LinkStore } from '../../functions/store/link-store';
import { linkSummaries, linksInState } from '../../functions/store/link-summaries';
import type { LinkState } from '../../functions/store/link-state';
import type { Table } from '../../functions/store/table';
import { keys, LINK_COUNT_SHARDS, linkCountShard, linkStatePartition } from '../../functions/store/table-schema';
import { createTestTable, localDocumentClient, localDynamoClient } from '../helpers/dynamodb';
import { localSqsClient } from '../helpers/sqs';

const NOW = Date.parse('2026-12-02T12:00:00Z');
let tableName: string;
let realm = 0;
const nextRealm = () => `8${String(++realm).padStart(4, '0')}`;

beforeAll(async () => {
  tableName = await createTestTable();
});

/** A table whose client counts the requests it sends and the items DynamoDB hands back. */
function countingTable(tableName: string) {
  const reads = { requests: 0, items: 0 };
  const client = DynamoDBDocumentClient.from(localDynamoClient(), {
    marshallOptions: { removeUndefinedValues: true },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      reads.requests++;
      const result = await next(args);
      const output: unknown = result.output;
      if (typeof output === 'object' && output !== null) {
        if ('Items' in output && Array.isArray(output.Items)) reads.items += output.Items.length;
        if ('Item' in output && output.Item) reads.items += 1;
        if ('Responses' in output && typeof output.Responses === 'object' && output.Responses !== null)
          for (const items of Object.values(output.Responses)) if (Array.isArray(items)) reads.items += items.length;
      }
      return result;
    },
    { step: 'initialize' },
  );
  const table: Table = { client, name: tableName };
  return { table, reads };
}

const sources = (table: Table) => ({
  table,
  sqs: localSqsClient(),
  queues: {},
  budgetShare: 0.5,
  qboMonthlyCallCap: 1_000,
  qboAppUrl: 'https://app.qbo.intuit.com',
  now: () => NOW,
});

/** `total` links as the store writes them since decision 59 (tagged for the index), `failing` of them failed. */
async function seed(tableName: string, realmId: string, total: number, failing: number): Promise<void> {
  const client = localDocumentClient();
  const shards = Array.from({ length: LINK_COUNT_SHARDS }, (): LinkCounts => ({
    synced: 0,
    excluded: 0,
    failed: 0,
    pending: 0,
    review: 0,
  }));
  const items = Array.from({ length: total }, (_, i) => {
    const state: LinkState = i < failing ? 'failed' : 'synced';
    const shard = shards[linkCountShard(String(100_000 + i))];
    if (shard) shard[state]++;
    return {
      ...keys.link(realmId, String(100_000 + i)),
      realmId,
      qboId: String(100_000 + i),
      state,
      byState: linkStatePartition(realmId, state),
      orgId: 1 + i,
      ...(state === 'failed' ? { reason: 'permanent: Pipedrive refused the address' } : {}),
      pushed: { organization: { name: `Customer ${String(i)} Ltd`, address: `${String(i)} High Street`.repeat(4) } },
      updatedAt: NOW - i * 1000,
      version: 1,
    };
  });
  const all: Record<string, unknown>[] = [
    ...items,
    ...shards.map((counts, i) => ({ ...keys.linkCounts(realmId, i), ...counts, countedAt: NOW })),
  ];
  for (let i = 0; i < all.length; i += 25) {
    let requests = all.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (result.UnprocessedItems?.[tableName] ?? []).flatMap((r) =>
        r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : [],
      );
    }
  }
}

describe('a sync-health view reads the same whatever the number of customers', () => {
  it('reads as many requests and items for 10,000 customers as for 200, failing first, and filtered', async () => {
    const views = async (total: number) => {
      // A table of its own: a view reads every connection of its table.
      const own = await createTestTable();
      const realmId = nextRealm();
      await new ConnectionStore({ client: localDocumentClient(), name: own }).create(
        realmId,
        NOW,
        `${String(total)} Co`,
      );
      await seed(own, realmId, total, 20);
      const { table, reads } = countingTable(own);
      const first = await healthReport(sources(table), HealthQuery.parse({ realmId }));
      const firstReads = { ...reads };
      const failing = await healthReport(sources(table), HealthQuery.parse({ realmId, state: 'synced', page: 2 }));
      return { first, failing, firstReads, reads };
    };
    const small = await views(200);
    const large = await views(10_000);

    expect(large.first.connections.find((c) => c.realmId === large.first.realmId)?.counts.synced).toBe(9_980);
    expect(large.first.customers.total).toBe(10_000);
    // Failing first, then the most recently changed.
    expect(large.first.customers.rows.map((r) => r.state).slice(0, 21)).toEqual([
      ...Array<string>(20).fill('failed'),
      'synced',
    ]);
    expect(large.first.customers.rows[20]?.name).toBe('Customer 20 Ltd');
    expect(large.failing.customers.rows[0]?.name).toBe('Customer 70 Ltd');
    expect(large.failing.customers.total).toBe(9_980);
    // Several connections share the table, so compare the two views' reads, not absolute numbers.
    expect(large.firstReads).toEqual(small.firstReads);
    expect(large.reads).toEqual(small.reads);
    expect(large.reads.items).toBeLessThan(400);
  }, 300_000);

  it('recounts a connection whose links predate the counters once, and tags them for the index', async () => {
    const realmId = nextRealm();
    const client = localDocumentClient();
    await client.send(
      new BatchWriteCommand({
        RequestItems: {
          [tableName]: Array.from({ length: 12 }, (_, i) => ({
            PutRequest: {
              Item: {
                ...keys.link(realmId, String(500 + i)),
                realmId,
                qboId: String(500 + i),
                state: i % 3 === 0 ? 'excluded' : 'synced',
                updatedAt: NOW - i,
                version: 1,
              },
            },
          })),
        },
      }),
    );
    const table = localTable();
    expect(await linksInState(table, realmId, 'excluded', 0, 50)).toEqual([]);
    expect(await linkCounts(table, realmId)).toEqual({ synced: 8, excluded: 4, failed: 0, pending: 0, review: 0 });
    expect((await linksInState(table, realmId, 'excluded', 1, 50)).map((l) => l.qboId)).toEqual(['503', '506', '509']);
    // The counters are whole now: a state change moves them.
    await new LinkStore(table).markState(realmId, '501', 'failed', 'permanent: refused', NOW);
    expect(await linkCounts(table, realmId)).toEqual({ synced: 7, excluded: 4, failed: 1, pending: 0, review: 0 });
  });
});

const localTable = (): Table => ({ client: localDocumentClient(), name: tableName });

describe('the per-state counters under concurrent workers', () => {
  it('agree with a full recount, and the index with every link, after many concurrent state changes', async () => {
    const realmId = nextRealm();
    const table = localTable();
    await new ConnectionStore(table).create(realmId, NOW, 'Busy Co');
    const links = new LinkStore(table);
    const ids = Array.from({ length: 8 }, (_, i) => String(700 + i));
    const synced = (i: number) => ({
      orgId: 40 + i,
      pushed: { organization: { name: `Busy ${String(i)}` } },
      fingerprint: String(i),
      lastPushedUpdatedTime: '2026-12-01T00:00:00Z',
      lastPushedUpdatedAtMs: i,
      lastPushedSyncToken: String(i),
    });
    // Every kind of state change, on few customers, all at once: most of them race on the same links.
    const changes = Array.from({ length: 160 }, (_, n) => {
      const qboId = ids[n % ids.length] ?? '700';
      const at = NOW + n;
      switch (n % 7) {
        case 0:
          return links.claimCreate(realmId, qboId, at, 0, `claim-${String(n)}`);
        case 1:
          return links.markSynced(realmId, qboId, synced(n), at);
        case 2:
          return links.markState(realmId, qboId, 'failed', 'transient: timeout', at);
        case 3:
          return links.markBehind(realmId, qboId, 'deferred: budget', at);
        case 4:
          return links.markState(realmId, qboId, n % 2 ? 'excluded' : 'review', 'a reason', at);
        case 5:
          return links.repoint(realmId, qboId, 99, at);
        default:
          return links.abandonClaim(realmId, qboId, `claim-${String(n - 6)}`);
      }
    });
    const outcomes = await Promise.allSettled(changes);
    // Losing a race is an answer (a newer version, another claim), never a broken write.
    for (const outcome of outcomes)
      if (outcome.status === 'rejected')
        expect(String(outcome.reason)).toMatch(/already pushed|being created by another worker/);

    const all = await linkSummaries(table, realmId);
    const recount: LinkCounts = { synced: 0, excluded: 0, failed: 0, pending: 0, review: 0 };
    for (const link of all) recount[link.state]++;
    expect(await linkCounts(table, realmId)).toEqual(recount);
    for (const state of ['synced', 'excluded', 'failed', 'pending', 'review'] as const) {
      const indexed = (await linksInState(table, realmId, state, 0, 100)).map((l) => l.qboId).sort();
      expect(indexed).toEqual(
        all
          .filter((l) => l.state === state)
          .map((l) => l.qboId)
          .sort(),
      );
    }
  }, 120_000);
});
