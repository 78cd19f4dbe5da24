import * as z from 'zod';
import { SeededRandom } from '../shared/random';
import { AddressInput, toAddress } from './address';
import type { SandboxCore } from './core';
import { parseCustomFields } from './custom-field-values';
import { addCustomField } from './field-definitions';
import { CREATABLE_FIELD_TYPES } from './fields';
import { DEFAULT_VISIBLE_TO } from './plans';
import type { Organization, Person } from './store';

const PersonSeed = z.strictObject({
  name: z.string().min(1),
  emails: z.array(z.string().min(1)).default([]),
  phones: z.array(z.string().min(1)).default([]),
});

/** What a test can put in the company before the connector runs. Custom-field keys may be codes or names. */
export const SeedInput = z.strictObject({
  fields: z
    .array(
      z.strictObject({
        field_name: z.string().min(1).max(255),
        field_type: z.enum(CREATABLE_FIELD_TYPES),
        options: z.array(z.string().min(1)).optional(),
      }),
    )
    .default([]),
  organizations: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        address: AddressInput.nullable().optional(),
        owner_id: z.number().int().positive().optional(),
        custom_fields: z.record(z.string(), z.unknown()).optional(),
        persons: z.array(PersonSeed).default([]),
      }),
    )
    .default([]),
  persons: z.array(PersonSeed.extend({ org_id: z.number().int().positive().optional() })).default([]),
  /** One organization per name (e.g. near-duplicates of QBO customers, for match tests). */
  names: z.array(z.string().min(1)).default([]),
  /** One person per address, linked to the organization named after its domain (created if missing). */
  emails: z.array(z.email()).default([]),
  /** One organization per domain, named after it (`acme-tools.com` → "Acme Tools"). */
  domains: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain name')).default([]),
  /** Random organizations, reproducible from the seed. */
  random: z.strictObject({ count: z.number().int().min(1).max(20_000), seed: z.number().int().default(1) }).optional(),
});
export type SeedInput = z.input<typeof SeedInput>;

export interface SeedResult {
  fields: {
    field_name: string;
    field_code: string;
    field_type: string;
    options: { id: number; label: string }[] | null;
  }[];
  organizations: { id: number; name: string }[];
  persons: { id: number; name: string; org_id: number | null }[];
}

const FREE_MAIL = new Set(['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com', 'aol.com']);

export function nameFromDomain(domain: string): string {
  const label = domain.toLowerCase().split('.').slice(0, -1).join(' ');
  return label
    .split(/[\s_-]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

function nameFromEmail(email: string): string {
  const local = email.split('@')[0] ?? email;
  return nameFromDomain(`${local}.x`);
}

/** Seeds records directly (no token cost, no burst), still checking custom-field values. */
export function seed(core: SandboxCore, raw: unknown): SeedResult {
  const input = SeedInput.parse(raw);
  const now = core.clock.now();
  const result: SeedResult = { fields: [], organizations: [], persons: [] };
  for (const spec of input.fields) {
    const field = addCustomField(
      core.store,
      core.config.companyId,
      { entity: 'organization', field_name: spec.field_name, field_type: spec.field_type, optionLabels: spec.options },
      now,
    );
    result.fields.push({
      field_name: field.field_name,
      field_code: field.field_code,
      field_type: field.field_type,
      options: field.options,
    });
  }
  const addOrganization = (name: string, extra: Partial<Organization> = {}) => {
    const organization = newOrganization(core, name, now, extra);
    result.organizations.push({ id: organization.id, name });
    return organization;
  };
  const addPerson = (spec: z.infer<typeof PersonSeed>, orgId: number | null) => {
    const person = newPerson(core, spec, orgId, now);
    result.persons.push({ id: person.id, name: person.name, org_id: orgId });
  };
  for (const spec of input.organizations) {
    const organization = addOrganization(spec.name, {
      address: spec.address ? toAddress(spec.address) : null,
      owner_id: spec.owner_id ?? 1,
      custom_fields: customFieldsByCodeOrName(core, spec.custom_fields ?? {}),
    });
    for (const person of spec.persons) addPerson(person, organization.id);
  }
  for (const name of input.names) addOrganization(name);
  for (const domain of input.domains) addOrganization(nameFromDomain(domain));
  for (const email of input.emails) {
    const domain = (email.split('@')[1] ?? '').toLowerCase();
    let orgId: number | null = null;
    if (!FREE_MAIL.has(domain)) {
      const orgName = nameFromDomain(domain);
      const existing = [...core.store.organizations.values()].find((org) => !org.is_deleted && org.name === orgName);
      orgId = (existing ?? addOrganization(orgName)).id;
    }
    addPerson({ name: nameFromEmail(email), emails: [email], phones: [] }, orgId);
  }
  for (const spec of input.persons) addPerson(spec, spec.org_id ?? null);
  if (input.random) {
    const random = new SeededRandom(input.random.seed);
    for (let i = 0; i < input.random.count; i++) addOrganization(randomCompanyName(random));
  }
  return result;
}

function customFieldsByCodeOrName(core: SandboxCore, values: Record<string, unknown>): Record<string, unknown> {
  const fields = core.store.customFields('organization');
  const byCode: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const field = fields.find((candidate) => candidate.field_code === key || candidate.field_name === key);
    byCode[field?.field_code ?? key] = value;
  }
  const parsed = parseCustomFields(byCode, fields);
  if (!parsed.ok) throw new Error(`seed: ${parsed.problems.join('; ')}`);
  return Object.fromEntries(Object.entries(parsed.values).filter(([, value]) => value !== null));
}

function newOrganization(core: SandboxCore, name: string, now: number, extra: Partial<Organization>): Organization {
  const organization: Organization = {
    id: core.store.nextId('organization'),
    name,
    owner_id: 1,
    visible_to: DEFAULT_VISIBLE_TO[core.config.plan],
    label_ids: [],
    address: null,
    custom_fields: {},
    add_time: now,
    update_time: now,
    is_deleted: false,
    merged_into_id: null,
    ...extra,
  };
  core.store.organizations.set(organization.id, organization);
  return organization;
}

function newPerson(core: SandboxCore, spec: z.infer<typeof PersonSeed>, orgId: number | null, now: number): Person {
  const contact = (value: string, index: number) => ({ value, label: 'work', primary: index === 0 });
  const person: Person = {
    id: core.store.nextId('person'),
    name: spec.name,
    first_name: spec.name.split(' ')[0] ?? null,
    last_name: spec.name.split(' ').slice(1).join(' ') || null,
    owner_id: 1,
    org_id: orgId,
    emails: spec.emails.map(contact),
    phones: spec.phones.map(contact),
    visible_to: DEFAULT_VISIBLE_TO[core.config.plan],
    label_ids: [],
    custom_fields: {},
    add_time: now,
    update_time: now,
    is_deleted: false,
  };
  core.store.persons.set(person.id, person);
  return person;
}

const FIRST = ['Acme', 'Blue', 'Northwind', 'Summit', 'Harbor', 'Cedar', 'Granite', 'Silver', 'Maple', 'Pioneer'];
const SECOND = ['Tools', 'Foods', 'Logistics', 'Design', 'Labs', 'Outfitters', 'Builders', 'Health', 'Media', 'Energy'];
const SUFFIX = ['Inc.', 'LLC', 'Ltd', 'GmbH', 'Co.', ''];

function randomCompanyName(random: SeededRandom): string {
  return [random.pick(FIRST), random.pick(SECOND), random.pick(SUFFIX), String(random.int(1, 9999))]
    .filter((part) => part.length > 0)
    .join(' ');
}
