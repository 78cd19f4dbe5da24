import { TransientError } from '../shared/errors';
import { DEFAULT_MAPPING } from './default-mapping';
import type { MappedFieldType } from './mapping-catalog';
import type { EntityMapping, MappingDocument } from './mapping-document';
import type { MappedRecord } from './mapping-engine';
import type { MappedAddress } from './mapping';
import { isAddress, isContacts, type MappedValue } from './mapping-shape';
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

function key(fields: FieldKeys, id: string): string {
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

/** A mapped value as Pipedrive takes it in `custom_fields`: enum and set labels become option ids (v2). */
function customValue(fields: FieldKeys, id: string, type: MappedFieldType, value: MappedValue): unknown {
  if (value === null) return null;
  if (type === 'address') return isAddress(value) ? addressBody(value) : null;
  if (type !== 'enum' && type !== 'set') return value;
  const optionId = (label: string): number => {
    const found = fields.fieldOptions[id]?.[label];
    if (found === undefined) throw new MissingFieldKeyError(`the ${id} option ${label} has no id yet`);
    return found;
  };
  const labels = Array.isArray(value) ? value : [value];
  const ids = labels.flatMap((label) => (typeof label === 'string' ? [optionId(label)] : []));
  return type === 'enum' ? ids[0] : ids;
}

/** The standard fields and `custom_fields` of a mapped record, by the document's field names. */
function recordBody(record: MappedRecord, mapping: EntityMapping, fields: FieldKeys) {
  const standard: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(mapping.fields)) {
    const value = record[name] ?? null;
    if (field.custom) custom[key(fields, name)] = customValue(fields, name, field.custom.type, value);
    else if (name === 'address') standard.address = addressBody(isAddress(value) ? value : null);
    else if (name === 'emails' || name === 'phones') standard[name] = isContacts(value) ? value : [];
  }
  return { standard, custom };
}

/** What the document sets on records the connector creates only (owner, visibility, labels). */
function onCreateBody(mapping: EntityMapping): Pick<OrganizationBody, 'owner_id' | 'visible_to' | 'label_ids'> {
  const { owner_id, visible_to, label_ids } = mapping.onCreate;
  return {
    ...(owner_id !== undefined ? { owner_id } : {}),
    ...(visible_to !== undefined ? { visible_to } : {}),
    ...(label_ids !== undefined ? { label_ids } : {}),
  };
}

/** The v2 organization body: the document's field names become the connection's 40-character keys; enums become option ids. */
export function organizationBody(
  organization: MappedRecord,
  fields: FieldKeys,
  document: MappingDocument = DEFAULT_MAPPING,
): OrganizationBody {
  const { standard, custom } = recordBody(organization, document.organization, fields);
  return { name: organization.name, ...standard, custom_fields: custom };
}

/** The body that creates an organization: the update body and the document's owner, visibility and labels. */
export function organizationCreateBody(
  organization: MappedRecord,
  fields: FieldKeys,
  document: MappingDocument = DEFAULT_MAPPING,
): OrganizationBody {
  return { ...organizationBody(organization, fields, document), ...onCreateBody(document.organization) };
}

/** The v2 person body; `created` adds the document's owner, visibility and labels for a new person. */
export function personBody(
  person: MappedRecord,
  orgId: number,
  options: { fields: FieldKeys; document?: MappingDocument; created?: boolean },
): PersonBody {
  const mapping = (options.document ?? DEFAULT_MAPPING).person;
  if (!mapping) return { name: person.name, org_id: orgId };
  const { standard, custom } = recordBody(person, mapping, options.fields);
  return {
    name: person.name,
    org_id: orgId,
    ...standard,
    ...(Object.keys(custom).length > 0 ? { custom_fields: custom } : {}),
    ...(options.created ? onCreateBody(mapping) : {}),
  };
}
