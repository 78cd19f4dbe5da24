import type { ValueKind } from './mapping-catalog';
import type { FieldMapping } from './mapping-document';
import { clip, type Contact, type MappedAddress, type Money } from './mapping';
import type { SourceValue } from './mapping-values';

/** A mapped field's value as pushed and fingerprinted: set fields hold their option labels. */
export type MappedValue = SourceValue | string[];

/** Pipedrive's limit on large text fields (FACTS: ≤65k; taken lower, as the exact figure is unverified). */
const LARGE_TEXT_LIMIT = 65_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

export function isAddress(value: MappedValue | undefined): value is MappedAddress {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'route' in value;
}

export function isMoney(value: MappedValue | undefined): value is Money {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'currency' in value;
}

export function isContacts(value: MappedValue | undefined): value is Contact[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'object');
}

function text(value: SourceValue): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function number(value: SourceValue): number | null {
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof parsed === 'number' && Number.isFinite(parsed) ? parsed : null;
}

function monetary(value: SourceValue, currency: string): Money | null {
  if (isMoney(value)) return value;
  const amount = number(value);
  return amount === null ? null : { value: Math.round(amount * 100) / 100, currency };
}

function option(value: SourceValue, options: readonly string[]): string | null {
  const label = text(value)?.trim();
  return label !== undefined && options.includes(label) ? label : null;
}

function clipped(value: SourceValue, limit?: number): string | null {
  const raw = text(value);
  return raw === null ? null : clip(raw, limit);
}

/** A value shaped for a custom field of the given type: whatever does not fit becomes null. */
function shapeCustom(value: SourceValue, custom: NonNullable<FieldMapping['custom']>, currency: string): MappedValue {
  switch (custom.type) {
    case 'varchar':
    case 'phone':
      return clipped(value);
    case 'text':
      return clipped(value, LARGE_TEXT_LIMIT);
    case 'double':
      return number(value);
    case 'monetary':
      return monetary(value, currency);
    case 'enum':
      return option(value, custom.options ?? []);
    case 'set': {
      const label = option(value, custom.options ?? []);
      return label === null ? null : [label];
    }
    case 'date': {
      const date = text(value)?.trim();
      return date !== undefined && ISO_DATE.test(date) ? date.slice(0, 10) : null;
    }
    case 'address':
      return isAddress(value) ? value : null;
  }
}

/** A value shaped for a standard field of the given kind. */
function shapeStandard(value: SourceValue, kind: ValueKind): MappedValue {
  if (kind === 'address') return isAddress(value) ? value : null;
  if (kind === 'emails' || kind === 'phones') return isContacts(value) ? value : [];
  return clipped(value);
}

export function shapeValue(
  value: SourceValue,
  target: { custom: FieldMapping['custom']; standard: ValueKind | undefined },
  currency: string,
): MappedValue {
  if (target.custom) return shapeCustom(value, target.custom, currency);
  return shapeStandard(value, target.standard ?? 'text');
}
