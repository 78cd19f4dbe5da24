import { TransientError } from '../shared/errors';
import type { CustomFieldId } from './pipedrive-fields';
import type { MappedAddress, MappedOrganization, MappedPerson } from './mapping';
import type { AddressBody, OrganizationBody, PersonBody } from './ports';

/** The connection's custom-field keys and enum option ids, as stored. */
export interface FieldKeys {
  fieldKeys: Readonly<Record<string, string>>;
  fieldOptions: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/**
 * The connection has no key (or option id) yet for one of its Pipedrive custom fields: transient,
 * like any unknown failure before it had a kind (decision 7), so the queue retries it once the
 * fields are ensured.
 */
export class MissingFieldKeyError extends TransientError {
  constructor(message: string) {
    super(message, { system: 'pipedrive', code: 'field_key_missing' });
  }
}

function key(fields: FieldKeys, id: CustomFieldId): string {
  const value = fields.fieldKeys[id];
  if (value === undefined) throw new MissingFieldKeyError(`the Pipedrive field ${id} has no key yet`);
  return value;
}

/** What clears an organization's address in v2: an empty `value`, every part left out (so null, [MIG]); decision 43. */
export const CLEARED_ADDRESS: Readonly<AddressBody> = Object.freeze({ value: '' });

/**
 * The address as the v2 spec types it: an object of strings, never null. A part the mapping has no
 * value for is left out, which Pipedrive stores as null ([MIG]), the same as the mapping's null.
 */
export function addressBody(address: MappedAddress | null): AddressBody {
  if (address === null) return { ...CLEARED_ADDRESS };
  const body: AddressBody = { value: address.value };
  for (const [part, value] of Object.entries(address)) if (value !== null) Object.assign(body, { [part]: value });
  return body;
}

/** The v2 organization body: our field names become the connection's 40-character keys; enums become option ids. */
export function organizationBody(organization: MappedOrganization, fields: FieldKeys): OrganizationBody {
  const statusOption = fields.fieldOptions.quickbooksStatus?.[organization.quickbooksStatus];
  if (statusOption === undefined)
    throw new MissingFieldKeyError(`the QuickBooks status option ${organization.quickbooksStatus} has no id yet`);
  return {
    name: organization.name,
    address: addressBody(organization.address),
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
