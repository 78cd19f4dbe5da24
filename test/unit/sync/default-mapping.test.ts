import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../../../functions/sync/canonical-json';
import { DEFAULT_MAPPING, DEFAULT_MAPPING_INPUT } from '../../../functions/sync/default-mapping';
import { fingerprint } from '../../../functions/sync/fingerprint';
import type { MappingFacts, MappingOptions } from '../../../functions/sync/mapping';
import { parseMappingJson } from '../../../functions/sync/mapping-document';
import { mapCustomer } from '../../../functions/sync/mapping-engine';
import { organizationBody, organizationCreateBody, personBody } from '../../../functions/sync/pipedrive-body';
import { CUSTOM_FIELDS } from '../../../functions/sync/pipedrive-fields';
import { QboCustomer } from '../../../functions/sync/qbo-entities';
import { arbitraryCustomer, arbitraryFacts } from '../../helpers/arbitrary-customer';
import {
  fixedFingerprint,
  fixedMapCustomer,
  fixedOrganizationBody,
  fixedPersonBody,
} from '../../helpers/fixed-mapping';

const FIELDS = {
  fieldKeys: Object.fromEntries(CUSTOM_FIELDS.map((field, index) => [field.id, String(index).repeat(40)])),
  fieldOptions: { quickbooksStatus: { Active: 11, Inactive: 12, Merged: 13 } },
};

/** Every Customer record in the recorded QBO payloads, wherever it sits in them. */
function recordedCustomers(): QboCustomer[] {
  const folder = join(__dirname, '..', '..', '..', 'local', 'quickbooks', 'reference');
  const found: QboCustomer[] = [];
  const visit = (value: unknown, underCustomer: boolean): void => {
    if (Array.isArray(value)) for (const item of value) visit(item, underCustomer);
    else if (typeof value === 'object' && value !== null) {
      const parsed = underCustomer ? QboCustomer.safeParse(value) : undefined;
      if (parsed?.success) found.push(parsed.data);
      for (const [key, inner] of Object.entries(value)) visit(inner, key === 'Customer');
    }
  };
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.json')))
    visit(JSON.parse(readFileSync(join(folder, file), 'utf8')), false);
  return found;
}

const OPTIONS: MappingOptions[] = (['rollup', 'separate', 'skip'] as const).map((subCustomers) => ({
  subCustomers,
  qboAppUrl: 'https://app.qbo.intuit.com',
  homeCurrency: 'USD',
}));
const FACTS: MappingFacts[] = [
  { realmId: '9130', status: 'Active', overdueBalance: 0, paymentTerms: undefined },
  { realmId: '4620', status: 'Inactive', overdueBalance: 120.456, paymentTerms: 'Net 30' },
  { realmId: '9130', status: 'Merged', overdueBalance: -3, paymentTerms: '   ' },
];

/** The payloads, bodies and fingerprints of both paths, as canonical JSON, for one customer. */
function bothPaths(customer: QboCustomer, facts: MappingFacts, options: MappingOptions) {
  const fixed = fixedMapCustomer(customer, facts, options);
  const documented = mapCustomer(customer, facts, options, DEFAULT_MAPPING);
  const side = (mapped: unknown, print: string, organization: unknown, person: unknown) =>
    canonicalJson({ mapped, print, organization, person });
  return {
    fixed: side(
      fixed,
      fixedFingerprint(fixed),
      fixedOrganizationBody(fixed.organization, FIELDS),
      fixed.person && fixedPersonBody(fixed.person, 7),
    ),
    documented: side(
      documented,
      fingerprint(documented),
      organizationBody(documented.organization, FIELDS, DEFAULT_MAPPING),
      documented.person && personBody(documented.person, 7, { fields: FIELDS, document: DEFAULT_MAPPING }),
    ),
  };
}

describe('the default mapping document reproduces the fixed mapping it replaced', () => {
  const customers = recordedCustomers();

  it('reads the recorded customers', () => {
    expect(customers.length).toBeGreaterThanOrEqual(10);
  });

  it('gives every recorded customer the same payload, fingerprint and bodies as the fixed code', () => {
    let compared = 0;
    for (const customer of customers)
      for (const facts of FACTS)
        for (const options of OPTIONS) {
          const { fixed, documented } = bothPaths(customer, facts, options);
          expect(documented).toBe(fixed);
          compared += 1;
        }
    expect(compared).toBe(customers.length * FACTS.length * OPTIONS.length);
  });

  it('does the same for arbitrary customers (Unicode, blanks, junk, missing parts)', () => {
    fc.assert(
      fc.property(arbitraryCustomer, arbitraryFacts, fc.constantFrom(...OPTIONS), (customer, facts, options) => {
        const { fixed, documented } = bothPaths(customer, facts, options);
        expect(documented).toBe(fixed);
      }),
      { numRuns: 500 },
    );
  });

  it('creates new records with the update body when the document sets no owner, visibility or labels', () => {
    const customer = customers[0];
    if (!customer) throw new Error('no recorded customer');
    const mapped = mapCustomer(customer, FACTS[0] ?? fail(), OPTIONS[0] ?? fail());
    expect(organizationCreateBody(mapped.organization, FIELDS)).toEqual(organizationBody(mapped.organization, FIELDS));
  });

  it('declares the custom fields the connector already owns, by the same ids, names, types and options', () => {
    const declared = Object.entries(DEFAULT_MAPPING.organization.fields).flatMap(([id, field]) =>
      field.custom ? [{ id, ...field.custom }] : [],
    );
    expect(declared).toEqual(
      CUSTOM_FIELDS.map((field) => ({ ...field, options: field.options && [...field.options] })),
    );
  });

  it('is a valid JSON document as written', () => {
    const parsed = parseMappingJson(JSON.stringify(DEFAULT_MAPPING_INPUT));
    expect(parsed).toEqual({ ok: true, document: DEFAULT_MAPPING });
  });
});

function fail(): never {
  throw new Error('missing fixture');
}
