import type { HealthConnection, HealthReport } from '../../functions/operations/health-report';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);

/** A health report as the operations function answers it, with values worth escaping. */
export function healthReport(
  overrides: Partial<HealthReport> = {},
  connection: Partial<HealthConnection> = {},
): HealthReport {
  return {
    at: NOW,
    realmId: '9130',
    connections: [
      {
        realmId: '9130',
        companyName: 'Acme & Co',
        status: 'active',
        pipedrive: { apiDomain: 'https://acme.pipedrive.com', plan: 'growth', seats: 2, auth: 'oauth' },
        tokens: [
          { provider: 'quickbooks', accessExpiresInMinutes: 42, refreshExpiresInDays: 99 },
          { provider: 'pipedrive', accessExpiresInMinutes: 50, refreshExpiresInDays: null },
        ],
        counts: { synced: 3, excluded: 1, failed: 2, pending: 0, review: 1 },
        parked: 0,
        deferredForBudget: 1,
        deferredForThrottling: 0,
        budget: { spent: 150, share: 30_000, realmSpent: 150 },
        qboCalls: { today: 40, month: 1_200, projected: 18_600, cap: 500_000, daysElapsed: 2, daysInMonth: 31 },
        lastSuccess: { poll: NOW - 4 * 60_000, webhook: NOW - 30_000 },
        oldestWaitingAt: NOW - 3 * 3_600_000,
        daily: Array.from({ length: 14 }, (_, i) => ({
          day: new Date(NOW - (13 - i) * 86_400_000).toISOString().slice(0, 10),
          pipedriveTokens: i * 10,
          qboCalls: i === 13 ? 40 : i,
        })),
        failures: [
          {
            category: 'rejected',
            title: 'Refused: the data needs fixing',
            advice: 'Fix the customer in QuickBooks.',
            command: 'ml-connector replay --customer ID',
            count: 2,
            examples: [{ qboId: '9', name: 'Bad <Name>', reason: 'permanent: bad <field>' }],
          },
        ],
        recent: [
          {
            at: NOW - 60_000,
            source: 'webhook',
            action: 'updated',
            qboId: '12',
            name: 'Globex',
            orgId: 7,
            pipedriveTokens: 5,
            what: 'name',
          },
        ],
        ...connection,
      },
    ],
    customers: {
      page: 1,
      pageSize: 50,
      total: 2,
      rows: [
        {
          qboId: '9',
          name: 'Bad <Name>',
          state: 'failed',
          reason: 'permanent: bad <field>',
          updatedAt: NOW - 7_200_000,
          qboUrl: 'https://app.qbo.intuit.com/app/customerdetail?nameId=9&companyId=9130',
        },
        {
          qboId: '12',
          name: 'Globex',
          state: 'synced',
          orgId: 7,
          updatedAt: NOW - 60_000,
          qboUrl: 'https://app.qbo.intuit.com/app/customerdetail?nameId=12&companyId=9130',
          pipedriveUrl: 'https://acme.pipedrive.com/organization/7',
        },
      ],
    },
    queues: [
      { name: 'changes', visible: 2, inFlight: 1 },
      { name: 'changes DLQ', visible: 1, inFlight: 0 },
    ],
    ...overrides,
  };
}
