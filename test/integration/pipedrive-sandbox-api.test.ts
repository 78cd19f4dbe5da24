import type { PipedriveSandbox } from '../../local/pipedrive';
import {
  client,
  createField,
  startTestSandbox,
  T0,
  type Client,
  type OrgView,
  type PersonView,
} from './pipedrive-sandbox-helpers';

let sandbox: PipedriveSandbox;
let api: Client;

beforeEach(async () => {
  sandbox = await startTestSandbox({ plan: 'ultimate' });
  api = client(sandbox);
});
afterEach(() => sandbox.close());

async function listAll(path: string, limit: number): Promise<{ ids: number[]; pages: number }> {
  const ids: number[] = [];
  let cursor: string | null | undefined;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const reply = await api.get<OrgView[]>(`${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(reply.status).toBe(200);
    ids.push(...reply.body.data.map((org) => org.id));
    cursor = reply.body.additional_data?.next_cursor;
    pages += 1;
    // A paced client: one page per 100 ms stays under every burst limit.
    sandbox.clock.advance(100);
  } while (cursor);
  return { ids, pages };
}

describe('organizations', () => {
  it('creates (HTTP 200, as the spec declares), reads and lists with all custom fields present', async () => {
    const key = await createField(api, { field_name: 'QuickBooks ID', field_type: 'varchar' });
    const other = await createField(api, { field_name: 'Other', field_type: 'text' });
    const created = await api.post<OrgView>('/api/v2/organizations', { name: 'Acme', custom_fields: { [key]: '42' } });
    expect(created.status).toBe(200);
    expect(created.body.success).toBe(true);
    expect(created.body.data).toMatchObject({
      id: 1,
      name: 'Acme',
      owner_id: 1,
      is_deleted: false,
      visible_to: 7,
      address: null,
      label_ids: [],
      add_time: '2026-01-05T10:00:00Z',
      update_time: '2026-01-05T10:00:00Z',
      custom_fields: { [key]: '42', [other]: null },
    });
    expect(key).toMatch(/^[0-9a-f]{40}$/);
    const got = await api.get<OrgView>('/api/v2/organizations/1?custom_fields=' + key);
    expect(got.body.data.custom_fields).toEqual({ [key]: '42' });
  });

  it('pages with an opaque cursor, limit ≤ 500, next_cursor null on the last page', async () => {
    sandbox.control.seed({ random: { count: 1203 } });
    const all = await listAll('/api/v2/organizations', 500);
    expect(all.pages).toBe(3);
    expect(all.ids).toEqual(Array.from({ length: 1203 }, (_, i) => i + 1));
    const small = await listAll('/api/v2/organizations', 7);
    expect(small.ids).toHaveLength(1203);
    const first = await api.get<OrgView[]>('/api/v2/organizations');
    expect(first.body.data).toHaveLength(100); // default limit
    const exact = await api.get<OrgView[]>('/api/v2/organizations?limit=3&ids=1,2,3');
    expect(exact.body.additional_data?.next_cursor).toBeNull();
    const bad = await api.get('/api/v2/organizations?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
  });

  it('keeps paging stable while records change, and filters by updated_since (inclusive) and ids', async () => {
    sandbox.control.seed({ names: ['A', 'B', 'C', 'D'] });
    sandbox.clock.advance(60_000);
    await api.patch('/api/v2/organizations/2', { name: 'B2' });
    const since = await api.get<OrgView[]>('/api/v2/organizations?updated_since=2026-01-05T10:01:00Z');
    expect(since.body.data.map((org) => org.id)).toEqual([2]);
    const byUpdate = await api.get<OrgView[]>('/api/v2/organizations?sort_by=update_time&sort_direction=desc&limit=2');
    expect(byUpdate.body.data.map((org) => org.id)).toEqual([2, 4]);
    const next = await api.get<OrgView[]>(
      `/api/v2/organizations?sort_by=update_time&sort_direction=desc&limit=2&cursor=${byUpdate.body.additional_data?.next_cursor ?? ''}`,
    );
    expect(next.body.data.map((org) => org.id)).toEqual([3, 1]);
    const ids = await api.get<OrgView[]>('/api/v2/organizations?ids=4,1,999');
    expect(ids.body.data.map((org) => org.id)).toEqual([1, 4]);
  });

  it('soft-deletes: gone from get and list, kept in state with is_deleted and the delete time', async () => {
    sandbox.control.seed({ names: ['Keep', 'Drop'] });
    sandbox.clock.advance(5000);
    const deleted = await api.delete('/api/v2/organizations/2');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ success: true, data: { id: 2 } });
    expect((await api.get('/api/v2/organizations/2')).status).toBe(404);
    expect((await api.get('/api/v2/organizations/2')).body).toMatchObject({ error: 'Entity was not found' });
    expect((await api.patch('/api/v2/organizations/2', { name: 'Back' })).status).toBe(404);
    expect((await api.delete('/api/v2/organizations/2')).status).toBe(404);
    expect((await api.get<OrgView[]>('/api/v2/organizations')).body.data.map((org) => org.id)).toEqual([1]);
    const stored = sandbox.store.organizations.get(2);
    expect(stored).toMatchObject({ is_deleted: true, update_time: T0 + 5000 });
  });

  it('merges: the URL organization is removed, merge_with_id survives and wins, persons move over', async () => {
    const key = await createField(api, { field_name: 'QuickBooks ID', field_type: 'varchar' });
    const note = await createField(api, { field_name: 'Note', field_type: 'text' });
    const seeded = sandbox.control.seed({
      organizations: [
        {
          name: 'Loser',
          address: { value: 'Loser street' },
          custom_fields: { [key]: 'L', [note]: 'from loser' },
          persons: [{ name: 'Moved Person' }],
        },
        { name: 'Survivor', custom_fields: { [key]: 'S' } },
      ],
    });
    const [loser, survivor] = seeded.organizations;
    const merged = await api.put(`/api/v1/organizations/${loser?.id}/merge`, { merge_with_id: survivor?.id });
    expect(merged.status).toBe(200);
    expect(merged.body).toEqual({ success: true, data: { id: survivor?.id } });
    expect((await api.get(`/api/v2/organizations/${loser?.id}`)).status).toBe(404);
    const kept = await api.get<OrgView>(`/api/v2/organizations/${survivor?.id}?include_fields=people_count`);
    expect(kept.body.data).toMatchObject({
      name: 'Survivor',
      address: { value: 'Loser street' },
      custom_fields: { [key]: 'S', [note]: 'from loser' },
      people_count: 1,
    });
    const persons = await api.get<PersonView[]>(`/api/v2/persons?org_id=${survivor?.id}`);
    expect(persons.body.data.map((person) => person.name)).toEqual(['Moved Person']);
    expect(sandbox.control.state().organizations.find((org) => org.id === loser?.id)).toMatchObject({
      is_deleted: true,
      merged_into_id: survivor?.id,
    });
    expect((await api.put(`/api/v1/organizations/${survivor?.id}/merge`, { merge_with_id: survivor?.id })).status).toBe(
      400,
    );
    expect((await api.put(`/api/v1/organizations/${survivor?.id}/merge`, { merge_with_id: '1' })).status).toBe(400);
  });
});

describe('persons', () => {
  it('creates a person linked by org_id, replaces emails on PATCH, soft-deletes', async () => {
    const org = (await api.post<OrgView>('/api/v2/organizations', { name: 'Acme' })).body.data;
    const person = await api.post<PersonView>('/api/v2/persons', {
      name: 'Jane Doe',
      org_id: org.id,
      emails: [{ value: 'jane@acme.test', primary: true, label: 'work' }],
      phones: [{ value: '+1 555 0100', label: 'mobile' }],
    });
    expect(person.status).toBe(200);
    expect(person.body.data).toMatchObject({
      org_id: org.id,
      phones: [{ value: '+1 555 0100', label: 'mobile', primary: true }],
    });
    const patched = await api.patch<PersonView>(`/api/v2/persons/${person.body.data.id}`, {
      emails: [{ value: 'new@acme.test' }],
    });
    expect(patched.body.data.emails).toEqual([{ value: 'new@acme.test', label: 'work', primary: true }]);
    const unlinked = await api.patch<PersonView>(`/api/v2/persons/${person.body.data.id}`, { org_id: null });
    expect(unlinked.body.data.org_id).toBeNull();
    expect((await api.delete(`/api/v2/persons/${person.body.data.id}`)).status).toBe(200);
    expect((await api.get(`/api/v2/persons/${person.body.data.id}`)).status).toBe(404);
  });
});

describe('search', () => {
  beforeEach(() => {
    sandbox.control.seed({
      organizations: [
        {
          name: 'Acme Tools',
          address: { value: '1 Main St, Springfield' },
          persons: [{ name: 'Jane Doe', emails: ['Jane@Acme.test'] }],
        },
        { name: 'Acme Foods' },
        { name: 'Blue Harbor' },
      ],
    });
  });

  it('organizations/search: substring by default, exact_match full and case-insensitive, items[].item shape', async () => {
    const loose = await api.get<{ items: { result_score: number; item: Record<string, unknown> }[] }>(
      '/api/v2/organizations/search?term=acme',
    );
    expect(loose.body.data.items.map((hit) => hit.item.name)).toEqual(['Acme Tools', 'Acme Foods']); // equal scores, then by id
    const exact = await api.get<{ items: { item: Record<string, unknown> }[] }>(
      '/api/v2/organizations/search?term=ACME%20TOOLS&exact_match=true',
    );
    expect(exact.body.data.items).toHaveLength(1);
    expect(exact.body.data.items[0]?.item).toEqual({
      id: 1,
      type: 'organization',
      name: 'Acme Tools',
      address: '1 Main St, Springfield',
      visible_to: 7,
      owner: { id: 1 },
      custom_fields: [],
      notes: [],
    });
    expect((await api.get('/api/v2/organizations/search?term=a')).status).toBe(400);
    expect((await api.get('/api/v2/organizations/search?term=a&exact_match=true')).status).toBe(200);
  });

  it('persons/search finds by email (exact, case-insensitive) with the flattened item', async () => {
    const reply = await api.get<{ items: { item: Record<string, unknown> }[] }>(
      '/api/v2/persons/search?term=jane%40acme.test&fields=email&exact_match=true',
    );
    expect(reply.body.data.items[0]?.item).toMatchObject({
      type: 'person',
      name: 'Jane Doe',
      emails: ['Jane@Acme.test'],
      organization: { id: 1, name: 'Acme Tools', address: '1 Main St, Springfield' },
    });
  });

  it('itemSearch/field matches a custom field exactly and case-sensitively', async () => {
    const key = await createField(api, { field_name: 'QuickBooks ID', field_type: 'varchar' });
    await api.patch('/api/v2/organizations/1', { custom_fields: { [key]: 'QB-17' } });
    await api.patch('/api/v2/organizations/2', { custom_fields: { [key]: 'QB-170' } });
    const find = (term: string, match = 'exact') =>
      api.get<{ id: number; name: string }[]>(
        `/api/v2/itemSearch/field?term=${encodeURIComponent(term)}&entity_type=organization&field=${key}&match=${match}`,
      );
    const exact = await find('QB-17');
    expect(exact.body).toEqual({
      success: true,
      data: [{ id: 1, name: 'Acme Tools' }],
      additional_data: { next_cursor: null },
    });
    expect((await find('qb-17')).body.data).toEqual([]);
    expect((await find('QB-1', 'beginning')).body.data.map((hit) => hit.id)).toEqual([1, 2]);
    expect((await find('B-17', 'middle')).body.data.map((hit) => hit.id)).toEqual([1, 2]);
    expect((await find('B-17')).body.data).toEqual([]);
    const unknownField = await api.get('/api/v2/itemSearch/field?term=x&entity_type=organization&field=nope');
    expect(unknownField.status).toBe(400);
  });

  it('can lag behind writes when searchIndexLagMs is set', async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({ searchIndexLagMs: 10_000 });
    api = client(sandbox);
    await api.post('/api/v2/organizations', { name: 'Fresh Co' });
    const find = () => api.get<{ items: unknown[] }>('/api/v2/organizations/search?term=Fresh');
    expect((await find()).body.data.items).toHaveLength(0);
    sandbox.clock.advance(10_000);
    expect((await find()).body.data.items).toHaveLength(1);
  });
});

describe('organization fields', () => {
  it('lists v2 fields (system first) and the same fields in v1 shape with key/name', async () => {
    const key = await createField(api, {
      field_name: 'QuickBooks status',
      field_type: 'enum',
      options: [{ label: 'Active' }, { label: 'Inactive' }],
    });
    const v2 =
      await api.get<{ field_code: string; field_type: string; options: unknown; is_custom_field: boolean }[]>(
        '/api/v2/organizationFields',
      );
    expect(v2.body.data[0]).toMatchObject({ field_code: 'name', is_custom_field: false });
    expect(v2.body.data.find((field) => field.field_code === key)).toMatchObject({
      field_type: 'enum',
      is_custom_field: true,
      options: [
        { id: 1, label: 'Active' },
        { id: 2, label: 'Inactive' },
      ],
    });
    const v1 = await api.get<{ key: string; name: string; edit_flag: boolean }[]>('/api/v1/organizationFields');
    expect(v1.body.data.find((field) => field.key === key)).toMatchObject({
      name: 'QuickBooks status',
      edit_flag: true,
    });
    expect(v1.body.additional_data?.pagination).toMatchObject({ start: 0, more_items_in_collection: false });
    const monetary = await api.post<{ subfields: { field_code: string }[] }>('/api/v2/organizationFields', {
      field_name: 'Open balance',
      field_type: 'monetary',
    });
    expect(monetary.body.data.subfields.map((sub) => sub.field_code)).toEqual(['value', 'currency']);
  });

  it('enforces the plan custom-field limit with a 403', async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({ plan: 'lite' });
    sandbox.control.seed({
      fields: Array.from({ length: 30 }, (_, i) => ({ field_name: `F${i}`, field_type: 'varchar' as const })),
    });
    const over = await client(sandbox).post('/api/v2/organizationFields', {
      field_name: 'One more',
      field_type: 'varchar',
    });
    expect(over.status).toBe(403);
    expect(over.body).toMatchObject({ success: false, code: 'feature_capping_custom_fields_limit' });
  });
});
