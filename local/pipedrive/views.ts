import type { FieldDefinition, Organization, Person } from './store';
import { rfc3339 } from './time';

export interface ViewOptions {
  /** The `custom_fields` query parameter: only these keys. */
  customFieldKeys?: readonly string[] | undefined;
  /** `include_option_labels=true`: enum/set values become `{ id, label }`. */
  includeOptionLabels?: boolean | undefined;
  /** `include_fields`: extra computed fields, by name. */
  includeFields?: readonly string[] | undefined;
}

/** The value of an `include_fields` entry for one record (counts, smart BCC address, …). */
export type IncludedValue = (name: string) => unknown;

function included(options: ViewOptions, value: IncludedValue): Record<string, unknown> {
  return Object.fromEntries((options.includeFields ?? []).map((name) => [name, value(name)]));
}

/** Every custom field of the entity appears, null when it holds no value (clients must cope with null). */
function customFieldsView(values: Record<string, unknown>, fields: readonly FieldDefinition[], options: ViewOptions) {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (options.customFieldKeys && !options.customFieldKeys.includes(field.field_code)) continue;
    out[field.field_code] = withLabels(values[field.field_code] ?? null, field, options.includeOptionLabels ?? false);
  }
  return out;
}

function withLabels(value: unknown, field: FieldDefinition, include: boolean): unknown {
  if (!include || value === null) return value;
  const label = (id: unknown) => ({ id, label: field.options?.find((option) => option.id === id)?.label ?? null });
  if (field.field_type === 'enum') return label(value);
  if (field.field_type === 'set' && Array.isArray(value)) return value.map(label);
  return value;
}

/** The v2 organization object ([SPEC2], [MIG]). */
export function organizationView(
  organization: Organization,
  fields: readonly FieldDefinition[],
  options: ViewOptions = {},
  includedValue: IncludedValue = () => null,
): Record<string, unknown> {
  return {
    id: organization.id,
    name: organization.name,
    owner_id: organization.owner_id,
    add_time: rfc3339(organization.add_time),
    update_time: rfc3339(organization.update_time),
    is_deleted: organization.is_deleted,
    visible_to: organization.visible_to,
    picture_id: null,
    address: organization.address ? { ...organization.address } : null,
    label_ids: [...organization.label_ids],
    custom_fields: customFieldsView(organization.custom_fields, fields, options),
    ...included(options, includedValue),
  };
}

/** The v2 person object ([SPEC2], [MIG]). */
export function personView(
  person: Person,
  fields: readonly FieldDefinition[],
  options: ViewOptions = {},
  includedValue: IncludedValue = () => null,
): Record<string, unknown> {
  return {
    id: person.id,
    name: person.name,
    first_name: person.first_name,
    last_name: person.last_name,
    owner_id: person.owner_id,
    org_id: person.org_id,
    add_time: rfc3339(person.add_time),
    update_time: rfc3339(person.update_time),
    emails: person.emails.map((email) => ({ ...email })),
    phones: person.phones.map((phone) => ({ ...phone })),
    is_deleted: person.is_deleted,
    visible_to: person.visible_to,
    label_ids: [...person.label_ids],
    picture_id: null,
    custom_fields: customFieldsView(person.custom_fields, fields, options),
    ...included(options, includedValue),
  };
}
