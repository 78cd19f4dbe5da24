import type { CustomFieldId } from './pipedrive-fields';
import type { MappedOrganization, MappedPerson } from './mapping';
import type { OrganizationBody, PersonBody } from './ports';

/** The connection's custom-field keys and enum option ids, as stored. */
export interface FieldKeys {
  fieldKeys: Readonly<Record<string, string>>;
  fieldOptions: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export class MissingFieldKeyError extends Error {}

function key(fields: FieldKeys, id: CustomFieldId): string {
  const value = fields.fieldKeys[id];
  if (value === undefined) throw new MissingFieldKeyError(`the Pipedrive field ${id} has no key yet`);
  return value;
}

/** The v2 organization body: our field names become the connection's 40-character keys; enums become option ids. */
export function organizationBody(organization: MappedOrganization, fields: FieldKeys): OrganizationBody {
  const statusOption = fields.fieldOptions.quickbooksStatus?.[organization.quickbooksStatus];
  if (statusOption === undefined)
    throw new MissingFieldKeyError(`the QuickBooks status option ${organization.quickbooksStatus} has no id yet`);
  return {
    name: organization.name,
    address: organization.address,
    custom_fields: {
      [key(fields, 'quickbooksId')]: organization.quickbooksId,
      [key(fields, 'openBalance')]: organization.openBalance,
      [key(fields, 'overdueBalance')]: organization.overdueBalance,
      [key(fields, 'paymentTerms')]: organization.paymentTerms,
      [key(fields, 'quickbooksStatus')]: statusOption,
      [key(fields, 'quickbooksLink')]: organization.quickbooksLink,
    },
  };
}

export function personBody(person: MappedPerson, orgId: number): PersonBody {
  return { name: person.name, org_id: orgId, emails: person.emails, phones: person.phones };
}
