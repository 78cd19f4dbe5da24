import type { PipedriveSandbox } from '../../local/pipedrive';
import { client, createField, startTestSandbox, type Client, type OrgView } from './pipedrive-sandbox-helpers';

let sandbox: PipedriveSandbox;
let api: Client;
let keys: { text: string; amount: string; money: string; kind: string; tags: string; since: string };
let options: { kind: { id: number; label: string }[]; tags: { id: number; label: string }[] };

beforeAll(async () => {
  sandbox = await startTestSandbox();
  api = client(sandbox);
  keys = {
    text: await createField(api, { field_name: 'QuickBooks ID', field_type: 'varchar' }),
    amount: await createField(api, { field_name: 'Score', field_type: 'double' }),
    money: await createField(api, { field_name: 'Open balance', field_type: 'monetary' }),
    kind: await createField(api, {
      field_name: 'Status',
      field_type: 'enum',
      options: [{ label: 'Active' }, { label: 'Inactive' }],
    }),
    tags: await createField(api, { field_name: 'Tags', field_type: 'set', options: [{ label: 'a' }, { label: 'b' }] }),
    since: await createField(api, { field_name: 'Customer since', field_type: 'date' }),
  };
  const fields = sandbox.store.customFields('organization');
  options = {
    kind: fields.find((field) => field.field_code === keys.kind)?.options ?? [],
    tags: fields.find((field) => field.field_code === keys.tags)?.options ?? [],
  };
});
afterAll(() => sandbox.close());
// Each test makes a handful of calls; keep the burst window from filling across tests.
afterEach(() => {
  sandbox.clock.advance(2000);
});

async function expectRejected(
  body: unknown,
  pattern: RegExp,
  path = '/api/v2/organizations',
  method: 'post' | 'patch' = 'post',
) {
  const before = sandbox.store.organizations.size;
  const reply = method === 'post' ? await api.post(path, body) : await api.patch(path, body);
  expect(reply.status).toBe(400);
  expect(reply.body).toMatchObject({ success: false, data: null });
  expect(reply.body.error).toMatch(/^ERR_SCHEMA_VALIDATION_FAILED/);
  expect(reply.body.error).toMatch(pattern);
  expect(sandbox.store.organizations.size).toBe(before);
}

describe('v2 strict validation', () => {
  it('requires name on create', async () => {
    await expectRejected({}, /name/);
    await expectRejected({ name: '   ' }, /name: must not be empty/);
    await expectRejected({ title: 'Acme' }, /title/);
  });

  it('does not coerce strings to numbers or numbers to strings', async () => {
    await expectRejected({ name: 'Acme', owner_id: '1' }, /owner_id/);
    await expectRejected({ name: 'Acme', visible_to: '3' }, /visible_to/);
    await expectRejected({ name: 'Acme', custom_fields: { [keys.amount]: '12.5' } }, /Score|double/);
    await expectRejected({ name: 'Acme', custom_fields: { [keys.text]: 12345 } }, /varchar/);
    await expectRejected({ name: 12 }, /name/);
    expect((await api.get('/api/v2/organizations?limit=10.0')).status).toBe(400);
    expect((await api.get('/api/v2/organizations/1abc')).status).toBe(400);
  });

  it('takes enum values as option ids, not labels, and rejects unknown ids', async () => {
    await expectRejected({ name: 'Acme', custom_fields: { [keys.kind]: 'Active' } }, /enum/);
    await expectRejected({ name: 'Acme', custom_fields: { [keys.kind]: 999_999 } }, /not an option id/);
    const ok = await api.post<OrgView>('/api/v2/organizations', {
      name: 'Enum Co',
      custom_fields: { [keys.kind]: options.kind[1]?.id },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.data.custom_fields[keys.kind]).toBe(options.kind[1]?.id);
    const labelled = await api.get<OrgView>(`/api/v2/organizations/${ok.body.data.id}?include_option_labels=true`);
    expect(labelled.body.data.custom_fields[keys.kind]).toEqual(options.kind[1]);
  });

  it('rejects an empty set (null clears it)', async () => {
    await expectRejected({ name: 'Acme', custom_fields: { [keys.tags]: [] } }, /empty array/);
    const ok = await api.post<OrgView>('/api/v2/organizations', {
      name: 'Set Co',
      custom_fields: { [keys.tags]: options.tags.map((o) => o.id) },
    });
    expect(ok.status).toBe(200);
    const cleared = await api.patch<OrgView>(`/api/v2/organizations/${ok.body.data.id}`, {
      custom_fields: { [keys.tags]: null },
    });
    expect(cleared.body.data.custom_fields[keys.tags]).toBeNull();
  });

  it('takes monetary values only as { value, currency }', async () => {
    await expectRejected({ name: 'Acme', custom_fields: { [keys.money]: 500 } }, /monetary/);
    await expectRejected({ name: 'Acme', custom_fields: { [keys.money]: { value: '500', currency: 'USD' } } }, /value/);
    await expectRejected({ name: 'Acme', custom_fields: { [keys.money]: { value: 500 } } }, /currency/);
    await expectRejected({ name: 'Acme', custom_fields: { [keys.money]: { value: 5, currency: 'USD', x: 1 } } }, /x/);
    const ok = await api.post<OrgView>('/api/v2/organizations', {
      name: 'Money Co',
      custom_fields: { [keys.money]: { value: 500, currency: 'USD' } },
    });
    expect(ok.body.data.custom_fields[keys.money]).toEqual({ value: 500, currency: 'USD' });
  });

  it('takes dates as YYYY-MM-DD', async () => {
    await expectRejected({ name: 'Acme', custom_fields: { [keys.since]: '2024-02-30' } }, /date/);
    await expectRejected({ name: 'Acme', custom_fields: { [keys.since]: '2024-01-01T00:00:00Z' } }, /date/);
    expect(
      (await api.post('/api/v2/organizations', { name: 'Date Co', custom_fields: { [keys.since]: '2024-02-29' } }))
        .status,
    ).toBe(200);
  });

  it('rejects the whole request when one custom-field key is unknown', async () => {
    await expectRejected(
      { name: 'Acme', custom_fields: { [keys.text]: 'fine', '0123456789012345678901234567890123456789': 'x' } },
      /unknown custom field/,
    );
    // A deleted field's key is unknown from then on.
    const doomed = await createField(api, { field_name: 'Doomed', field_type: 'varchar' });
    expect((await api.delete(`/api/v2/organizationFields/${doomed}`)).status).toBe(200);
    await expectRejected({ name: 'Acme', custom_fields: { [doomed]: 'x' } }, /unknown custom field/);
  });

  it('rejects unknown top-level properties and a read-only formatted_address', async () => {
    await expectRejected({ name: 'Acme', org_id: 1 }, /org_id/);
    await expectRejected({ name: 'Acme', address: { value: 'x', formatted_address: 'x' } }, /formatted_address/);
    await expectRejected({ name: 'Acme', address: '1 Main St' }, /address/);
    await expectRejected({ name: 'Acme', address: { locality: 'Paris' } }, /address.value/);
    // The spec types address as a non-nullable object of strings (decision 43).
    await expectRejected({ name: 'Acme', address: null }, /address/);
    await expectRejected({ name: 'Acme', address: { value: 'x', locality: null } }, /address.locality/);
  });

  it('clears the other address parts when a PATCH sends only value', async () => {
    const created = await api.post<OrgView>('/api/v2/organizations', {
      name: 'Address Co',
      address: {
        value: '530 Fifth Avenue, New York',
        street_number: '530',
        route: '5th Avenue',
        locality: 'New York',
        country: 'United States',
        postal_code: '10036',
      },
    });
    expect(created.body.data.address).toMatchObject({
      street_number: '530',
      locality: 'New York',
      postal_code: '10036',
    });
    const patched = await api.patch<OrgView>(`/api/v2/organizations/${created.body.data.id}`, {
      address: { value: 'Somewhere else' },
    });
    expect(patched.body.data.address).toEqual({
      value: 'Somewhere else',
      formatted_address: 'Somewhere else',
      street_number: null,
      route: null,
      subpremise: null,
      sublocality: null,
      locality: null,
      admin_area_level_1: null,
      admin_area_level_2: null,
      country: null,
      postal_code: null,
    });
    // An empty value with no parts clears the address (decision 43).
    expect(
      (await api.patch<OrgView>(`/api/v2/organizations/${created.body.data.id}`, { address: { value: '' } })).body.data
        .address,
    ).toBeNull();
  });

  it('validates visible_to against the plan, owner_id against the users, and query timestamps without milliseconds', async () => {
    await expectRejected({ name: 'Acme', visible_to: 7 }, /visible_to: must be one of 1, 3/);
    await expectRejected({ name: 'Acme', owner_id: 99 }, /owner_id: user not found/);
    expect((await api.get('/api/v2/organizations?updated_since=2026-01-01T00:00:00.000Z')).status).toBe(400);
    expect((await api.get('/api/v2/organizations?updated_since=2026-01-01T00:00:00Z')).status).toBe(200);
    expect((await api.get('/api/v2/organizations?limit=501')).status).toBe(400);
    expect((await api.get('/api/v2/organizations?limit=500')).status).toBe(200);
    const tooMany = Array.from({ length: 16 }, () => keys.text).join(',');
    expect((await api.get(`/api/v2/organizations?custom_fields=${tooMany}`)).status).toBe(400);
  });

  it('validates persons: name (or first + last), existing org, one primary email', async () => {
    const reject = async (body: unknown, pattern: RegExp) => {
      const reply = await api.post('/api/v2/persons', body);
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatch(pattern);
    };
    await reject({ emails: [{ value: 'a@b.test' }] }, /name/);
    await reject({ name: 'Jane', org_id: 424242 }, /org_id: organization not found/);
    await reject(
      {
        name: 'Jane',
        emails: [
          { value: 'a@b.test', primary: true },
          { value: 'c@d.test', primary: true },
        ],
      },
      /primary/,
    );
    await reject({ name: 'Jane', emails: ['a@b.test'] }, /emails/);
    await reject({ name: 'Jane', emails: [{ value: 'a@b.test', label: true }] }, /label/);
    const ok = await api.post<{ name: string; emails: unknown[] }>('/api/v2/persons', {
      first_name: 'Jane',
      last_name: 'Doe',
      emails: [{ value: 'a@b.test' }, { value: 'c@d.test', label: 'home' }],
    });
    expect(ok.body.data.name).toBe('Jane Doe');
    expect(ok.body.data.emails).toEqual([
      { value: 'a@b.test', label: 'work', primary: true },
      { value: 'c@d.test', label: 'home', primary: false },
    ]);
  });

  it('validates new custom fields: options for enum/set only, known types', async () => {
    const reject = async (body: unknown) => {
      expect((await api.post('/api/v2/organizationFields', body)).status).toBe(400);
    };
    await reject({ field_name: 'X', field_type: 'enum' });
    await reject({ field_name: 'X', field_type: 'varchar', options: [{ label: 'a' }] });
    await reject({ field_name: 'X', field_type: 'boolean' });
    await reject({ field_name: '', field_type: 'varchar' });
    await reject({ name: 'X', field_type: 'varchar' });
  });
});
