import * as z from 'zod';
import { AddressInput, toAddress } from './address';
import type { FieldDefinition } from './store';
import { isCalendarDate } from './time';

const calendarDate = z.string().refine(isCalendarDate, 'must be a YYYY-MM-DD date');
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, 'must be HH:MM:SS');
const timezone = { timezone_id: z.number().int().optional(), timezone_name: z.string().optional() };
const entityId = z.number().int().positive();

/**
 * The value shape each field type takes inside `custom_fields` in v2 ([MIG],
 * `custom-field-values-v2-by-type.json`). Numbers are never coerced from strings, and an enum
 * value is the option id, not its label.
 */
const VALUE_SCHEMA: Readonly<Record<string, z.ZodType>> = {
  varchar: z.string().max(255),
  varchar_auto: z.string().max(255),
  phone: z.string().max(255),
  text: z.string().max(65_535),
  double: z.number(),
  monetary: z.strictObject({ value: z.number(), currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code') }),
  enum: z.number().int(),
  // `[]` is rejected: Pipedrive wants null to clear a set ([SPEC2]).
  set: z.array(z.number().int()).min(1, 'an empty array is not supported; use null to clear'),
  date: calendarDate,
  daterange: z.strictObject({ value: calendarDate, until: calendarDate }),
  time: z.strictObject({ value: timeOfDay, ...timezone }),
  timerange: z.strictObject({ value: timeOfDay, until: timeOfDay, ...timezone }),
  user: entityId,
  org: entityId,
  people: entityId,
  address: AddressInput,
};

export type CustomFieldsResult = { ok: true; values: Record<string, unknown> } | { ok: false; problems: string[] };

/**
 * Checks a request's `custom_fields` against the company's fields. Any unknown key fails the whole
 * request (observed live on v2, FACTS §2). Returns the values to store (null clears a field).
 */
export function parseCustomFields(input: unknown, fields: readonly FieldDefinition[]): CustomFieldsResult {
  const record = z.record(z.string(), z.unknown()).safeParse(input);
  if (!record.success) return { ok: false, problems: ['custom_fields: must be an object'] };
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(record.data)) {
    const field = fields.find((candidate) => candidate.field_code === key);
    if (!field) {
      problems.push(`custom_fields.${key}: unknown custom field`);
      continue;
    }
    if (raw === null) {
      values[key] = null;
      continue;
    }
    const problem = checkValue(field, raw);
    if (problem !== undefined) problems.push(`custom_fields.${key} (${field.field_type}): ${problem}`);
    else values[key] = normalize(field, raw);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values };
}

function checkValue(field: FieldDefinition, raw: unknown): string | undefined {
  const schema = VALUE_SCHEMA[field.field_type];
  if (!schema) return `field type ${field.field_type} cannot be written`;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return parsed.error.issues.map((issue) => formatIssue(issue)).join(', ');
  const optionIds = new Set((field.options ?? []).map((option) => option.id));
  const chosen = field.field_type === 'enum' ? [raw] : field.field_type === 'set' && Array.isArray(raw) ? raw : [];
  const unknown = chosen.filter((id) => typeof id !== 'number' || !optionIds.has(id));
  if (unknown.length > 0) return `not an option id of this field: ${unknown.map(String).join(', ')}`;
  if (field.field_type === 'daterange' || field.field_type === 'timerange') {
    const range = z.object({ value: z.string(), until: z.string() }).parse(raw);
    if (range.until < range.value) return 'until must not be before value';
  }
  return undefined;
}

function normalize(field: FieldDefinition, raw: unknown): unknown {
  if (field.field_type === 'address') return toAddress(AddressInput.parse(raw));
  if (field.field_type === 'set') return [...new Set(z.array(z.number()).parse(raw))];
  return raw;
}

export function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  return path.length > 0 ? `${path}: ${issue.message}` : issue.message;
}
