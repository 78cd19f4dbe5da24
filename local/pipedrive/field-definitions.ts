import { createHash } from 'node:crypto';
import type { FieldDefinition, FieldEntity, FieldOption, PipedriveStore } from './store';

interface SystemField {
  field_code: string;
  field_name: string;
  field_type: string;
  mandatory?: boolean;
}

/** The built-in fields listed before custom ones (a subset of what Pipedrive lists). */
const SYSTEM_FIELDS: Readonly<Record<FieldEntity, readonly SystemField[]>> = {
  organization: [
    { field_code: 'name', field_name: 'Name', field_type: 'varchar', mandatory: true },
    { field_code: 'owner_id', field_name: 'Owner', field_type: 'user' },
    { field_code: 'address', field_name: 'Address', field_type: 'address' },
    { field_code: 'label_ids', field_name: 'Labels', field_type: 'set' },
    { field_code: 'visible_to', field_name: 'Visible to', field_type: 'visible_to' },
    { field_code: 'add_time', field_name: 'Organization created', field_type: 'date' },
    { field_code: 'update_time', field_name: 'Update time', field_type: 'date' },
  ],
  person: [
    { field_code: 'name', field_name: 'Name', field_type: 'varchar', mandatory: true },
    { field_code: 'first_name', field_name: 'First name', field_type: 'varchar' },
    { field_code: 'last_name', field_name: 'Last name', field_type: 'varchar' },
    { field_code: 'org_id', field_name: 'Organization', field_type: 'org' },
    { field_code: 'emails', field_name: 'Email', field_type: 'varchar' },
    { field_code: 'phones', field_name: 'Phone', field_type: 'phone' },
    { field_code: 'owner_id', field_name: 'Owner', field_type: 'user' },
  ],
};

/** Puts the system fields in a fresh store. */
export function installSystemFields(store: PipedriveStore, now: number): void {
  for (const entity of ['organization', 'person'] as const) {
    for (const system of SYSTEM_FIELDS[entity]) {
      store.fields.push({
        id: store.nextId('field'),
        entity,
        field_code: system.field_code,
        field_name: system.field_name,
        field_type: system.field_type,
        options: null,
        is_custom_field: false,
        mandatory: system.mandatory ?? false,
        order_nr: store.fields.filter((field) => field.entity === entity).length + 1,
        add_time: now,
        update_time: now,
      });
    }
  }
}

export interface NewCustomField {
  entity: FieldEntity;
  field_name: string;
  field_type: string;
  optionLabels?: readonly string[];
}

/** Adds a custom field keyed, like Pipedrive's, by a 40-character hex hash unique to this company. */
export function addCustomField(store: PipedriveStore, companyId: number, input: NewCustomField, now: number) {
  const id = store.nextId('field');
  const fieldCode = createHash('sha1').update(`${companyId}/${input.entity}/${id}/${input.field_name}`).digest('hex');
  const options: FieldOption[] | null =
    input.optionLabels === undefined
      ? null
      : input.optionLabels.map((label) => ({ id: store.nextId('option'), label }));
  const field: FieldDefinition = {
    id,
    entity: input.entity,
    field_code: fieldCode,
    field_name: input.field_name,
    field_type: input.field_type,
    options,
    is_custom_field: true,
    mandatory: false,
    order_nr: store.fields.filter((candidate) => candidate.entity === input.entity).length + 1,
    add_time: now,
    update_time: now,
  };
  store.fields.push(field);
  return field;
}

/** Removes a custom field and every value stored under its key. */
export function deleteCustomField(store: PipedriveStore, field: FieldDefinition): void {
  const index = store.fields.indexOf(field);
  if (index >= 0) store.fields.splice(index, 1);
  const records = field.entity === 'organization' ? store.organizations.values() : store.persons.values();
  for (const record of records) Reflect.deleteProperty(record.custom_fields, field.field_code);
}
