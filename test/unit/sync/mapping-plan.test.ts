import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKEN_COSTS } from '../../../functions/pipedrive/token-costs.generated';
import { DEFAULT_MAPPING, DEFAULT_MAPPING_INPUT } from '../../../functions/sync/default-mapping';
import type { MappingOptions } from '../../../functions/sync/mapping';
import { type MappingDocumentInput, MappingDocument } from '../../../functions/sync/mapping-document';
import { type MappingCallCosts, mappingPlanCsv, planMapping, planPairs } from '../../../functions/sync/mapping-plan';
import { mapCustomer } from '../../../functions/sync/mapping-engine';
import { QboCustomer } from '../../../functions/sync/qbo-entities';

const OPTIONS: MappingOptions = {
  subCustomers: 'rollup',
  qboAppUrl: 'https://app.qbo.intuit.com',
  homeCurrency: 'USD',
};
const COSTS: MappingCallCosts = {
  updateOrganization: TOKEN_COSTS.v2['PATCH /organizations/{id}'],
  updatePerson: TOKEN_COSTS.v2['PATCH /persons/{id}'],
  createPerson: TOKEN_COSTS.v2['POST /persons'],
  createOrganizationField: TOKEN_COSTS.v2['POST /organizationFields'],
  // Not in the used operations yet; taken as the organization field's cost.
  createPersonField: TOKEN_COSTS.v2['POST /organizationFields'],
};
const customers = (
  JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', 'local', 'quickbooks', 'reference', 'query-customers.json'), 'utf8'),
  ) as { QueryResponse: { Customer: unknown[] } }
).QueryResponse.Customer.map((c) => QboCustomer.parse(c));
const LINKED = customers.map((customer) => ({
  customer,
  facts: { realmId: '9130', status: 'Active' as const, overdueBalance: 0, paymentTerms: undefined },
}));
const doc = (input: MappingDocumentInput) => MappingDocument.parse(input);
const withWebsite = doc({
  ...DEFAULT_MAPPING_INPUT,
  organization: {
    fields: {
      ...DEFAULT_MAPPING_INPUT.organization.fields,
      website: { custom: { name: 'Website', type: 'varchar' }, from: 'WebAddr.URI' },
    },
  },
});

describe('planning a mapping change', () => {
  it('changes nothing and costs nothing when the document is the same', () => {
    expect(planMapping(DEFAULT_MAPPING, DEFAULT_MAPPING, LINKED, OPTIONS, COSTS)).toEqual({
      organizationsChanged: 0,
      personsChanged: 0,
      personsCreated: 0,
      fieldChanges: {},
      fieldsToCreate: [],
      tokens: 0,
      rows: [],
    });
  });

  it('counts the organizations a new field fills, and the field it creates', () => {
    const withUri = customers.filter((c) => (c.WebAddr?.URI ?? '').trim() !== '').length;
    expect(withUri).toBeGreaterThan(0);
    expect(withUri).toBeLessThan(customers.length);
    const plan = planMapping(DEFAULT_MAPPING, withWebsite, LINKED, OPTIONS, COSTS);
    expect(plan).toEqual({
      organizationsChanged: withUri,
      personsChanged: 0,
      personsCreated: 0,
      fieldChanges: { 'organization.website': withUri },
      fieldsToCreate: ['organization.website'],
      tokens: withUri * 5 + 5,
      rows: [],
    });
  });

  it('counts persons updated and created, per field', () => {
    const withRole = doc({
      ...DEFAULT_MAPPING_INPUT,
      person: {
        fields: {
          ...DEFAULT_MAPPING_INPUT.person.fields,
          role: { custom: { name: 'Role', type: 'varchar' }, constant: 'Accounts' },
        },
      },
    });
    const reachable = planMapping(
      doc({ ...DEFAULT_MAPPING_INPUT, person: null }),
      DEFAULT_MAPPING,
      LINKED,
      OPTIONS,
      COSTS,
    );
    expect(reachable.personsCreated).toBeGreaterThan(0);
    expect(reachable.tokens).toBe(reachable.personsCreated * 5);
    const plan = planMapping(DEFAULT_MAPPING, withRole, LINKED, OPTIONS, COSTS);
    expect(plan).toMatchObject({
      organizationsChanged: 0,
      personsChanged: reachable.personsCreated,
      fieldChanges: { 'person.role': reachable.personsCreated },
      fieldsToCreate: ['person.role'],
      tokens: reachable.personsCreated * 5 + 5,
    });
    // Dropping persons changes no Pipedrive record: the sync leaves a linked person as it is.
    expect(
      planMapping(DEFAULT_MAPPING, doc({ ...DEFAULT_MAPPING_INPUT, person: null }), LINKED, OPTIONS, COSTS).tokens,
    ).toBe(0);
  });

  it('plans from what each link pushed: one row per changing customer, the field listing priced, and a CSV', () => {
    const mapCustomerOf = (customer: QboCustomer, document: MappingDocument) =>
      mapCustomer(
        customer,
        { realmId: '9130', status: 'Active', overdueBalance: 0, paymentTerms: undefined },
        OPTIONS,
        document,
      );
    const pairs = customers.map((customer, index) => {
      const before = mapCustomerOf(customer, DEFAULT_MAPPING);
      return {
        before,
        after: mapCustomerOf(customer, withWebsite),
        hasPerson: before.person !== null,
        qboId: customer.Id,
        orgId: 100 + index,
      };
    });
    const plan = planPairs(DEFAULT_MAPPING, withWebsite, pairs, { ...COSTS, listOrganizationFields: 10 });
    const withUri = customers.filter((c) => (c.WebAddr?.URI ?? '').trim() !== '');
    expect(plan.tokens).toBe(withUri.length * 5 + 5 + 10);
    expect(plan.rows.map((row) => row.qboId)).toEqual(withUri.map((c) => c.Id));
    expect(plan.rows[0]).toMatchObject({ organizationFields: ['website'], personFields: [], person: 'none' });
    const csv = mappingPlanCsv(plan.rows).trimEnd().split('\n');
    expect(csv[0]).toBe('qbo_id,org_id,organization,organization_fields,person_fields,person');
    expect(csv).toHaveLength(withUri.length + 1);
    expect(csv[1]).toContain(',website,,none');
  });
});
