import { DEFAULT_MAPPING, DEFAULT_MAPPING_INPUT } from '../../../functions/sync/default-mapping';
import { MappingDocument, type MappingDocumentInput } from '../../../functions/sync/mapping-document';
import { type CompanyFacts, mappingRefusals } from '../../../functions/sync/mapping-refusals';
import { CUSTOM_FIELDS } from '../../../functions/sync/pipedrive-fields';

const keyOf = (id: string) => id.padEnd(40, 'k');
/** A company where the connector created its six fields, and a person created a "Website" field by hand. */
const FACTS: CompanyFacts = {
  owned: Object.fromEntries(CUSTOM_FIELDS.map((field) => [field.id, keyOf(field.id)])),
  organizationFields: [
    ...CUSTOM_FIELDS.map((field) => ({ key: keyOf(field.id), name: field.name, type: field.type })),
    { key: keyOf('handmade'), name: 'Website', type: 'varchar' },
  ],
  activeUserIds: new Set([1, 2]),
};
const withOrganizationField = (name: string, field: object, onCreate: object = {}) =>
  MappingDocument.parse({
    ...DEFAULT_MAPPING_INPUT,
    organization: { fields: { ...DEFAULT_MAPPING_INPUT.organization.fields, [name]: field }, onCreate },
  } satisfies MappingDocumentInput);

describe('refusing a mapping document at plan time', () => {
  it('accepts the default document and a new field of its own', () => {
    expect(mappingRefusals(DEFAULT_MAPPING, FACTS)).toEqual([]);
    const ok = withOrganizationField('site', { custom: { name: 'QBO website', type: 'varchar' }, from: 'WebAddr.URI' });
    expect(mappingRefusals(ok, FACTS)).toEqual([]);
  });

  it('refuses a field whose name is a Pipedrive field the connector does not own', () => {
    const document = withOrganizationField('website', {
      custom: { name: 'Website', type: 'varchar' },
      from: 'WebAddr.URI',
    });
    expect(mappingRefusals(document, FACTS)).toEqual([
      'organization.fields.website.custom.name: the Pipedrive field "Website" exists and the connector does not own it',
    ]);
  });

  it('refuses a field of the connector that was deleted in Pipedrive, or whose type changed', () => {
    const deleted = {
      ...FACTS,
      organizationFields: FACTS.organizationFields.filter((f) => f.name !== 'Payment terms'),
    };
    expect(mappingRefusals(DEFAULT_MAPPING, deleted)).toEqual([
      'organization.fields.paymentTerms: its Pipedrive field was deleted in Pipedrive',
    ]);
    const retyped = {
      ...FACTS,
      organizationFields: FACTS.organizationFields.map((f) =>
        f.name === 'Payment terms' ? { ...f, type: 'text' } : f,
      ),
    };
    expect(mappingRefusals(DEFAULT_MAPPING, retyped)).toEqual([
      'organization.fields.paymentTerms.custom.type: the Pipedrive field "Payment terms" is of type text',
    ]);
  });

  it('refuses an owner who is not an active Pipedrive user, and person custom fields', () => {
    const document = MappingDocument.parse({
      ...DEFAULT_MAPPING_INPUT,
      organization: { ...DEFAULT_MAPPING_INPUT.organization, onCreate: { owner_id: 2 } },
      person: {
        fields: {
          ...DEFAULT_MAPPING_INPUT.person.fields,
          role: { custom: { name: 'Role', type: 'varchar' }, constant: 'x' },
        },
        onCreate: { owner_id: 7 },
      },
    } satisfies MappingDocumentInput);
    expect(mappingRefusals(document, FACTS)).toEqual([
      'person.fields.role.custom: the connector cannot create person custom fields',
      'person.onCreate.owner_id: 7 is not an active Pipedrive user',
    ]);
  });
});
