import { canonicalJson } from './canonical-json';
import type { MappingDocument } from './mapping-document';
import type { FieldKeys } from './pipedrive-body';

/** An organization as the Pipedrive-side reconcile lists it: standard fields and the connector's custom fields. */
export interface ListedOrganization {
  id: number;
  name: string;
  address?: { value?: string | null | undefined } | null | undefined;
  customFields: Readonly<Record<string, unknown>>;
  /** Whether list answers include deleted organizations is unverified (decision 62): when they do, they say so here. */
  isDeleted?: boolean | undefined;
  /** Not in the v2 spec; read when present (the sandbox's state, a future API), never relied on. */
  mergedIntoId?: number | null | undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : undefined;
}

/** Null, empty text and an absent value all read as "no value" (Pipedrive stores an empty field as null). */
function blank(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function textOf(value: unknown): unknown {
  const object = record(value);
  return object ? (object.value ?? null) : value;
}

/** An enum or set value as option ids: listed values are ids, or `{ id, label }` with include_option_labels. */
function optionIds(value: unknown): number[] {
  const items = Array.isArray(value) ? value : [value];
  return items
    .map((item) => (typeof item === 'number' ? item : record(item)?.id))
    .filter((id): id is number => typeof id === 'number')
    .sort((a, b) => a - b);
}

function labelIds(value: unknown, options: Readonly<Record<string, number>> | undefined): number[] | undefined {
  const labels = Array.isArray(value) ? value : [value];
  const ids: number[] = [];
  for (const label of labels) {
    if (typeof label !== 'string') continue;
    const id = options?.[label];
    // A label with no option id was never written (pipedrive-body.ts refuses it): nothing to compare.
    if (id === undefined) return undefined;
    ids.push(id);
  }
  return ids.sort((a, b) => a - b);
}

function same(pushed: unknown, current: unknown): boolean {
  if (blank(pushed) && blank(current)) return true;
  return canonicalJson(pushed ?? null) === canonicalJson(current ?? null);
}

function sameMoney(pushed: unknown, current: unknown): boolean {
  const amount = (value: unknown) => {
    const object = record(value);
    const raw = object ? object.value : value;
    return typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : null;
  };
  const left = amount(pushed);
  const right = amount(current);
  if (left === null || right === null) return left === right || (blank(pushed) && blank(current));
  const pushedCurrency = record(pushed)?.currency;
  const currentCurrency = record(current)?.currency;
  const currencies =
    pushedCurrency === undefined || currentCurrency === undefined || pushedCurrency === currentCurrency;
  return Math.abs(left - right) < 0.005 && currencies;
}

/**
 * The organization fields the connector owns (every field of the mapping document) whose value in
 * Pipedrive is no longer what was last pushed: hand edits (decision 62). `pushed` is the recorded
 * mapped organization (our field names, enum labels); the listing holds Pipedrive keys and option ids.
 * A field whose key is unknown, or which the listing did not include, is not judged.
 * The QuickBooks ID is left out: a changed identity is its own finding.
 */
export function driftedFields(
  pushed: Readonly<Record<string, unknown>>,
  org: ListedOrganization,
  fields: FieldKeys,
  document: MappingDocument,
): string[] {
  const drifted: string[] = [];
  for (const [name, field] of Object.entries(document.organization.fields)) {
    if (name === 'quickbooksId' || !(name in pushed)) continue;
    const value = pushed[name];
    if (!field.custom) {
      if (name === 'name' && value !== org.name) drifted.push(name);
      else if (name === 'address' && !same(textOf(value), org.address?.value)) drifted.push(name);
      continue;
    }
    const key = fields.fieldKeys[name];
    if (key === undefined || !(key in org.customFields)) continue;
    const current = org.customFields[key];
    const type = field.custom.type;
    let equal: boolean;
    if (type === 'monetary') equal = sameMoney(value, current);
    else if (type === 'enum' || type === 'set') {
      const expected = blank(value) ? [] : labelIds(value, fields.fieldOptions[name]);
      equal =
        expected === undefined || canonicalJson(expected) === canonicalJson(blank(current) ? [] : optionIds(current));
    } else if (type === 'address') equal = same(textOf(value), textOf(current));
    else equal = same(value, current);
    if (!equal) drifted.push(name);
  }
  return drifted;
}
