import type { PipedriveSandbox } from '../../local/pipedrive';
import { client, startTestSandbox, T0, type OrgView, type PersonView } from './pipedrive-sandbox-helpers';

let sandbox: PipedriveSandbox;
beforeEach(async () => {
  sandbox = await startTestSandbox({ plan: 'premium', seats: 3, companyId: 77, apiToken: 'tok-77' });
});
afterEach(() => sandbox.close());

// The caller names the JSON shape it expects, as with fetch().json().
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
async function control<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandbox.describe().controlUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

describe('describe()', () => {
  it('returns exactly what a client needs, also at GET /_sandbox/describe', async () => {
    const description = sandbox.describe();
    expect(description).toEqual({
      apiBaseUrl: sandbox.url,
      apiToken: 'tok-77',
      apiTokenBaseUrl: sandbox.apiTokenUrl,
      companyId: 77,
      plan: 'premium',
      seats: 3,
      oauth: {
        authorizeUrl: `${sandbox.url}/oauth/authorize`,
        tokenUrl: `${sandbox.url}/oauth/token`,
        revokeUrl: `${sandbox.url}/oauth/revoke`,
        clientId: 'pd-sandbox-client',
        clientSecret: 'pd-sandbox-secret',
        redirectUris: ['http://127.0.0.1:3000/oauth/pipedrive/callback'],
      },
      controlUrl: `${sandbox.url}/_sandbox`,
    });
    expect((await control('GET', '/describe')).body).toEqual(description);
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('control API', () => {
  it('seeds organizations and persons by names, emails, domains and full records', async () => {
    const seeded = await control<{
      fields: { field_code: string }[];
      organizations: { id: number; name: string }[];
      persons: { org_id: number | null }[];
    }>('POST', '/seed', {
      fields: [{ field_name: 'QuickBooks ID', field_type: 'varchar' }],
      organizations: [
        {
          name: 'Acme Tools',
          custom_fields: { 'QuickBooks ID': '58' },
          persons: [{ name: 'Ann Lee', emails: ['ann@acme.test'] }],
        },
      ],
      names: ['Acme Tools Inc.', 'ACME TOOLS'],
      domains: ['blue-harbor.com'],
      emails: ['jane.doe@blue-harbor.com', 'solo@gmail.com'],
    });
    expect(seeded.status).toBe(201);
    expect(seeded.body.organizations.map((org) => org.name)).toEqual([
      'Acme Tools',
      'Acme Tools Inc.',
      'ACME TOOLS',
      'Blue Harbor',
    ]);
    expect(seeded.body.persons.map((person) => person.org_id)).toEqual([1, 4, null]);
    const key = seeded.body.fields[0]?.field_code ?? '';
    const api = client(sandbox, { apiToken: 'tok-77' });
    const found = await api.get<{ id: number }[]>(
      `/api/v2/itemSearch/field?term=58&entity_type=organization&field=${key}`,
    );
    expect(found.body.data.map((hit) => hit.id)).toEqual([1]);
    const jane = await api.get<PersonView>('/api/v2/persons/2');
    expect(jane.body.data).toMatchObject({
      name: 'Jane Doe',
      org_id: 4,
      emails: [{ value: 'jane.doe@blue-harbor.com', primary: true }],
    });
    // Seeding costs nothing.
    expect(sandbox.control.counters().tokensSpentToday).toBe(21); // itemSearch/field 20 + GET person 1
  });

  it('rejects bad seed input with 400 and the zod issues', async () => {
    const reply = await control<{ issues: unknown[] }>('POST', '/seed', { names: [''], bogus: true });
    expect(reply.status).toBe(400);
    expect(reply.body.issues.length).toBeGreaterThan(0);
  });

  it('reports state and counters: tokens per day, requests per endpoint, 429s and 403s', async () => {
    const api = client(sandbox, { apiToken: 'tok-77' });
    await api.post('/api/v2/organizations', { name: 'A' });
    await api.get('/api/v2/organizations');
    const counters = await control<{
      tokensPerDay: Record<string, number>;
      requestsPerEndpoint: Record<string, number>;
      responses429: number;
      responses403: number;
      dailyTokenBudget: number;
    }>('GET', '/counters');
    expect(counters.body).toMatchObject({
      tokensPerDay: { '2026-01-05': 15 },
      requestsPerEndpoint: { 'v2 POST /organizations': 1, 'v2 GET /organizations': 1 },
      responses429: 0,
      responses403: 0,
      dailyTokenBudget: 30_000 * 5 * 3,
    });
    const state = await control<{ now: number; organizations: OrgView[]; company: unknown }>('GET', '/state');
    expect(state.body).toMatchObject({ now: T0, company: { id: 77, plan: 'premium', seats: 3 } });
    expect(state.body.organizations.map((org) => org.name)).toEqual(['A']);
  });

  it('injects faults by path with a count, and counts them; control routes are never faulted', async () => {
    const added = await control<{ id: string }>('POST', '/faults', {
      method: 'POST',
      path: '^/api/v2/organizations$',
      status: 503,
      body: { success: false, error: 'Service Unavailable' },
      count: 2,
    });
    expect(added.status).toBe(201);
    const api = client(sandbox, { apiToken: 'tok-77' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.post('/api/v2/organizations', { name: `N${i}` })).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect((await api.get('/api/v2/organizations')).status).toBe(200);
    const faults = await control<{ applied: number; remaining: number }[]>('GET', '/faults');
    expect(faults.body[0]).toMatchObject({ applied: 2, remaining: 0 });
    expect(sandbox.control.counters().counters.faults).toEqual({ 'POST /api/v2/organizations': 2 });
    // An injected fault is answered before the limits: it costs no tokens.
    expect(sandbox.control.counters().tokensSpentToday).toBe(15);
    expect((await control('DELETE', '/faults')).status).toBe(200);
    expect((await control<unknown[]>('GET', '/faults')).body).toEqual([]);
  });

  it('a lost-response fault makes the change and then drops the connection, as a caller that died after its POST', async () => {
    await control('POST', '/faults', { method: 'POST', path: '^/api/v2/organizations$', loseResponse: true, count: 1 });
    const api = client(sandbox, { apiToken: 'tok-77' });
    await expect(api.post('/api/v2/organizations', { name: 'Committed Co' })).rejects.toThrow();
    expect([...sandbox.store.organizations.values()].map((org) => org.name)).toEqual(['Committed Co']);
    expect((await api.post('/api/v2/organizations', { name: 'Answered Co' })).status).toBe(200);
    expect(sandbox.store.organizations.size).toBe(2);
  });

  it('sets and advances the clock', async () => {
    expect((await control<{ now: number }>('GET', '/clock')).body.now).toBe(T0);
    const advanced = await control<{ now: number; nowIso: string }>('POST', '/clock', { advanceMs: 90_000 });
    expect(advanced.body).toMatchObject({ now: T0 + 90_000, nowIso: '2026-01-05T10:01:30Z' });
    const set = await control<{ now: number }>('POST', '/clock', { set: '2026-02-01T00:00:00Z' });
    expect(set.body.now).toBe(Date.UTC(2026, 1, 1));
    expect(sandbox.clock.now()).toBe(Date.UTC(2026, 1, 1));
    expect((await control('POST', '/clock', { advanceMs: -1 })).status).toBe(400);
  });

  it('spends budget as another integration, grants OAuth tokens, and resets everything', async () => {
    await control('POST', '/budget/spend', { tokens: 1000 });
    const grant = await control<{ access_token: string; api_domain: string }>('POST', '/oauth/grant');
    expect(grant.body.api_domain).toBe(sandbox.url);
    const api = client(sandbox, { bearer: grant.body.access_token });
    expect((await api.post('/api/v2/organizations', { name: 'Before reset' })).status).toBe(200);
    expect(sandbox.control.counters().tokensSpentToday).toBe(1005);
    expect((await control('POST', '/reset')).status).toBe(200);
    expect(sandbox.control.counters().tokensSpentToday).toBe(0);
    expect(sandbox.store.organizations.size).toBe(0);
    expect((await api.get('/api/v2/organizations')).status).toBe(401);
    const fields = await client(sandbox, { apiToken: 'tok-77' }).get<unknown[]>('/api/v2/organizationFields');
    expect(fields.body.data.length).toBeGreaterThan(0); // system fields are back
  });
});
