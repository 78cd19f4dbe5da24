import * as z from 'zod';
import { AddressInput } from './address';
import type { SandboxCore } from './core';
import { parseCustomFields } from './custom-field-values';
import { VISIBLE_TO } from './plans';
import type { FieldEntity } from './store';
import { parseRfc3339 } from './time';

const nonBlank = z
  .string()
  .max(255)
  .refine((value) => value.trim().length > 0, 'must not be empty');
const timestamp = z.string().refine((value) => parseRfc3339(value) !== undefined, 'not a valid datetime');
const id = z.number().int().positive();

/** Fields shared by organizations and persons. Unknown keys are rejected (strict, like v2 validation). */
const shared = {
  owner_id: id.optional(),
  visible_to: z.number().int().optional(),
  label_ids: z.array(id).optional(),
  custom_fields: z.record(z.string(), z.unknown()).optional(),
  add_time: timestamp.optional(),
  update_time: timestamp.optional(),
};

/** POST /api/v2/organizations: only `name` is required ([MIG]; the spec's `required: [title]` is a bug). */
export const OrganizationCreate = z.strictObject({
  name: nonBlank,
  address: AddressInput.optional(),
  ...shared,
});
export const OrganizationPatch = z.strictObject({
  name: nonBlank.optional(),
  address: AddressInput.optional(),
  ...shared,
});
export type OrganizationPatch = z.infer<typeof OrganizationPatch>;

const contact = z.strictObject({
  value: z.string().min(1).max(255),
  primary: z.boolean().optional(),
  label: z.string().min(1).optional(),
});
const contacts = z
  .array(contact)
  .refine((items) => items.filter((item) => item.primary === true).length <= 1, 'at most one entry may be primary');
export type ContactInput = z.infer<typeof contact>;

const personFields = {
  first_name: nonBlank.optional(),
  last_name: nonBlank.optional(),
  org_id: id.nullable().optional(),
  emails: contacts.optional(),
  phones: contacts.optional(),
  marketing_status: z.enum(['no_consent', 'unsubscribed', 'subscribed', 'archived']).optional(),
  ...shared,
};

/** POST /api/v2/persons: `name`, or `first_name` + `last_name` (FACTS §4). */
export const PersonCreate = z
  .strictObject({ name: nonBlank.optional(), ...personFields })
  .refine(
    (person) => person.name !== undefined || (person.first_name !== undefined && person.last_name !== undefined),
    { message: 'name is required (or first_name and last_name)', path: ['name'] },
  );
export const PersonPatch = z.strictObject({ name: nonBlank.optional(), ...personFields });
export type PersonPatch = z.infer<typeof PersonPatch>;

interface SharedInput {
  owner_id?: number | undefined;
  visible_to?: number | undefined;
  custom_fields?: Record<string, unknown> | undefined;
}

export type SemanticResult = { ok: true; customFields: Record<string, unknown> } | { ok: false; problems: string[] };

/** The checks a schema cannot make: owner is a user, visibility fits the plan, custom fields exist and fit. */
export function checkAgainstCompany(core: SandboxCore, entity: FieldEntity, input: SharedInput): SemanticResult {
  const problems: string[] = [];
  if (input.owner_id !== undefined && !isUser(core, input.owner_id)) problems.push('owner_id: user not found');
  const visibility = VISIBLE_TO[core.config.plan];
  if (input.visible_to !== undefined && !visibility.includes(input.visible_to)) {
    problems.push(`visible_to: must be one of ${visibility.join(', ')} on the ${core.config.plan} plan`);
  }
  let customFields: Record<string, unknown> = {};
  if (input.custom_fields !== undefined) {
    const parsed = parseCustomFields(input.custom_fields, core.store.customFields(entity));
    if (parsed.ok) customFields = parsed.values;
    else problems.push(...parsed.problems);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, customFields };
}

/** Users 1…seats exist (plus one per extra API token). */
export function isUser(core: SandboxCore, userId: number): boolean {
  return userId >= 1 && userId <= Math.max(core.config.seats, 1 + core.config.extraApiTokens.length);
}

/** Applies parsed custom-field values: null clears, anything else replaces. */
export function applyCustomFields(target: Record<string, unknown>, values: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === null) Reflect.deleteProperty(target, key);
    else target[key] = value;
  }
}
