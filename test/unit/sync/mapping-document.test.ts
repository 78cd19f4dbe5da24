import { DEFAULT_MAPPING_INPUT } from '../../../functions/sync/default-mapping';
import { parseMappingDocument, parseMappingJson } from '../../../functions/sync/mapping-document';

/** The default document with some organization fields added (or replaced). */
function withOrganizationFields(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    ...DEFAULT_MAPPING_INPUT,
    organization: {
      ...DEFAULT_MAPPING_INPUT.organization,
      fields: { ...DEFAULT_MAPPING_INPUT.organization.fields, ...fields },
    },
  };
}

function errorsOf(input: unknown): string[] {
  const parsed = parseMappingDocument(input);
  return parsed.ok ? [] : parsed.errors;
}

describe('the mapping document', () => {
  it('accepts the website as a new custom text field', () => {
    const parsed = parseMappingDocument(
      withOrganizationFields({ website: { custom: { name: 'Website', type: 'varchar' }, from: 'WebAddr.URI' } }),
    );
    expect(parsed.ok).toBe(true);
  });

  it('names the path of an unknown QBO field, one line per problem', () => {
    expect(
      errorsOf(
        withOrganizationFields({ website: { custom: { name: 'Website', type: 'varchar' }, from: 'WebAddr.URL' } }),
      ),
    ).toEqual(['organization.fields.website.from: unknown QBO Customer field "WebAddr.URL"']);
  });

  it('reports every problem of a bad document at once, each naming its path', () => {
    const errors = errorsOf({
      ...withOrganizationFields({
        website: { from: 'WebAddr.URI' },
        tier: {
          custom: { name: 'Tier', type: 'enum', options: ['Gold', 'Silver'] },
          from: 'CustomerTypeRef.name',
          lookup: { '1': 'Bronze' },
        },
        balance: { custom: { name: 'Balance', type: 'date' }, from: 'Balance' },
        both: { custom: { name: 'Both', type: 'varchar' }, from: 'Notes', constant: 'x' },
        greeting: { custom: { name: 'Greeting', type: 'varchar' }, template: 'Dear {Givenname}' },
        shipTo: { custom: { name: 'Ship to', type: 'varchar' }, from: 'ShipAddr' },
        derived: { custom: { name: 'Derived', type: 'varchar' }, from: '$nothing' },
        address: { custom: { name: 'Address', type: 'address' }, from: 'BillAddr' },
      }),
      person: { fields: { emails: { from: '$emails' } }, onCreate: { visible_to: 2, owner_id: -1 } },
      extra: true,
    });
    expect(errors.sort()).toEqual(
      [
        '(document): Unrecognized key: "extra"',
        'organization.fields.website.custom: required: "website" is not a standard Pipedrive organization field (name, address)',
        'organization.fields.tier.lookup.1: "Bronze" is not one of the options (Gold, Silver)',
        'organization.fields.balance.from: a number value cannot fill a date field',
        'organization.fields.both: gives several values (from, constant): give one',
        'organization.fields.greeting.template: unknown QBO Customer field "Givenname"',
        'organization.fields.shipTo.from: an address value cannot fill a varchar field',
        'organization.fields.derived.from: unknown derived value "$nothing"',
        'organization.fields.address.custom: "address" is a standard field: it takes no custom definition',
        'person.fields: maps no name',
        'person.onCreate.visible_to: must be one of 1, 3, 5, 7',
        'person.onCreate.owner_id: Too small: expected number to be >0',
      ].sort(),
    );
    for (const error of errors) expect(error).not.toContain('\n');
  });

  it('asks enum and set fields for their options, and only them', () => {
    expect(
      errorsOf(
        withOrganizationFields({
          kind: { custom: { name: 'Kind', type: 'set' }, constant: 'A' },
          note: { custom: { name: 'Note', type: 'text', options: ['A'] }, from: 'Notes' },
        }),
      ),
    ).toEqual([
      'organization.fields.kind.custom.options: required for set fields',
      'organization.fields.note.custom.options: only enum and set fields have options',
    ]);
  });

  it('reads JSON text, and says so in one line when it is not JSON', () => {
    expect(parseMappingJson(JSON.stringify(DEFAULT_MAPPING_INPUT)).ok).toBe(true);
    const broken = parseMappingJson('{"version": 1,');
    expect(broken.ok ? [] : broken.errors).toEqual([expect.stringMatching(/^\(document\): not JSON: /)]);
  });

  it('lets the person section be null: no person is made', () => {
    expect(parseMappingDocument({ ...DEFAULT_MAPPING_INPUT, person: null }).ok).toBe(true);
  });
});
