import type { DerivedValue } from './mapping-catalog';
import { isDerivedValue } from './mapping-catalog';
import { templatePlaceholders } from './mapping-document-checks';
import type { FieldMapping } from './mapping-document';
import {
  type Contact,
  mapAddress,
  type MappedAddress,
  type MappingFacts,
  type MappingOptions,
  type Money,
} from './mapping';
import type { QboCustomer } from './qbo-entities';

/** A value before it is shaped for its target field. */
export type SourceValue = string | number | boolean | Money | MappedAddress | Contact[] | null;

/** What a mapping reads: the customer, what the connector knows besides, and the derived values. */
export interface MappingInput {
  customer: QboCustomer;
  facts: MappingFacts;
  options: MappingOptions;
  derived: Readonly<Record<DerivedValue, SourceValue>>;
}

const WHOLE_ADDRESSES = new Set(['BillAddr', 'ShipAddr']);

/** A documented Customer path, read from the (lenient) record: a missing or odd-typed value is null. */
function readPath(customer: QboCustomer, path: string): SourceValue {
  if (WHOLE_ADDRESSES.has(path)) return mapAddress(path === 'BillAddr' ? customer.BillAddr : customer.ShipAddr);
  let value: unknown = customer;
  for (const segment of path.split('.')) {
    if (typeof value !== 'object' || value === null) return null;
    value = Reflect.get(value, segment);
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}

export function readSource(input: MappingInput, source: string): SourceValue {
  return isDerivedValue(source) ? input.derived[source] : readPath(input.customer, source);
}

export function isEmpty(value: SourceValue): boolean {
  if (value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  return Array.isArray(value) && value.length === 0;
}

function asText(value: SourceValue): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function produce(input: MappingInput, field: FieldMapping): SourceValue {
  if (field.from !== undefined) return readSource(input, field.from);
  if (field.constant !== undefined) return field.constant;
  if (field.join) {
    const parts = field.join.from.map((source) => asText(readSource(input, source))).filter((part) => part !== '');
    return parts.join(field.join.separator);
  }
  const template = field.template ?? '';
  let out = template;
  for (const source of new Set(templatePlaceholders(template)))
    out = out.replaceAll(`{${source}}`, asText(readSource(input, source)));
  return out.trim();
}

/** The field's value after its transform, lookup and default, before it is shaped for its target. */
export function fieldValue(input: MappingInput, field: FieldMapping): SourceValue {
  let value = produce(input, field);
  if (field.lookup) {
    const key = asText(value);
    value = Object.hasOwn(field.lookup, key) ? (field.lookup[key] ?? null) : null;
  }
  if (field.default !== undefined && isEmpty(value)) value = field.default;
  return value;
}
