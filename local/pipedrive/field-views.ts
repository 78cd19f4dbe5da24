import type { FieldDefinition } from './store';
import { rfc3339 } from './time';

export const FIELD_DETAIL_GROUPS = ['ui_visibility', 'important_fields', 'required_fields'] as const;
export type FieldDetailGroup = (typeof FIELD_DETAIL_GROUPS)[number];

const ADDRESS_SUBFIELDS: readonly [string, string][] = [
  ['value', 'Address value'],
  ['street_number', 'House number'],
  ['route', 'Street/road name'],
  ['subpremise', 'Apartment/suite'],
  ['locality', 'District'],
  ['admin_area_level_1', 'State/province'],
  ['admin_area_level_2', 'County'],
  ['country', 'Country'],
  ['postal_code', 'Postal code'],
  ['formatted_address', 'Formatted address'],
];

/** v2 nests composite parts in `subfields` instead of v1's `<key>_currency` pseudo-fields ([MIG]). */
function subfields(field: FieldDefinition) {
  if (field.field_type === 'monetary') {
    return [
      { field_code: 'value', field_name: `Monetary value of ${field.field_name}`, field_type: 'double' },
      { field_code: 'currency', field_name: `Currency of ${field.field_name}`, field_type: 'varchar' },
    ];
  }
  if (field.field_type === 'address') {
    return ADDRESS_SUBFIELDS.map(([code, name]) => ({
      field_code: code,
      field_name: `${name} of ${field.field_name}`,
      field_type: 'varchar',
    }));
  }
  return null;
}

function detailGroup(field: FieldDefinition, group: FieldDetailGroup): unknown {
  if (group === 'ui_visibility') {
    return {
      add_visible_flag: field.is_custom_field ? false : true,
      details_visible_flag: true,
      org_detail_visible_flag: field.entity === 'organization',
      person_detail_visible_flag: field.entity === 'person',
      deal_detail_visible_flag: false,
      show_in_add_deal_dialog: { show: false, order: null },
      show_in_add_person_dialog: { show: false, order: null },
    };
  }
  if (group === 'important_fields') return { enabled: false, stage_ids: [] };
  return { enabled: field.mandatory };
}

/** The v2 field object ([SPEC2], `organization-fields-v2-list-response.json`). */
export function fieldViewV2(field: FieldDefinition, groups: readonly FieldDetailGroup[]): Record<string, unknown> {
  return {
    field_name: field.field_name,
    field_code: field.field_code,
    field_type: field.field_type,
    options: field.options ? field.options.map((option) => ({ ...option })) : null,
    subfields: subfields(field),
    is_custom_field: field.is_custom_field,
    is_optional_response_field: false,
    ...Object.fromEntries(groups.map((group) => [group, detailGroup(field, group)])),
  };
}

/** v1 times look like `2019-02-04 13:58:03` (UTC). */
function v1Time(epochMs: number): string {
  return rfc3339(epochMs).replace('T', ' ').replace('Z', '');
}

/** The v1 field object: `key` and `name` instead of `field_code` and `field_name` ([SPEC1]). */
export function fieldViewV1(field: FieldDefinition): Record<string, unknown> {
  return {
    id: field.id,
    key: field.field_code,
    name: field.field_name,
    order_nr: field.order_nr,
    field_type: field.field_type,
    add_time: v1Time(field.add_time),
    update_time: v1Time(field.update_time),
    last_updated_by_user_id: 1,
    created_by_user_id: 1,
    active_flag: true,
    edit_flag: field.is_custom_field,
    index_visible_flag: true,
    details_visible_flag: true,
    add_visible_flag: !field.is_custom_field,
    important_flag: false,
    bulk_edit_allowed: true,
    searchable_flag: false,
    filtering_allowed: true,
    sortable_flag: true,
    options: field.options ? field.options.map((option) => ({ ...option })) : null,
    mandatory_flag: field.mandatory,
  };
}
