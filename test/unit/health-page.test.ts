import { relativeAge, renderHealthPage, tokenState } from '../../functions/operations/health-page';
import { summarizePipedriveFindings } from '../../functions/sync/pipedrive-findings-summary';
import { DEFAULT_PIPEDRIVE_RULES } from '../../functions/sync/pipedrive-rules';
import { healthReport } from '../helpers/health-report';

const render = (...args: Parameters<typeof healthReport>) =>
  renderHealthPage(healthReport(...args), { timeZone: 'UTC' });

describe('the sync-health page', () => {
  it('names each table and row, so a reader finds counts, runs, tokens and queues by their labels', () => {
    const html = render();
    expect(html).toContain('<title>ml-connector · sync health</title>');
    expect(html).toContain('<h1>ml-connector · sync health</h1>');
    expect(html).toContain('<caption>Customers by state</caption>');
    expect(html).toContain('<caption>Last success</caption>');
    expect(html).toContain('<caption>Tokens</caption>');
    expect(html).toContain('<caption>Messages per queue</caption>');
    expect(html).toMatch(
      /<th scope="row">In sync<\/th><td class="num"><a href="[^"]*state=synced[^"]*#customers" aria-label="Show the 3 customers in sync">3<\/a>/,
    );
    expect(html).toContain('<th scope="row">pipedrive</th><td>ok</td><td class="num">50</td><td class="num">—</td>');
    // A dead-letter queue holding messages is marked.
    expect(html).toContain('<tr class="alert"><th scope="row">changes DLQ</th>');
    expect(html).toContain('<meta http-equiv="refresh" content="30">');
    expect(html).not.toMatch(/<script|<link |src="http/);
  });

  it("says whether the connection's Pipedrive organization webhook is registered (decision 63)", () => {
    const pipedrive = { apiDomain: 'https://acme.pipedrive.com', plan: 'growth', seats: 2, auth: 'oauth' };
    expect(render({}, { pipedrive: { ...pipedrive, webhook: true } })).toContain(
      'Pipedrive: https://acme.pipedrive.com (growth, 2 seat(s), oauth); organization webhook registered',
    );
    expect(render({}, { pipedrive: { ...pipedrive, webhook: false } })).toContain(
      'no organization webhook: reps&#39; changes in Pipedrive wait for the daily reconcile',
    );
    // A stack deployed before webhooks does not say, and neither does the page.
    expect(render()).not.toContain('webhook registered');
  });

  it('shows times in local time with their age, and the last successful runs', () => {
    const html = render();
    expect(html).toContain('<time datetime="2026-12-02T12:00:00.000Z"');
    expect(html).toMatch(
      /<th scope="row">Poll<\/th><td><time datetime="2026-12-02T11:56:00.000Z"[^>]*>2 Dec 2026, 11:56:00<\/time> <span class="age">\(4 min ago\)<\/span>/,
    );
    expect(html).toMatch(/<th scope="row">Reconcile<\/th><td><span class="muted">not yet<\/span>/);
    expect(html).toMatch(
      /Oldest waiting change<\/dt><dd>parked <time[^>]*>[^<]*<\/time> <span class="age">\(3 h ago\)/,
    );
    expect(renderHealthPage(healthReport(), { timeZone: 'America/New_York' })).toContain('2 Dec 2026, 06:56:00');
  });

  it('puts names beside ids and links each customer to QuickBooks, Pipedrive and its history', () => {
    const html = render();
    expect(html).toContain('<span class="name">Globex</span> <span class="id">#12</span>');
    expect(html).toContain('href="https://app.qbo.intuit.com/app/customerdetail?nameId=12&#38;companyId=9130"');
    expect(html).toContain(
      '<a href="https://acme.pipedrive.com/organization/7" rel="noreferrer" target="_blank" aria-label="Open organization 7 in Pipedrive">',
    );
    expect(html).toContain('href="/health?realm=9130&#38;customer=12#timeline"');
    expect(html).toContain('<span class="muted">no organization</span>');
  });

  it('groups failures by category with what to do and the command that does it, escaping what it shows', () => {
    const html = render();
    expect(html).toContain('<h2 id="failures-h">Failures by category</h2>');
    expect(html).toContain('Refused: the data needs fixing <span class="count">2</span>');
    expect(html).toContain('<p class="command">Run: <code>ml-connector replay --customer ID</code></p>');
    expect(html).toContain('permanent: bad &#60;field&#62;');
    expect(html).toContain('Acme &#38; Co');
    expect(html).not.toContain('<field>');
    expect(html).not.toContain('<Name>');
    expect(render({}, { failures: [] })).toContain('No customer is failing or held for review.');
  });

  it('shows what the Pipedrive-side reconcile found, each group with the command that resolves it (decision 64)', () => {
    const at = Date.UTC(2026, 11, 2, 11, 0, 0);
    const html = render(
      {},
      {
        pipedriveFindings: summarizePipedriveFindings(
          [
            { kind: 'deleted', qboId: '40', orgId: 45 },
            { kind: 'merged', qboId: '30', orgId: 35, survivorId: 10, evidence: 'person', survivorOwner: '34' },
            { kind: 'duplicateIdentity', qboId: '51', orgIds: [56, 89], linkedOrgId: 56 },
          ],
          [],
          DEFAULT_PIPEDRIVE_RULES,
          at,
        ),
      },
    );
    expect(html).toContain(
      '<h2 id="pipedrive-findings-h">Found in Pipedrive <small>reconcile of <time datetime="2026-12-02T11:00:00.000Z"',
    );
    expect(html).toContain('Deleted in Pipedrive: excluded <span class="count">1</span>');
    expect(html).toContain('Merged in Pipedrive: followed <span class="count">1</span>');
    expect(html).toContain('<code>ml-connector replay --customer ID --recreate</code>');
    expect(html).toContain('<code>ml-connector reconcile --pipedrive</code>');
    expect(html).toContain('organization 35 merged into 10 (customer 34)');
    expect(render({}, { pipedriveFindings: { at, groups: [] } })).toContain(
      'Every linked organization is as the connector wrote it.',
    );
    // Before the first run, nothing is said.
    expect(render()).not.toContain('Found in Pipedrive');
  });

  it('pages the customer list and keeps the filter in the page links', () => {
    const first = render({
      customers: { ...healthReport().customers, state: 'failed', page: 1, pageSize: 50, total: 120 },
    });
    expect(first).toContain('Customers: failing (page 1 of 3, 120 in all)');
    expect(first).toContain('<a rel="next" href="/health?realm=9130&#38;state=failed&#38;page=2#customers">Next →</a>');
    expect(first).toContain('<span class="muted" aria-disabled="true">← Previous</span>');
    expect(first).toContain('<option value="failed" selected>Failing</option>');
    expect(first).toContain('aria-current="true"');
    const last = render({ customers: { ...healthReport().customers, page: 3, total: 120 } });
    expect(last).toContain('<a rel="prev" href="/health?realm=9130&#38;page=2#customers">← Previous</a>');
    expect(last).toContain('<span class="muted" aria-disabled="true">Next →</span>');
  });

  it('draws 14 days of tokens and QBO calls as inline SVG charts with accessible names', () => {
    const html = render();
    expect(html.match(/<svg [^>]*role="img"/g)).toHaveLength(2);
    expect(html).toContain('QBO calls per day, last 14 days: 118 in all, at most 40 a day');
    expect(html).toContain('Pipedrive tokens per day, last 14 days: 910 in all, at most 130 a day');
    expect(html).toContain('<title>2026-12-02: 40</title>');
  });

  it('shows the QBO calls of today and this month and the projection against the cap', () => {
    const html = render();
    expect(html).toContain('<dt>QBO calls today</dt><dd>40</dd>');
    expect(html).toContain('<dt>QBO calls this month</dt><dd>1,200 in 2 of 31 days</dd>');
    expect(html).toContain('<dt>Projected this month</dt><dd>18,600 of the 500,000 cap (4 %)</dd>');
    const over = render(
      {},
      { qboCalls: { today: 1, month: 40_000, projected: 620_000, cap: 500_000, daysElapsed: 2, daysInMonth: 31 } },
    );
    expect(over).toContain('<dt>Projected this month</dt><dd class="alert">620,000 of the 500,000 cap (124 %)</dd>');
  });

  it('shows one customer’s history first, with a way back, and says so when nothing is connected', () => {
    const html = render({
      customer: {
        realmId: '9130',
        qboId: '12',
        timeline: [
          { at: 0, source: 'backfill', action: 'created', qboId: '12', name: 'Globex', pipedriveTokens: 10, what: '' },
        ],
      },
    });
    expect(html).toContain('<title>Customer 12 · ml-connector · sync health</title>');
    expect(html.indexOf('id="timeline"')).toBeLessThan(html.indexOf('id="customers"'));
    expect(html).toContain('Customer Globex #12: full history');
    expect(html).toContain('<caption>Every sync of customer 12, newest first</caption>');
    expect(html).toContain('Back to the overview</a>');
    expect(render({ connections: [], realmId: undefined })).toContain('No connection yet');
  });

  it('asks for a reconnection only when a refresh token is about to lapse', () => {
    expect(tokenState(null)).toBe('ok');
    expect(tokenState(15)).toBe('ok');
    expect(tokenState(14)).toBe('expires soon: reconnect');
    expect(tokenState(0)).toBe('expired: reconnect');
    expect(tokenState(-3)).toBe('expired: reconnect');
  });

  it('says how long ago something happened', () => {
    expect(relativeAge(0, 10_000)).toBe('just now');
    expect(relativeAge(0, 4 * 60_000)).toBe('4 min ago');
    expect(relativeAge(0, 3 * 3_600_000)).toBe('3 h ago');
    expect(relativeAge(0, 3 * 86_400_000)).toBe('3 days ago');
    expect(relativeAge(3 * 3_600_000, 0)).toBe('in 3 h');
  });
});
