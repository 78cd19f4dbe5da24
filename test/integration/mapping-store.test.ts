import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { MappingStore, MappingVersionConflict } from '../../functions/store/mapping-store';
import type { Table } from '../../functions/store/table';
import { keys } from '../../functions/store/table-schema';
import { DEFAULT_MAPPING, DEFAULT_MAPPING_INPUT } from '../../functions/sync/default-mapping';
import { MappingDocument } from '../../functions/sync/mapping-document';
import { createTestTable, localDocumentClient } from '../helpers/dynamodb';

const T0 = Date.parse('2026-12-01T10:00:00Z');
let table: Table;

beforeAll(async () => {
  table = { client: localDocumentClient(), name: await createTestTable() };
});

const withWebsite = MappingDocument.parse({
  ...DEFAULT_MAPPING_INPUT,
  organization: {
    fields: {
      ...DEFAULT_MAPPING_INPUT.organization.fields,
      website: { custom: { name: 'Website', type: 'varchar' }, from: 'WebAddr.URI' },
    },
  },
});

describe('MappingStore', () => {
  it('has no current document for a connection that never stored one', async () => {
    const store = new MappingStore(table);
    expect(await store.current('none')).toBeUndefined();
    expect(await store.list('none')).toEqual([]);
  });

  it('numbers each stored version, keeps them all, and makes the newest current', async () => {
    const store = new MappingStore(table);
    await store.put('r1', DEFAULT_MAPPING, 'alice', T0, 0);
    const second = await store.put('r1', withWebsite, 'bob', T0 + 1000, 1);
    expect(second).toMatchObject({ version: 2, latest: 2, createdBy: 'bob', createdAt: T0 + 1000 });
    const current = await store.current('r1');
    expect(current?.version).toBe(2);
    expect(current?.document).toEqual(withWebsite);
    const versions = await store.list('r1');
    expect(versions.map((v) => [v.version, v.createdBy])).toEqual([
      [1, 'alice'],
      [2, 'bob'],
    ]);
    expect(versions[0]?.document).toEqual(DEFAULT_MAPPING);
  });

  it('refuses an apply planned against a version that is no longer the newest', async () => {
    const store = new MappingStore(table);
    await store.put('r2', DEFAULT_MAPPING, 'alice', T0, 0);
    await expect(store.put('r2', withWebsite, 'bob', T0 + 1, 0)).rejects.toBeInstanceOf(MappingVersionConflict);
    await store.put('r2', withWebsite, 'bob', T0 + 2, 1);
    await expect(store.put('r2', DEFAULT_MAPPING, 'carol', T0 + 3, 1)).rejects.toBeInstanceOf(MappingVersionConflict);
    expect((await store.list('r2')).map((v) => v.version)).toEqual([1, 2]);
  });

  it('rolls back by moving the pointer: the older document is current, no version is deleted', async () => {
    const store = new MappingStore(table);
    await store.put('r3', DEFAULT_MAPPING, 'alice', T0, 0);
    const applied = await store.put('r3', withWebsite, 'bob', T0 + 1, 1);
    const first = await store.version('r3', 1);
    if (!first) throw new Error('version 1 missing');
    const rolled = await store.rollback('r3', first, 'carol', T0 + 2, applied);
    expect(rolled).toMatchObject({ version: 1, latest: 2, changedBy: 'carol', changedAt: T0 + 2, createdBy: 'alice' });
    const current = await store.current('r3');
    expect(current).toMatchObject({ version: 1, latest: 2 });
    expect(current?.document).toEqual(DEFAULT_MAPPING);
    expect((await store.list('r3')).map((v) => v.version)).toEqual([1, 2]);
    // The pointer moved: a rollback planned against version 2 is refused, and the next apply is version 3.
    await expect(store.rollback('r3', first, 'dave', T0 + 3, applied)).rejects.toBeInstanceOf(MappingVersionConflict);
    expect((await store.put('r3', withWebsite, 'erin', T0 + 4, 2)).version).toBe(3);
  });

  it('refuses to use a stored document that no longer validates, rather than falling back to the default', async () => {
    const store = new MappingStore(table);
    await table.client.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          ...keys.mappingCurrent('r4'),
          version: 1,
          latest: 1,
          document: JSON.stringify({ version: 1, organization: { fields: {} }, person: null }),
          createdBy: 'x',
          createdAt: T0,
          changedBy: 'x',
          changedAt: T0,
        },
      }),
    );
    await expect(store.current('r4')).rejects.toThrow(
      'stored mapping v1 of r4 is not valid: organization.fields: maps no name',
    );
  });
});
