import { canonicalJson } from './canonical-json';
import { csvCell } from './matching';
import type { MappingDocument } from './mapping-document';
import { type MappedCustomer, mapCustomer } from './mapping-engine';
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
  /** Listing the organization fields, which creating one starts with. */
  listOrganizationFields?: number;
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
  /** One row per linked customer that changes, in the order given (pairs with a `qboId`). */
  rows: PlanRow[];
}

export interface PlanRow {
  qboId: string;
  orgId?: number;
  organization: string;
  organizationFields: string[];
  personFields: string[];
  person: 'update' | 'create' | 'none';
}

/** Names of the fields whose values differ between two mapped records (either may be absent). */
function changedFields(
  before: Readonly<Record<string, unknown>> | null,
  after: Readonly<Record<string, unknown>> | null,
): string[] {
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

/** One linked customer as its organization and person hold it now (`before`) and as the new document maps it. */
export interface MappedPair {
  before: { organization: Readonly<Record<string, unknown>>; person: Readonly<Record<string, unknown>> | null };
  after: MappedCustomer;
  /** The QBO customer id and organization id, for the plan's rows (the CSV). */
  qboId?: string;
  orgId?: number;
  /** Whether the link has a person (else a mapped person is created). */
  hasPerson: boolean;
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
  const pairs = linked.map(({ customer, facts }) => {
    const before = mapCustomer(customer, facts, options, oldDoc);
    return { before, after: mapCustomer(customer, facts, options, newDoc), hasPerson: before.person !== null };
  });
  return planPairs(oldDoc, newDoc, pairs, costs);
}

/**
 * The plan from what each linked customer's records hold (the link's pushed payload, as the worker
 * compares) and how the new document maps it now: what an apply will write, call by call (decision 61).
 * Creating fields lists the company's fields once first (custom-fields.ts), so that is priced too;
 * the caller may name the fields to create (those the connection has no key for).
 */
export function planPairs(
  oldDoc: MappingDocument,
  newDoc: MappingDocument,
  pairs: readonly MappedPair[],
  costs: MappingCallCosts,
  fieldsToCreate: string[] = newCustomFields(oldDoc, newDoc),
): MappingPlan {
  const plan: MappingPlan = {
    organizationsChanged: 0,
    personsChanged: 0,
    personsCreated: 0,
    fieldChanges: {},
    fieldsToCreate,
    tokens: 0,
    rows: [],
  };
  const count = (entity: string, fields: string[]) => {
    for (const field of fields)
      plan.fieldChanges[`${entity}.${field}`] = (plan.fieldChanges[`${entity}.${field}`] ?? 0) + 1;
  };
  for (const { before, after, hasPerson, qboId, orgId } of pairs) {
    const organization = changedFields(before.organization, after.organization);
    const person = changedFields(hasPerson ? before.person : null, after.person);
    count('organization', organization);
    count('person', person);
    if (organization.length > 0) plan.organizationsChanged += 1;
    const personAction = person.length === 0 ? 'none' : hasPerson ? 'update' : 'create';
    if (personAction === 'create') plan.personsCreated += 1;
    else if (personAction === 'update') plan.personsChanged += 1;
    if (qboId !== undefined && (organization.length > 0 || person.length > 0))
      plan.rows.push({
        qboId,
        ...(orgId !== undefined ? { orgId } : {}),
        organization: after.organization.name,
        organizationFields: organization,
        personFields: person,
        person: personAction,
      });
  }
  const created = (entity: string) => plan.fieldsToCreate.filter((name) => name.startsWith(`${entity}.`)).length;
  plan.tokens =
    plan.organizationsChanged * costs.updateOrganization +
    plan.personsChanged * costs.updatePerson +
    plan.personsCreated * costs.createPerson +
    created('organization') * costs.createOrganizationField +
    created('person') * costs.createPersonField +
    (plan.fieldsToCreate.length > 0 ? (costs.listOrganizationFields ?? 0) : 0);
  return plan;
}

/** The plan's rows as CSV, quoted as the backfill's match report is (matching.ts). */
export function mappingPlanCsv(rows: readonly PlanRow[]): string {
  const header = 'qbo_id,org_id,organization,organization_fields,person_fields,person';
  const lines = rows.map((row) =>
    [row.qboId, row.orgId, row.organization, row.organizationFields.join(' '), row.personFields.join(' '), row.person]
      .map(csvCell)
      .join(','),
  );
  return `${[header, ...lines].join('\n')}\n`;
}
