import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { loadSpec } from '../../../local/pipedrive/openapi/spec-files';
import { PipedriveSpecCheck } from '../../../local/conformance/pipedrive-spec-check';
import type { RecordedExchange } from '../../../local/conformance/recorded-exchange';
import {
  OrganizationCreate,
  OrganizationPatch,
  PersonCreate,
  PersonPatch,
} from '../../../functions/pipedrive/entities';
import { DEFAULT_MAPPING_INPUT } from '../../../functions/sync/default-mapping';
import type { MappingOptions } from '../../../functions/sync/mapping';
import { STANDARD_FIELDS } from '../../../functions/sync/mapping-catalog';
import {
  type MappingDocument,
  type MappingDocumentInput,
  parseMappingDocument,
} from '../../../functions/sync/mapping-document';
import { mapCustomer } from '../../../functions/sync/mapping-engine';
import {
  MissingFieldKeyError,
  organizationBody,
  organizationCreateBody,
  personBody,
} from '../../../functions/sync/pipedrive-body';
import { QboCustomer } from '../../../functions/sync/qbo-entities';

const OPTIONS: MappingOptions = {
  subCustomers: 'rollup',
  qboAppUrl: 'https://app.qbo.intuit.com',
  homeCurrency: 'USD',
};
const FACTS = { realmId: '9130', status: 'Active' as const, overdueBalance: 0, paymentTerms: undefined };
const recorded = (
  JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', 'local', 'quickbooks', 'reference', 'query-customers.json'), 'utf8'),
  ) as { QueryResponse: { Customer: unknown[] } }
).QueryResponse.Customer.map((c) => QboCustomer.parse(c));
/** Amy's Bird Sanctuary: Taxable, PreferredDeliveryMethod Print, created 2015-10-01, one phone and e-mail. */
const amy = recorded.find((c) => c.Id === '1') ?? QboCustomer.parse({});

function document(input: MappingDocumentInput): MappingDocument {
  const parsed = parseMappingDocument(input);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.document;
}

/** A document that fills a custom field of every common type, with every transform. */
const SALES: MappingDocument = document({
  version: 1,
  organization: {
    fields: {
      ...DEFAULT_MAPPING_INPUT.organization.fields,
      website: { custom: { name: 'Website', type: 'varchar' }, from: 'WebAddr.URI', default: 'none given' },
      notes: { custom: { name: 'Notes', type: 'text' }, from: 'Notes' },
      delivery: {
        custom: { name: 'Delivery', type: 'enum', options: ['Paper', 'E-mail', 'Other'] },
        from: 'PreferredDeliveryMethod',
        lookup: { Print: 'Paper', Email: 'E-mail' },
        default: 'Other',
      },
      tax: { custom: { name: 'Tax', type: 'set', options: ['Taxable'] }, from: 'Taxable', lookup: { true: 'Taxable' } },
      balance: { custom: { name: 'Balance', type: 'double' }, from: 'Balance' },
      balanceMoney: { custom: { name: 'Balance (money)', type: 'monetary' }, from: 'Balance' },
      since: { custom: { name: 'Customer since', type: 'date' }, from: 'MetaData.CreateTime' },
      mainPhone: { custom: { name: 'Main phone', type: 'phone' }, from: 'PrimaryPhone.FreeFormNumber' },
      shipping: { custom: { name: 'Shipping address', type: 'address' }, from: 'ShipAddr' },
      contact: {
        custom: { name: 'Contact', type: 'varchar' },
        join: { from: ['GivenName', 'MiddleName', 'FamilyName'] },
      },
      source: { custom: { name: 'Source', type: 'varchar' }, constant: 'QuickBooks' },
      greeting: { custom: { name: 'Greeting', type: 'varchar' }, template: 'Dear {GivenName} of {CompanyName}' },
    },
    onCreate: { owner_id: 42, visible_to: 3, label_ids: [5, 6] },
  },
  person: {
    fields: {
      ...DEFAULT_MAPPING_INPUT.person.fields,
      role: { custom: { name: 'Role', type: 'varchar' }, from: 'Title', default: 'Accounts' },
    },
    onCreate: { owner_id: 42 },
  },
});

const FIELD_NAMES = [...Object.keys(SALES.organization.fields), 'role'];
const FIELDS = {
  fieldKeys: Object.fromEntries(FIELD_NAMES.map((name, index) => [name, `k${String(index).padStart(39, '0')}`])),
  fieldOptions: {
    quickbooksStatus: { Active: 1, Inactive: 2, Merged: 3 },
    delivery: { Paper: 21, 'E-mail': 22, Other: 23 },
    tax: { Taxable: 31 },
  },
};
const keyOf = (name: string) => FIELDS.fieldKeys[name] ?? '';

describe('mapping by a document', () => {
  it('fills custom fields of every common type through every transform', () => {
    const { organization, person } = mapCustomer(amy, FACTS, OPTIONS, SALES);
    expect(organization).toMatchObject({
      name: "Amy's Bird Sanctuary",
      website: 'none given',
      notes: null,
      delivery: 'Paper',
      tax: ['Taxable'],
      balance: 639,
      balanceMoney: { value: 639, currency: 'USD' },
      since: '2015-10-01',
      mainPhone: '(650) 555-3311',
      shipping: { value: '4581 Finch St., Bayshore, CA 94326', route: 'Finch St.', street_number: '4581' },
      contact: 'Amy Lauterbach',
      source: 'QuickBooks',
      greeting: "Dear Amy of Amy's Bird Sanctuary",
    });
    expect(person).toMatchObject({ name: 'Amy Lauterbach', role: 'Accounts' });
  });

  it('falls back to the default for a value the lookup does not list, and leaves a set empty without one', () => {
    const emailed = QboCustomer.parse({ ...amy, PreferredDeliveryMethod: 'Carrier pigeon', Taxable: false });
    expect(mapCustomer(emailed, FACTS, OPTIONS, SALES).organization).toMatchObject({ delivery: 'Other', tax: null });
  });

  it('writes enum and set options as ids, and the owner, visibility and labels on creates only', () => {
    const { organization, person } = mapCustomer(amy, FACTS, OPTIONS, SALES);
    const update = organizationBody(organization, FIELDS, SALES);
    expect(update.custom_fields).toMatchObject({ [keyOf('delivery')]: 21, [keyOf('tax')]: [31] });
    expect(update.custom_fields[keyOf('shipping')]).toEqual({
      value: '4581 Finch St., Bayshore, CA 94326',
      street_number: '4581',
      route: 'Finch St.',
      locality: 'Bayshore',
      admin_area_level_1: 'CA',
      postal_code: '94326',
    });
    expect(update).not.toHaveProperty('owner_id');
    expect(organizationCreateBody(organization, FIELDS, SALES)).toMatchObject({
      owner_id: 42,
      visible_to: 3,
      label_ids: [5, 6],
    });
    if (!person) throw new Error('no person');
    const fields = { fields: FIELDS, document: SALES };
    expect(personBody(person, 9, fields)).toEqual({
      name: 'Amy Lauterbach',
      org_id: 9,
      emails: [{ value: 'Birds@Intuit.com', primary: true, label: 'work' }],
      phones: [{ value: '(650) 555-3311', primary: true, label: 'work' }],
      custom_fields: { [keyOf('role')]: 'Accounts' },
    });
    expect(personBody(person, 9, { ...fields, created: true })).toMatchObject({ owner_id: 42 });
  });

  it('waits for an option id it does not have yet, as for a missing field key', () => {
    const { organization } = mapCustomer(amy, FACTS, OPTIONS, SALES);
    const fields = { ...FIELDS, fieldOptions: { ...FIELDS.fieldOptions, delivery: {} } };
    expect(() => organizationBody(organization, fields, SALES)).toThrow(MissingFieldKeyError);
  });

  it('makes no person when the document has none', () => {
    const none = document({ ...DEFAULT_MAPPING_INPUT, person: null });
    expect(mapCustomer(amy, FACTS, OPTIONS, none).person).toBeNull();
  });

  it('sends bodies valid against the adapter schemas and Pipedrive’s official v2 spec, for every recorded customer', () => {
    const check = new PipedriveSpecCheck();
    const exchange = (method: string, path: string, body: unknown): RecordedExchange => ({
      method,
      url: `http://127.0.0.1:1/api/v2/${path}`,
      requestContentType: 'application/json',
      requestBody: JSON.stringify(body),
      authenticated: true,
      status: 500,
      responseContentType: 'application/json',
      responseBody: '{}',
      faulted: true,
    });
    for (const customer of recorded) {
      const { organization, person } = mapCustomer(customer, FACTS, OPTIONS, SALES);
      const create = organizationCreateBody(organization, FIELDS, SALES);
      const update = organizationBody(organization, FIELDS, SALES);
      expect(OrganizationCreate.safeParse(create).error).toBeUndefined();
      expect(OrganizationPatch.safeParse(update).error).toBeUndefined();
      expect(check.check(exchange('POST', 'organizations', create)).problems).toEqual([]);
      expect(check.check(exchange('PATCH', 'organizations/7', update)).problems).toEqual([]);
      if (!person) continue;
      const personCreate = personBody(person, 7, { fields: FIELDS, document: SALES, created: true });
      expect(PersonCreate.safeParse(personCreate).error).toBeUndefined();
      expect(PersonPatch.safeParse(personBody(person, 7, { fields: FIELDS, document: SALES })).error).toBeUndefined();
      expect(check.check(exchange('POST', 'persons', personCreate)).problems).toEqual([]);
    }
  });
});

describe('the standard fields a document may map', () => {
  const Property = z.looseObject({ type: z.string().optional() });
  const CreateBody = z.looseObject({
    post: z.looseObject({
      requestBody: z.looseObject({
        content: z.looseObject({
          'application/json': z.looseObject({ schema: z.looseObject({ properties: z.record(z.string(), Property) }) }),
        }),
      }),
    }),
  });
  const spec = z.looseObject({ paths: z.record(z.string(), z.unknown()) }).parse(loadSpec('v2'));
  const JSON_TYPE = { text: 'string', address: 'object', emails: 'array', phones: 'array' } as const;

  it.each([
    ['organization', '/organizations'],
    ['person', '/persons'],
  ] as const)('are typed as Pipedrive’s v2 spec types the %s create body', (entity, path) => {
    const properties = CreateBody.parse(spec.paths[path]).post.requestBody.content['application/json'].schema
      .properties;
    for (const [name, kind] of Object.entries(STANDARD_FIELDS[entity]))
      expect([name, properties[name]?.type]).toEqual([name, JSON_TYPE[kind]]);
    expect([properties.owner_id?.type, properties.visible_to?.type, properties.label_ids?.type]).toEqual([
      'integer',
      'integer',
      'array',
    ]);
  });
});
