import type { StatusSnapshot as HealthSnapshot } from '../../functions/operations/status';
import { renderHealth, tokenState } from '../../local/stack/health-page';

const entry = (qboId: string, action: 'created' | 'failed') => ({
  realmId: 'r<1>',
  qboId,
  at: Date.UTC(2026, 0, 2, 3, 4, 5),
  id: `e-${qboId}`,
  source: 'backfill' as const,
  action,
  pipedriveTokens: 10,
  ...(action === 'failed' ? { error: { kind: 'permanent', message: 'bad <field>' } } : { orgId: 7 }),
});

const snapshot = (overrides: Partial<HealthSnapshot> = {}): HealthSnapshot => ({
  at: '2026-01-02T03:04:05.000Z',
  connections: [
    {
      realmId: 'r<1>',
      companyName: 'Acme & Co',
      status: 'active',
      statusReason: undefined,
      pipedrive: { apiDomain: 'https://acme.pipedrive.com', plan: 'growth', seats: 2, auth: 'oauth' },
      parked: 0,
      deferredForBudget: 0,
      deferredForThrottling: 0,
      tokens: [
        { provider: 'quickbooks', accessExpiresInMinutes: 42, refreshExpiresInDays: 99 },
        { provider: 'pipedrive', accessExpiresInMinutes: 50, refreshExpiresInDays: null },
      ],
      counts: { synced: 3, excluded: 1, failed: 1, pending: 0, review: 0 },
      budget: { companyId: '77', spent: 150, share: 30_000, realmSpent: 150 },
      recent: [entry('12', 'created'), entry('9', 'failed')],
    },
  ],
  pipedriveCompanies: [
    {
      companyId: '77',
      apiDomain: 'https://acme.pipedrive.com',
      spent: 150,
      share: 30_000,
      realms: [{ realmId: '9130', companyName: 'Acme & Co', spent: 150 }],
    },
  ],
  queues: [
    { name: 'changes', visible: 2, inFlight: 1 },
    { name: 'changes DLQ', visible: 1, inFlight: 0 },
    { name: 'bulk DLQ', visible: 0, inFlight: 0 },
  ],
  customer: undefined,
  ...overrides,
});

describe('the sync-health page', () => {
  it('names each table and row, so a reader finds counts, tokens and queues by their labels', () => {
    const html = renderHealth(snapshot());
    expect(html).toContain('<title>ml-connector · sync health</title>');
    expect(html).toContain('<h1>ml-connector · sync health</h1>');
    expect(html).toContain('<caption>Customers</caption>');
    expect(html).toContain('<tr><th scope="row">In sync</th><td>3</td></tr>');
    expect(html).toContain('<tr class="failed"><th scope="row">Failing</th><td>1</td></tr>');
    expect(html).toContain('<th scope="row">pipedrive</th><td>ok</td><td>50</td><td>—</td>');
    expect(html).toContain('Pipedrive tokens spent today: 150 of 30000 (1 %');
    expect(html).toContain('<tr><th scope="row">changes</th><td>2</td><td>1</td></tr>');
    // A dead-letter queue holding messages is marked; an empty one is not.
    expect(html).toContain('<tr class="failed"><th scope="row">changes DLQ</th>');
    expect(html).toContain('<tr><th scope="row">bulk DLQ</th>');
    expect(html).toMatch(/refreshes every 5 s/);
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
  });

  it("shows a Pipedrive company shared by two QuickBooks companies once, with each one's part of the spend", () => {
    const [first] = snapshot().connections;
    if (!first) throw new Error('the snapshot has a connection');
    const html = renderHealth(
      snapshot({
        connections: [
          { ...first, budget: { companyId: '77', spent: 400, share: 30_000, realmSpent: 100 } },
          {
            ...first,
            realmId: '4620',
            companyName: 'Acme West',
            budget: { companyId: '77', spent: 400, share: 30_000, realmSpent: 300 },
          },
        ],
        pipedriveCompanies: [
          {
            companyId: '77',
            apiDomain: 'https://acme.pipedrive.com',
            spent: 400,
            share: 30_000,
            realms: [
              { realmId: 'r<1>', companyName: 'Acme & Co', spent: 100 },
              { realmId: '4620', companyName: 'Acme West', spent: 300 },
            ],
          },
        ],
      }),
    );
    expect(html.match(/Pipedrive tokens spent today: /g)).toHaveLength(1);
    expect(html).toContain('Pipedrive tokens spent today: 400 of 30000');
    expect(html).toContain('<caption>Spent today by each of the 2 QuickBooks companies</caption>');
    expect(html).toContain('<th scope="row">Acme West (realm 4620)</th><td>300 (75 %)</td>');
    expect(html).toContain('Pipedrive tokens spent today for this company: 300');
  });

  it('links each customer in recent activity to their full history, scrolled into view, and escapes what it shows', () => {
    const html = renderHealth(snapshot());
    expect(html).toContain('<a href="/health?realm=r%3C1%3E&amp;customer=12#timeline"');
    expect(html).toContain('Acme &#38; Co');
    expect(html).toContain('permanent: bad &#60;field&#62;');
    expect(html).not.toContain('<field>');
  });

  it('shows one customer’s timeline with a way back, and says so when nothing is recorded', () => {
    const withTimeline = renderHealth(
      snapshot({ customer: { realmId: 'r<1>', qboId: '12', timeline: [entry('12', 'created')] } }),
    );
    expect(withTimeline).toContain('<title>Customer 12 · ml-connector · sync health</title>');
    expect(withTimeline).toContain('<section id="timeline"><h2>Customer 12: full history</h2>');
    expect(withTimeline).toContain('<a href="/health">Back to the overview</a>');
    const empty = renderHealth(snapshot({ customer: { realmId: 'r<1>', qboId: '404', timeline: [] } }));
    expect(empty).toContain('Nothing recorded for this customer.');
    expect(renderHealth(snapshot({ connections: [] }))).toContain('No connection yet.');
  });

  it('asks for a reconnection only when a refresh token is about to lapse', () => {
    expect(tokenState(null)).toBe('ok');
    expect(tokenState(15)).toBe('ok');
    expect(tokenState(14)).toBe('expires soon: reconnect');
    expect(tokenState(0)).toBe('expired: reconnect');
    expect(tokenState(-3)).toBe('expired: reconnect');
  });
});
