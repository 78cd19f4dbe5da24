import { healthReport } from '../../functions/operations/health';
import { HealthQuery } from '../../functions/operations/health-report';
import { statusSnapshot } from '../../functions/operations/status';
import { AuditLog } from '../../functions/store/audit-log';
import { ConnectionStore } from '../../functions/store/connections';
import { HealthMarks } from '../../functions/store/health-marks';
import { LinkStore } from '../../functions/store/link-store';
import { QboCallLimiter } from '../../functions/store/qbo-call-limiter';
import { monthlyProjection, QboUsage } from '../../functions/store/qbo-usage';
import type { Table } from '../../functions/store/table';
import { createTestTable, localDocumentClient } from '../helpers/dynamodb';
import { localSqsClient } from '../helpers/sqs';

const NOW = Date.parse('2026-12-02T12:00:00Z');
let table: Table;
let realm = 0;
const nextRealm = () => `7${String(++realm).padStart(4, '0')}`;

beforeAll(async () => {
  table = { client: localDocumentClient(), name: await createTestTable() };
});

const sources = (now = NOW) => ({
  table,
  sqs: localSqsClient(),
  queues: {},
  budgetShare: 0.5,
  qboMonthlyCallCap: 1_000,
  qboAppUrl: 'https://app.qbo.intuit.com',
  now: () => now,
});

describe('QBO calls counted for the monthly CorePlus estimate', () => {
  it('counts every call the shared limiter admits, per UTC day, read back by day and for the month', async () => {
    const realmId = nextRealm();
    const limiter = new QboCallLimiter(table);
    const admitAt = async (at: number, times: number) => {
      for (let i = 0; i < times; i++) {
        const answer = await limiter.admit(realmId, at + i * 1000);
        if (!answer.admitted) throw new Error('the limiter refused a call well under its limits');
        await answer.release();
      }
    };
    await admitAt(Date.parse('2026-11-30T23:00:00Z'), 2);
    await admitAt(Date.parse('2026-12-01T10:00:00Z'), 3);
    await admitAt(NOW, 4);
    const days = await new QboUsage(table).days(realmId, '2026-11-25', '2026-12-02');
    expect(Object.fromEntries(days)).toEqual({ '2026-11-30': 2, '2026-12-01': 3, '2026-12-02': 4 });

    const snapshot = await statusSnapshot(sources());
    expect(snapshot.connections).toEqual([]);
    await new ConnectionStore(table).create(realmId, NOW, 'Usage Co');
    const status = await statusSnapshot(sources());
    const estimate = status.connections.find((c) => c.realmId === realmId)?.qboCalls;
    // December so far: 7 calls in 1.5 days, 31 days in the month.
    expect(estimate).toEqual({ today: 4, month: 7, projected: 145, cap: 1_000, daysElapsed: 2, daysInMonth: 31 });
  });

  it('projects the pace so far over the whole month, and flags a pace past the cap', () => {
    const midMonth = Date.parse('2026-02-15T00:00:00Z');
    expect(monthlyProjection(14_000, midMonth, 500_000)).toEqual({
      projected: 28_000,
      daysElapsed: 14,
      daysInMonth: 28,
      overCap: false,
    });
    expect(monthlyProjection(300_000, midMonth, 500_000).overCap).toBe(true);
    // An hour into the month, one hour's calls are not taken for a whole day's.
    expect(monthlyProjection(10, Date.parse('2026-03-01T01:00:00Z'), 500_000).projected).toBe(7_440);
  });
});

describe("the operations function's health report", () => {
  it('pages one connection’s customers by state, with names, links, failure groups and last runs', async () => {
    const realmId = nextRealm();
    await new ConnectionStore(table).create(realmId, NOW, 'Paging Co');
    const links = new LinkStore(table);
    for (let i = 1; i <= 12; i++) {
      const id = String(100 + i);
      await links.markSynced(
        realmId,
        id,
        {
          orgId: 900 + i,
          pushed: { organization: { name: `Customer ${id}` }, person: null },
          fingerprint: 'f',
          lastPushedUpdatedTime: '2026-12-01T00:00:00Z',
          lastPushedUpdatedAtMs: 1,
          lastPushedSyncToken: '0',
        },
        NOW - i * 1000,
      );
    }
    await links.markBehind(realmId, '105', 'auth: the refresh token was revoked (will retry)', NOW - 100);
    await links.markState(realmId, '106', 'failed', 'Pipedrive refused the address', NOW);
    await links.markState(realmId, '107', 'review', '2 organizations could be this customer', NOW);
    await new HealthMarks(table).mark(realmId, 'poll', NOW - 60_000);
    await new AuditLog(table, 1).append({
      realmId,
      qboId: '101',
      at: NOW - 5000,
      source: 'webhook',
      action: 'unchanged',
    });
    await new AuditLog(table, 1).append({
      realmId,
      qboId: '102',
      at: NOW - 4000,
      source: 'webhook',
      action: 'updated',
      diff: { name: ['a', 'b'] },
    });

    const query = (q: Partial<HealthQuery>) => HealthQuery.parse({ realmId, pageSize: 5, ...q });
    const first = await healthReport(sources(), query({}));
    expect(first.realmId).toBe(realmId);
    expect(first.customers).toMatchObject({ page: 1, pageSize: 5, total: 12 });
    // Failing first, then held for review, then the rest newest first.
    expect(first.customers.rows.map((r) => [r.qboId, r.state])).toEqual([
      ['106', 'failed'],
      ['105', 'failed'],
      ['107', 'review'],
      ['101', 'synced'],
      ['102', 'synced'],
    ]);
    const row = first.customers.rows.find((r) => r.qboId === '101');
    expect(row).toMatchObject({
      name: 'Customer 101',
      orgId: 901,
      qboUrl: `https://app.qbo.intuit.com/app/customerdetail?nameId=101&companyId=${realmId}`,
    });
    const third = await healthReport(sources(), query({ page: 3 }));
    expect(third.customers.rows.map((r) => r.qboId)).toEqual(['111', '112']);
    const failing = await healthReport(sources(), query({ state: 'failed' }));
    expect(failing.customers.rows.map((r) => r.qboId).sort()).toEqual(['105', '106']);
    const found = await healthReport(sources(), query({ search: 'customer 110' }));
    expect(found.customers.rows.map((r) => r.qboId)).toEqual(['110']);

    const connection = first.connections.find((c) => c.realmId === realmId);
    expect(connection?.counts).toEqual({ synced: 9, excluded: 0, failed: 2, pending: 0, review: 1 });
    expect(connection?.failures.map((g) => [g.category, g.count, g.command])).toEqual([
      ['auth', 1, 'ml-connector connect quickbooks (or: connect pipedrive)'],
      ['rejected', 1, 'ml-connector replay --customer ID'],
      ['review', 1, 'ml-connector backfill --dry-run --csv matches.csv'],
    ]);
    expect(connection?.lastSuccess).toEqual({ poll: NOW - 60_000, webhook: undefined, reconcile: undefined });
    expect(connection?.daily).toHaveLength(14);
    expect(connection?.daily.at(-1)?.day).toBe('2026-12-02');
    // "Unchanged" entries are left out of recent changes; names stand beside ids.
    expect(connection?.recent.map((e) => [e.qboId, e.action, e.name])).toEqual([['102', 'updated', 'Customer 102']]);
  });
});
