import { canonicalJson } from './canonical-json';
import type { MappingDocument } from './mapping-document';
import { type MappedRecord, mapCustomer } from './mapping-engine';
import type { MappingFacts, MappingOptions } from './mapping';
import type { QboCustomer } from './qbo-entities';

/** A customer linked to an organization, as the plan maps it under both documents. */
export interface LinkedCustomer {
  customer: QboCustomer;
  facts: MappingFacts;
}

/** Token costs of the calls a mapping change makes (the adapter's table, by the specs' x-token-cost). */
export interface MappingCallCosts {
  updateOrganization: number;
  updatePerson: number;
  createPerson: number;
  createOrganizationField: number;
  createPersonField: number;
}

export interface MappingPlan {
  organizationsChanged: number;
  personsChanged: number;
  personsCreated: number;
  /** Per field (`organization.website`, `person.name`): how many records it changes in. */
  fieldChanges: Record<string, number>;
  /** Custom fields the new document declares that the old one does not: `organization.website`. */
  fieldsToCreate: string[];
  tokens: number;
}

/** Names of the fields whose values differ between two mapped records (either may be absent). */
function changedFields(before: MappedRecord | null, after: MappedRecord | null): string[] {
  if (after === null) return [];
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]);
  return [...names].filter((name) => canonicalJson(before?.[name] ?? null) !== canonicalJson(after[name] ?? null));
}

function newCustomFields(oldDoc: MappingDocument, newDoc: MappingDocument): string[] {
  const declared = (doc: MappingDocument, entity: 'organization' | 'person') =>
    Object.entries(doc[entity]?.fields ?? {}).flatMap(([name, field]) => (field.custom ? [name] : []));
  return (['organization', 'person'] as const).flatMap((entity) => {
    const before = new Set(declared(oldDoc, entity));
    return declared(newDoc, entity)
      .filter((name) => !before.has(name))
      .map((name) => `${entity}.${name}`);
  });
}

/**
 * What replacing `oldDoc` by `newDoc` changes in Pipedrive and what it costs, for linked customers
 * whose organizations hold what `oldDoc` maps today. It mirrors the sync (customer-sync.ts): an
 * organization is updated when its mapped fields differ, a person updated when its fields differ or
 * created when it newly has one; a person the new document drops is left as it is. Pure.
 */
export function planMapping(
  oldDoc: MappingDocument,
  newDoc: MappingDocument,
  linked: readonly LinkedCustomer[],
  options: MappingOptions,
  costs: MappingCallCosts,
): MappingPlan {
  const plan: MappingPlan = {
    organizationsChanged: 0,
    personsChanged: 0,
    personsCreated: 0,
    fieldChanges: {},
    fieldsToCreate: newCustomFields(oldDoc, newDoc),
    tokens: 0,
  };
  const count = (entity: string, fields: string[]) => {
    for (const field of fields)
      plan.fieldChanges[`${entity}.${field}`] = (plan.fieldChanges[`${entity}.${field}`] ?? 0) + 1;
  };
  for (const { customer, facts } of linked) {
    const before = mapCustomer(customer, facts, options, oldDoc);
    const after = mapCustomer(customer, facts, options, newDoc);
    const organization = changedFields(before.organization, after.organization);
    const person = changedFields(before.person, after.person);
    count('organization', organization);
    count('person', person);
    if (organization.length > 0) plan.organizationsChanged += 1;
    if (person.length > 0 && before.person === null) plan.personsCreated += 1;
    else if (person.length > 0) plan.personsChanged += 1;
  }
  const created = (entity: string) => plan.fieldsToCreate.filter((name) => name.startsWith(`${entity}.`)).length;
  plan.tokens =
    plan.organizationsChanged * costs.updateOrganization +
    plan.personsChanged * costs.updatePerson +
    plan.personsCreated * costs.createPerson +
    created('organization') * costs.createOrganizationField +
    created('person') * costs.createPersonField;
  return plan;
}
