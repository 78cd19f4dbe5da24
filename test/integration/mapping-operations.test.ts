import { type MappingDeps, applyMapping, rollbackMapping } from '../../functions/operations/mapping';
import { MappingStore } from '../../functions/store/mapping-store';
import type { Table } from '../../functions/store/table';
import { DEFAULT_MAPPING, DEFAULT_MAPPING_INPUT } from '../../functions/sync/default-mapping';
import { MappingDocument } from '../../functions/sync/mapping-document';
import { mapCustomer } from '../../functions/sync/mapping-engine';
import { CUSTOM_FIELDS } from '../../functions/sync/pipedrive-fields';
import type { QueuedMessage } from '../../functions/sync/sync-message';
import { createTestTable, localDocumentClient } from '../helpers/dynamodb';
import { QboCustomer } from '../../functions/sync/qbo-entities';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const OPTIONS = { subCustomers: 'rollup', qboAppUrl: 'https://app.qbo.intuit.com', homeCurrency: 'USD' } as const;
const keyOf = (id: string) => id.padEnd(40, 'k');
const customer = (id: string, website?: string) =>
  QboCustomer.parse({
    Id: id,
    SyncToken: '0',
    DisplayName: `Customer ${id}`,
    Active: true,
    MetaData: { CreateTime: '2026-01-01T00:00:00Z', LastUpdatedTime: '2026-01-01T00:00:00Z' },
    ...(website ? { WebAddr: { URI: website } } : {}),
  });
const CUSTOMERS = [customer('1', 'https://one.example'), customer('2'), customer('3', 'https://three.example')];
const facts = { realmId: 'r', status: 'Active', overdueBalance: 0, paymentTerms: undefined } as const;
const withWebsite = MappingDocument.parse({
  ...DEFAULT_MAPPING_INPUT,
  organization: {
    fields: {
      ...DEFAULT_MAPPING_INPUT.organization.fields,
      website: { custom: { name: 'Website', type: 'varchar' }, from: 'WebAddr.URI' },
    },
  },
});

let table: Table;
beforeAll(async () => {
  table = { client: localDocumentClient(), name: await createTestTable() };
});

/** A connection whose three customers were pushed by the default document, and fakes for Pipedrive and the queue. */
function setup(realmId: string, options: { handMade?: string } = {}) {
  const sent: QueuedMessage[] = [];
  const fieldKeys: Record<string, string> = Object.fromEntries(CUSTOM_FIELDS.map((f) => [f.id, keyOf(f.id)]));
  const pipedriveFields = [
    ...CUSTOM_FIELDS.map((f) => ({ field_code: keyOf(f.id), field_name: f.name, field_type: f.type })),
    ...(options.handMade ? [{ field_code: keyOf('hand'), field_name: options.handMade, field_type: 'varchar' }] : []),
  ];
  const deps: MappingDeps = {
    mappings: new MappingStore(table),
    syncedLinks: () =>
      Promise.resolve(
        CUSTOMERS.map((c, index) => ({ qboId: c.Id, orgId: 100 + index, pushed: mapCustomer(c, facts, OPTIONS) })),
      ),
    clients: () =>
      Promise.resolve({
        connection: {
          realmId,
          status: 'active',
          createdAt: T0,
          updatedAt: T0,
          pipedrive: {
            companyId: '1',
            apiDomain: 'https://x.pipedrive.com',
            plan: 'growth',
            seats: 1,
            auth: 'api-token',
          },
          fieldKeys,
          fieldOptions: {},
        },
        pipedrive: {
          tokensSpent: 0,
          listOrganizationFields: () => Promise.resolve(pipedriveFields),
          listUsers: () => Promise.resolve([{ id: 1, active_flag: true }]),
        },
      }),
    mapNow: (_realm, document, ids) =>
      Promise.resolve(
        new Map(
          CUSTOMERS.filter((c) => ids.includes(c.Id)).map((c) => [c.Id, mapCustomer(c, facts, OPTIONS, document)]),
        ),
      ),
    ensureFields: (_realm, definitions) => {
      const created = definitions.filter((d) => fieldKeys[d.id] === undefined);
      for (const d of created) fieldKeys[d.id] = keyOf(d.id);
      return Promise.resolve(created.length > 0 ? 10 + created.length * 5 : 0);
    },
    queue: {
      send: (messages) => {
        sent.push(...messages);
        return Promise.resolve();
      },
    },
    budgetShare: 0.5,
    now: () => T0,
  };
  return { deps, sent };
}

describe('applying and rolling back a mapping', () => {
  it('stores the default as v1 and the document as v2, and queues only the customers whose payload changed', async () => {
    const { deps, sent } = setup('a1');
    const applied = await applyMapping('a1', withWebsite, 'alice', deps);
    expect(applied).toMatchObject({ version: 2, enqueued: 2, applyTokens: 15 });
    expect(applied.plan).toMatchObject({ organizationsChanged: 2, tokens: 2 * 5 + 10 + 5, changed: ['1', '3'] });
    expect(applied.plan.budget).toEqual({ dailyShare: 30_000, days: 0 });
    expect(sent.map((m) => [m.body.id, m.body.eventId])).toEqual([
      ['1', 'mapping:v2:1'],
      ['3', 'mapping:v2:3'],
    ]);
    expect((await deps.mappings.list('a1')).map((v) => v.document)).toEqual([DEFAULT_MAPPING, withWebsite]);
  });

  it('stores and queues nothing for a refused document', async () => {
    const { deps, sent } = setup('a2', { handMade: 'Website' });
    const applied = await applyMapping('a2', withWebsite, 'alice', deps);
    expect(applied.version).toBeUndefined();
    expect(applied.plan.refusals).toEqual([
      'organization.fields.website.custom.name: the Pipedrive field "Website" exists and the connector does not own it',
    ]);
    expect(sent).toEqual([]);
    expect(await deps.mappings.current('a2')).toBeUndefined();
  });

  it('rolls back to the version before, creating no field, and says why when there is nothing to go back to', async () => {
    const { deps } = setup('a3');
    await expect(rollbackMapping('a3', undefined, 'bob', deps)).rejects.toThrow('no mapping was ever applied');
    await applyMapping('a3', withWebsite, 'alice', deps);
    await expect(rollbackMapping('a3', 2, 'bob', deps)).rejects.toThrow('version 2 is the current mapping already');
    await expect(rollbackMapping('a3', 7, 'bob', deps)).rejects.toThrow('there is no mapping version 7 (1–2)');
    const rolled = await rollbackMapping('a3', undefined, 'bob', deps);
    expect(rolled).toMatchObject({ version: 1, applyTokens: 0 });
    expect(rolled.plan.fieldsToCreate).toEqual([]);
    expect((await deps.mappings.current('a3'))?.document).toEqual(DEFAULT_MAPPING);
  });
});
