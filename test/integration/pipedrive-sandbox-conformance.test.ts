import type { PipedriveSandbox } from '../../local/pipedrive';
import type { Exchange } from '../../local/pipedrive/core';
import { OpenApiConformance } from '../../local/pipedrive/openapi/conformance';
import { client, createField, startTestSandbox, type OrgView } from './pipedrive-sandbox-helpers';

let conformance: OpenApiConformance;
let sandbox: PipedriveSandbox;
let exchanges: Exchange[];

beforeAll(async () => {
  conformance = await OpenApiConformance.load();
});

beforeEach(async () => {
  sandbox = await startTestSandbox({ plan: 'ultimate', seats: 2 });
  exchanges = [];
  sandbox.onExchange((exchange) => exchanges.push(exchange));
});

afterEach(() => sandbox.close());

/** A connector-like session touching every operation the sandbox serves, all with valid requests. */
async function scriptedSession(): Promise<void> {
  const api = client(sandbox);
  const qboId = await createField(api, { field_name: 'QuickBooks ID', field_type: 'varchar' });
  const balance = await createField(api, { field_name: 'Open balance', field_type: 'monetary' });
  const status = await createField(api, {
    field_name: 'QuickBooks status',
    field_type: 'enum',
    options: [{ label: 'Active' }, { label: 'Inactive' }],
  });
  const fields = await api.get<{ field_code: string; options: { id: number }[] | null }[]>(
    '/api/v2/organizationFields?limit=500&include_fields=ui_visibility,required_fields',
  );
  const activeId = fields.body.data.find((field) => field.field_code === status)?.options?.[0]?.id;
  await api.get(`/api/v2/organizationFields/${qboId}`);
  await api.get('/api/v1/organizationFields?start=0&limit=5');
  const v1Fields = await api.get<{ id: number }[]>('/api/v1/organizationFields');
  await api.get(`/api/v1/organizationFields/${v1Fields.body.data[0]?.id ?? 1}`);
  await api.post('/api/v1/organizationFields', { name: 'Payment terms', field_type: 'varchar' });

  const created: number[] = [];
  for (const name of ['Acme Tools', 'Blue Harbor', 'Cedar Labs']) {
    const reply = await api.post<OrgView>('/api/v2/organizations', {
      name,
      owner_id: 1,
      visible_to: 7,
      address: { value: '1 Main St, Springfield', street_number: '1', route: 'Main St', locality: 'Springfield' },
      custom_fields: { [qboId]: `qbo-${name}`, [balance]: { value: 12.5, currency: 'USD' }, [status]: activeId },
    });
    created.push(reply.body.data.id);
  }
  const [first = 0, second = 0, third = 0] = created;
  await api.post('/api/v2/organizations', { name: 'No Address Co' });
  await api.get('/api/v2/organizations?limit=2&sort_by=update_time&sort_direction=desc');
  const page = await api.get<OrgView[]>('/api/v2/organizations?limit=2');
  await api.get(`/api/v2/organizations?limit=2&cursor=${page.body.additional_data?.next_cursor ?? ''}`);
  await api.get(`/api/v2/organizations?ids=${first},${second}&updated_since=2026-01-01T00:00:00Z`);
  await api.get(`/api/v2/organizations/${first}?include_fields=people_count&include_option_labels=true`);
  await api.patch(`/api/v2/organizations/${first}`, { name: 'Acme Tools Inc.', address: { value: 'Elsewhere 2' } });

  const person = await api.post<{ id: number }>('/api/v2/persons', {
    name: 'Jane Doe',
    org_id: first,
    emails: [{ value: 'jane@acme.test', primary: true, label: 'work' }],
    phones: [{ value: '+1 555 0100' }],
  });
  await api.post('/api/v2/persons', { name: 'Loner' });
  await api.get(`/api/v2/persons?org_id=${first}`);
  await api.get(`/api/v2/persons/${person.body.data.id}`);
  await api.patch(`/api/v2/persons/${person.body.data.id}`, { emails: [{ value: 'jane.doe@acme.test' }] });

  await api.get('/api/v2/organizations/search?term=Acme&fields=name');
  await api.get('/api/v2/organizations/search?term=acme%20tools%20inc.&exact_match=true');
  await api.get(`/api/v2/persons/search?term=jane.doe%40acme.test&fields=email&exact_match=true`);
  await api.get(`/api/v2/persons/search?term=Loner`);
  await api.get(`/api/v2/itemSearch/field?term=qbo-Blue%20Harbor&entity_type=organization&field=${qboId}&match=exact`);

  await api.get('/api/v1/users/me');
  await api.get('/api/v1/users');
  await api.put(`/api/v1/organizations/${third}/merge`, { merge_with_id: second });
  await api.delete(`/api/v2/organizations/${second}`);
  await api.delete(`/api/v2/persons/${person.body.data.id}`);
  await api.delete(`/api/v2/organizationFields/${balance}`);

  // Answers the v2 spec does not declare (404, 400, 401) must still be Pipedrive error envelopes.
  await api.get(`/api/v2/organizations/${second}`);
  await api.get('/api/v2/organizations?limit=501');
  await client(sandbox, { apiToken: 'wrong' }).get('/api/v2/organizations');

  const grant = sandbox.control.grantOAuth();
  const token = await fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${sandbox.config.oauth.clientId}:${sandbox.config.oauth.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: grant.refresh_token }).toString(),
  });
  await token.text();
}

describe('OpenAPI conformance', () => {
  it('every request and response of a scripted session validates against the official specs', async () => {
    await scriptedSession();
    const checked = exchanges.filter((exchange) => exchange.operation !== undefined);
    expect(checked.length).toBeGreaterThanOrEqual(35);
    const problems = checked.flatMap((exchange) =>
      conformance.check(exchange).map((problem) => `${exchange.request.method} ${exchange.request.path}: ${problem}`),
    );
    expect(problems).toEqual([]);
    // The session really exercised the successful paths, not only errors.
    expect(checked.filter((exchange) => exchange.response.status === 200).length).toBeGreaterThanOrEqual(30);
  });

  it('the validator catches a response that breaks the spec (so the check above can fail)', async () => {
    await client(sandbox).post('/api/v2/organizations', { name: 'Acme' });
    const [exchange] = exchanges;
    expect(exchange).toBeDefined();
    const broken: Exchange = {
      ...exchange!,
      response: { ...exchange!.response, body: JSON.stringify({ success: true, data: { id: 'one', name: 7 } }) },
    };
    expect(conformance.checkResponse(broken)).not.toEqual([]);
  });

  it('requests the spec rejects are rejected by the sandbox too', async () => {
    const api = client(sandbox);
    const replies = [
      await api.get('/api/v2/organizations?limit=ten'),
      await api.get('/api/v2/organizations?sort_by=name'),
      await api.post('/api/v2/organizations', { name: 'Acme', owner_id: '1' }),
      await api.get('/api/v2/itemSearch/field?term=x&entity_type=company&field=name'),
    ];
    const specProblems = exchanges.map((exchange) => conformance.checkRequest(exchange));
    expect(specProblems.every((problems) => problems.length > 0)).toBe(true);
    expect(replies.map((reply) => reply.status)).toEqual([400, 400, 400, 400]);
  });
});
