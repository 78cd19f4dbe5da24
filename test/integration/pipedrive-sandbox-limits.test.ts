import type { PipedriveSandbox } from '../../local/pipedrive';
import { TOKEN_COSTS } from '../../local/pipedrive/costs.generated';
import { client, createField, startTestSandbox, T0, type OrgView } from './pipedrive-sandbox-helpers';

let sandbox: PipedriveSandbox;
afterEach(() => sandbox.close());

const cost = (api: 'v1' | 'v2', key: string) => {
  const value = TOKEN_COSTS[api][key];
  if (value === undefined) throw new Error(`no cost for ${key}`);
  return value;
};

describe('token ledger', () => {
  it('equals the sum of the spec costs of a scripted sequence, including rejected requests', async () => {
    sandbox = await startTestSandbox();
    const api = client(sandbox);
    const key = await createField(api, { field_name: 'QuickBooks ID', field_type: 'varchar' });
    const a = await api.post<OrgView>('/api/v2/organizations', { name: 'A', custom_fields: { [key]: '1' } });
    const b = await api.post<OrgView>('/api/v2/organizations', { name: 'B' });
    await api.get('/api/v2/organizations?limit=500');
    await api.get(`/api/v2/organizations/${a.body.data.id}`);
    await api.patch(`/api/v2/organizations/${a.body.data.id}`, { name: 'A2' });
    await api.get(`/api/v2/itemSearch/field?term=1&entity_type=organization&field=${key}`);
    await api.get('/api/v2/organizations/search?term=A2');
    await api.put(`/api/v1/organizations/${a.body.data.id}/merge`, { merge_with_id: b.body.data.id });
    await api.delete(`/api/v2/organizations/${b.body.data.id}`);
    await api.get('/api/v1/organizationFields');
    const invalid = await api.post('/api/v2/organizations', { name: 7 });
    expect(invalid.status).toBe(400);
    // Unauthenticated and unknown-path requests cost nothing.
    await client(sandbox, { apiToken: 'nope' }).get('/api/v2/organizations');
    await api.get('/api/v2/unknown');

    const expected =
      cost('v2', 'POST /organizationFields') +
      2 * cost('v2', 'POST /organizations') +
      cost('v2', 'GET /organizations') +
      cost('v2', 'GET /organizations/{id}') +
      cost('v2', 'PATCH /organizations/{id}') +
      cost('v2', 'GET /itemSearch/field') +
      cost('v2', 'GET /organizations/search') +
      cost('v1', 'PUT /organizations/{id}/merge') +
      cost('v2', 'DELETE /organizations/{id}') +
      cost('v1', 'GET /organizationFields') +
      cost('v2', 'POST /organizations');
    expect(expected).toBe(5 + 10 + 10 + 1 + 5 + 20 + 20 + 40 + 3 + 20 + 5);
    expect(sandbox.control.counters().tokensPerDay).toEqual({ '2026-01-05': expected });
    expect(sandbox.budget.spentToday(sandbox.clock.now())).toBe(expected);
  });
});

describe('burst limit', () => {
  it.each([
    ['lite', 20],
    ['growth', 40],
    ['premium', 100],
    ['ultimate', 120],
  ] as const)('allows exactly %s = %i API-token requests per rolling 2 s', async (plan, limit) => {
    sandbox = await startTestSandbox({ plan });
    const api = client(sandbox);
    for (let i = 1; i <= limit; i++) {
      const reply = await api.get('/api/v2/organizations/1');
      expect(reply.status).toBe(404);
      expect(reply.headers.get('x-ratelimit-limit')).toBe(String(limit));
      expect(reply.headers.get('x-ratelimit-remaining')).toBe(String(limit - i));
    }
    const over = await api.get('/api/v2/organizations/1');
    expect(over.status).toBe(429);
    expect(over.body).toEqual({ success: false, error: 'Rate limit has been exceeded', errorCode: 429 });
    expect(over.headers.get('retry-after')).toBe('2');
    expect(over.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(over.headers.get('x-ratelimit-reset')).toBe('2');
    // The rolling window: 1999 ms later still full, at 2000 ms free again.
    sandbox.clock.advance(1999);
    expect((await api.get('/api/v2/organizations/1')).status).toBe(429);
    sandbox.clock.advance(1);
    expect((await api.get('/api/v2/organizations/1')).status).toBe(404);
    expect(sandbox.control.counters().responses429).toBe(2);
  });

  it('uses the OAuth limits for OAuth tokens (growth: 160)', async () => {
    sandbox = await startTestSandbox({ escalation: { enabled: false } });
    const api = client(sandbox, { bearer: sandbox.control.grantOAuth().access_token });
    const statuses = [];
    for (let i = 0; i < 161; i++) statuses.push((await api.get('/api/v2/organizations/1')).status);
    expect(statuses.filter((status) => status === 404)).toHaveLength(160);
    expect(statuses[160]).toBe(429);
  });

  it('limits search endpoints to 10 per 2 s, while other calls go on', async () => {
    sandbox = await startTestSandbox({ plan: 'ultimate' });
    const api = client(sandbox);
    for (let i = 0; i < 10; i++) {
      const reply = await api.get('/api/v2/organizations/search?term=acme');
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-ratelimit-limit')).toBe('10');
    }
    const over = await api.get('/api/v2/itemSearch/field?term=a&entity_type=organization&field=name');
    expect(over.status).toBe(429);
    expect((await api.get('/api/v2/organizations?limit=1')).status).toBe(200);
    expect(sandbox.control.counters().counters.rate_limited).toEqual({ search_burst: 1 });
  });

  it('keeps one window per token', async () => {
    sandbox = await startTestSandbox({ plan: 'lite', extraApiTokens: ['second-user-token'] });
    const first = client(sandbox);
    for (let i = 0; i < 20; i++) await first.get('/api/v2/organizations/1');
    expect((await first.get('/api/v2/organizations/1')).status).toBe(429);
    expect((await client(sandbox, { apiToken: 'second-user-token' }).get('/api/v2/organizations/1')).status).toBe(404);
  });
});

describe('daily budget', () => {
  it('is 30,000 × plan multiplier × seats', async () => {
    for (const [plan, seats, budget] of [
      ['lite', 1, 30_000],
      ['growth', 3, 180_000],
      ['premium', 2, 300_000],
      ['ultimate', 1, 210_000],
    ] as const) {
      sandbox = await startTestSandbox({ plan, seats });
      expect(sandbox.control.counters().dailyTokenBudget).toBe(budget);
      await sandbox.close();
    }
    sandbox = await startTestSandbox();
  });

  it('is shared by the API token and an OAuth token of the company, and resets at UTC midnight', async () => {
    sandbox = await startTestSandbox({ dailyTokenBudget: 25 });
    const byToken = client(sandbox);
    const byOAuth = client(sandbox, { bearer: sandbox.control.grantOAuth().access_token });
    expect((await byToken.get('/api/v2/organizations')).status).toBe(200); // 10
    expect((await byOAuth.get('/api/v2/organizations')).status).toBe(200); // 20
    expect((await byOAuth.post('/api/v2/organizations', { name: 'Fits' })).status).toBe(200); // 25
    const overToken = await byToken.get('/api/v2/organizations/1');
    const overOAuth = await byOAuth.get('/api/v2/organizations/1');
    for (const over of [overToken, overOAuth]) {
      expect(over.status).toBe(429);
      expect(over.body).toEqual({ success: false, error: 'daily request budget exceeded', errorCode: 429 });
    }
    // 10:00 UTC → midnight is 14 h away.
    expect(overToken.headers.get('retry-after')).toBe(String(14 * 3600));
    expect(sandbox.control.counters().counters.tokens).toEqual({ api_token: 10, oauth: 15 });
    expect(sandbox.control.counters().tokensSpentToday).toBe(25);

    sandbox.clock.set(Date.UTC(2026, 0, 5, 23, 59, 59));
    expect((await byToken.get('/api/v2/organizations/1')).status).toBe(429);
    sandbox.clock.advance(1000);
    expect((await byToken.get('/api/v2/organizations/1')).status).toBe(200);
    expect(sandbox.control.counters().tokensPerDay).toEqual({ '2026-01-05': 25, '2026-01-06': 1 });
  });

  it('counts tokens other integrations spend (control API)', async () => {
    sandbox = await startTestSandbox({ plan: 'lite' });
    sandbox.control.spendTokens({ tokens: 29_995 });
    const api = client(sandbox);
    expect((await api.post('/api/v2/organizations', { name: 'Last' })).status).toBe(200);
    expect((await api.get('/api/v2/organizations/1')).status).toBe(429);
  });
});

describe('Cloudflare 403 escalation', () => {
  it('blocks an API token that keeps sending during 429 windows with an HTML page', async () => {
    sandbox = await startTestSandbox({ plan: 'lite', escalation: { threshold: 3, blockSeconds: 60 } });
    const api = client(sandbox);
    for (let i = 0; i < 20; i++) await api.get('/api/v2/organizations/1');
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await api.get('/api/v2/organizations/1')).status);
    expect(statuses).toEqual([429, 429, 429, 403, 403]);
    const blocked = await api.get('/api/v2/organizations/1');
    expect(blocked.status).toBe(403);
    expect(blocked.headers.get('content-type')).toMatch(/^text\/html/);
    expect(blocked.headers.get('server')).toBe('cloudflare');
    expect(blocked.text).toContain('Sorry, you have been blocked');
    expect(() => JSON.parse(blocked.text) as unknown).toThrow();
    expect(sandbox.control.counters().responses403).toBe(3);

    // The block outlives the burst window, then lifts.
    sandbox.clock.advance(59_000);
    expect((await api.get('/api/v2/organizations/1')).status).toBe(403);
    sandbox.clock.advance(1_000);
    expect((await api.get('/api/v2/organizations/1')).status).toBe(404);
  });

  it('does not escalate a client that waits for retry-after', async () => {
    sandbox = await startTestSandbox({ plan: 'lite', escalation: { threshold: 2 } });
    const api = client(sandbox);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) await api.get('/api/v2/organizations/1');
      const limited = await api.get('/api/v2/organizations/1');
      expect(limited.status).toBe(429);
      sandbox.clock.advance(Number(limited.headers.get('retry-after')) * 1000);
    }
    expect(sandbox.control.counters().responses403).toBe(0);
  });

  it('can be disabled, and never applies to OAuth traffic', async () => {
    sandbox = await startTestSandbox({ plan: 'lite', escalation: { enabled: false, threshold: 1 } });
    const api = client(sandbox);
    for (let i = 0; i < 40; i++) await api.get('/api/v2/organizations/1');
    expect((await api.get('/api/v2/organizations/1')).status).toBe(429);
    await sandbox.close();

    sandbox = await startTestSandbox({ plan: 'lite', escalation: { threshold: 1 } });
    const oauth = client(sandbox, { bearer: sandbox.control.grantOAuth().access_token });
    for (let i = 0; i < 100; i++) await oauth.get('/api/v2/organizations/1');
    expect((await oauth.get('/api/v2/organizations/1')).status).toBe(429);
    expect(sandbox.control.counters().responses403).toBe(0);
  });
});

it('starts at T0 on a frozen clock', async () => {
  sandbox = await startTestSandbox();
  expect(sandbox.clock.now()).toBe(T0);
});
