import { z } from 'zod';
import type { SandboxResponse } from '../shared/http';
import type { ApiContext, ApiRoute, SandboxCore } from './core';
import { offsetPage } from './pagination';
import { booleanParam, enumListParam, limitParam, parseQuery, positiveIdParam } from './query';
import { ok, validationFailed } from './responses';
import type { FieldDefinition, FieldEntity, Organization, Person } from './store';

/** Custom-field types search looks into ([SPEC2]). */
const SEARCHABLE_TYPES = new Set(['address', 'varchar', 'text', 'varchar_auto', 'double', 'monetary', 'phone']);

const SEARCH_SCOPES = ['contacts:read', 'contacts:full', 'search:read'];

/** `organizations/search`, `persons/search` and `itemSearch/field`: 20 tokens and the Search API burst limit. */
export function searchRoutes(): ApiRoute[] {
  const search = { api: 'v2' as const, method: 'GET', search: true };
  return [
    {
      ...search,
      path: '/organizations/search',
      operationId: 'searchOrganization',
      scopes: SEARCH_SCOPES,
      handle: searchOrganizations,
    },
    { ...search, path: '/persons/search', operationId: 'searchPersons', scopes: SEARCH_SCOPES, handle: searchPersons },
    {
      ...search,
      path: '/itemSearch/field',
      operationId: 'searchItemByField',
      scopes: ['search:read'],
      handle: searchByField,
    },
  ];
}

/** The text a custom field value offers to search. */
function searchableText(field: FieldDefinition, value: unknown): string | undefined {
  if (!SEARCHABLE_TYPES.has(field.field_type) || value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const composite = z.object({ value: z.union([z.string(), z.number()]) }).safeParse(value);
  return composite.success ? String(composite.data.value) : undefined;
}

/** Records become searchable `searchIndexLagMs` after their last change (live lag is unverified). */
function indexed(core: SandboxCore, record: { update_time: number; is_deleted: boolean }, now: number): boolean {
  return !record.is_deleted && record.update_time + core.config.searchIndexLagMs <= now;
}

/** `exact_match` is a full, case-insensitive match ([SPEC2]); otherwise a case-insensitive substring. */
function matcher(term: string, exact: boolean): (text: string) => number {
  const needle = term.toLowerCase();
  return (text) => {
    const hay = text.toLowerCase();
    if (hay === needle) return 1;
    if (exact) return 0;
    if (hay.startsWith(needle)) return 0.6;
    return hay.includes(needle) ? 0.3 : 0;
  };
}

function termProblem(term: string, exact: boolean): string | undefined {
  const min = exact ? 1 : 2;
  return term.length < min
    ? `term: must be at least ${min} characters${exact ? '' : ' (1 with exact_match)'}`
    : undefined;
}

const searchBase = {
  term: z.string(),
  exact_match: booleanParam.default(false),
  limit: limitParam,
  cursor: z.string().min(1).optional(),
};

interface Hit<T> {
  score: number;
  record: T;
  customMatches: string[];
}

function customHits(
  core: SandboxCore,
  entity: FieldEntity,
  values: Record<string, unknown>,
  score: (text: string) => number,
) {
  const matches: string[] = [];
  let best = 0;
  for (const field of core.store.customFields(entity)) {
    const text = searchableText(field, values[field.field_code]);
    if (text === undefined) continue;
    const fieldScore = score(text);
    if (fieldScore > 0) matches.push(text);
    best = Math.max(best, fieldScore);
  }
  return { best, matches };
}

function ranked<T extends { id: number }>(hits: Hit<T>[]): Hit<T>[] {
  return hits.filter((hit) => hit.score > 0).sort((a, b) => b.score - a.score || a.record.id - b.record.id);
}

function searchOrganizations({ core, request, now }: ApiContext): SandboxResponse {
  const query = parseQuery(
    request,
    z.object({ ...searchBase, fields: enumListParam(['address', 'custom_fields', 'notes', 'name']).optional() }),
  );
  if (!query.ok) return validationFailed(query.problems);
  const { term, exact_match: exact, fields, limit, cursor } = query.value;
  const problem = termProblem(term, exact);
  if (problem) return validationFailed([problem]);
  const within = new Set(fields ?? ['address', 'custom_fields', 'notes', 'name']);
  const score = matcher(term, exact);
  const hits: Hit<Organization>[] = [...core.store.organizations.values()]
    .filter((organization) => indexed(core, organization, now))
    .map((organization) => {
      const custom = within.has('custom_fields')
        ? customHits(core, 'organization', organization.custom_fields, score)
        : { best: 0, matches: [] };
      const scores = [
        within.has('name') ? score(organization.name) : 0,
        within.has('address') && organization.address ? score(organization.address.value) * 0.9 : 0,
        custom.best * 0.8,
      ];
      return { score: Math.max(...scores), record: organization, customMatches: custom.matches };
    });
  const page = offsetPage(ranked(hits), limit, cursor);
  if (!page.ok) return validationFailed([page.problem]);
  const items = page.page.items.map((hit) => ({
    result_score: Math.round(hit.score * 10_000) / 10_000,
    item: {
      id: hit.record.id,
      type: 'organization',
      name: hit.record.name,
      address: hit.record.address?.value ?? null,
      visible_to: hit.record.visible_to,
      owner: { id: hit.record.owner_id },
      custom_fields: hit.customMatches,
      notes: [],
    },
  }));
  return ok({ items }, { next_cursor: page.page.nextCursor });
}

function searchPersons({ core, request, now }: ApiContext): SandboxResponse {
  const query = parseQuery(
    request,
    z.object({
      ...searchBase,
      fields: enumListParam(['custom_fields', 'email', 'notes', 'phone', 'name']).optional(),
      organization_id: positiveIdParam.optional(),
      include_fields: z.enum(['person.picture']).optional(),
    }),
  );
  if (!query.ok) return validationFailed(query.problems);
  const { term, exact_match: exact, fields, limit, cursor, organization_id: organizationId } = query.value;
  const problem = termProblem(term, exact);
  if (problem) return validationFailed([problem]);
  const within = new Set(fields ?? ['custom_fields', 'email', 'notes', 'phone', 'name']);
  const score = matcher(term, exact);
  const best = (values: readonly { value: string }[]) => Math.max(0, ...values.map((entry) => score(entry.value)));
  const hits: Hit<Person>[] = [...core.store.persons.values()]
    .filter(
      (person) => indexed(core, person, now) && (organizationId === undefined || person.org_id === organizationId),
    )
    .map((person) => {
      const custom = within.has('custom_fields')
        ? customHits(core, 'person', person.custom_fields, score)
        : { best: 0, matches: [] };
      const scores = [
        within.has('name') ? score(person.name) : 0,
        within.has('email') ? best(person.emails) : 0,
        within.has('phone') ? best(person.phones) : 0,
        custom.best * 0.8,
      ];
      return { score: Math.max(...scores), record: person, customMatches: custom.matches };
    });
  const page = offsetPage(ranked(hits), limit, cursor);
  if (!page.ok) return validationFailed([page.problem]);
  const items = page.page.items.map((hit) => {
    const organization = hit.record.org_id === null ? undefined : core.store.organization(hit.record.org_id);
    return {
      result_score: Math.round(hit.score * 10_000) / 10_000,
      item: {
        id: hit.record.id,
        type: 'person',
        name: hit.record.name,
        phones: hit.record.phones.map((phone) => phone.value),
        emails: hit.record.emails.map((email) => email.value),
        visible_to: hit.record.visible_to,
        owner: { id: hit.record.owner_id },
        organization: organization
          ? { id: organization.id, name: organization.name, address: organization.address?.value ?? null }
          : null,
        custom_fields: hit.customMatches,
        notes: [],
      },
    };
  });
  return ok({ items }, { next_cursor: page.page.nextCursor });
}

const ItemSearchByField = z.object({
  term: z.string(),
  entity_type: z.enum(['deal', 'lead', 'person', 'organization', 'product', 'project']),
  match: z.enum(['exact', 'beginning', 'middle']).default('exact'),
  field: z.string().min(1),
  limit: limitParam,
  cursor: z.string().min(1).optional(),
});

/** `itemSearch/field`: every match mode is case sensitive ([SPEC2]); returns `[{ id, name }]`. */
function searchByField({ core, request, now }: ApiContext): SandboxResponse {
  const query = parseQuery(request, ItemSearchByField);
  if (!query.ok) return validationFailed(query.problems);
  const { term, entity_type: entityType, match, field: fieldCode, limit, cursor } = query.value;
  const problem = termProblem(term, match === 'exact');
  if (problem) return validationFailed([problem.replace('exact_match', 'match=exact')]);
  // The sandbox company holds only organizations and persons; other entity types find nothing.
  if (entityType !== 'organization' && entityType !== 'person') return ok([], { next_cursor: null });
  const field = core.store.field(entityType, fieldCode);
  if (!field) return validationFailed([`field: no ${entityType} field with key ${fieldCode}`]);
  if (field.is_custom_field && !SEARCHABLE_TYPES.has(field.field_type)) {
    return validationFailed([`field: ${field.field_type} fields are not searchable`]);
  }
  const records: (Organization | Person)[] =
    entityType === 'organization' ? [...core.store.organizations.values()] : [...core.store.persons.values()];
  const matches = (text: string) =>
    match === 'exact' ? text === term : match === 'beginning' ? text.startsWith(term) : text.includes(term);
  const found = records
    .filter((record) => indexed(core, record, now))
    .filter((record) => {
      const text =
        field.field_code === 'name' ? record.name : searchableText(field, record.custom_fields[field.field_code]);
      return text !== undefined && matches(text);
    })
    .sort((a, b) => a.id - b.id);
  const page = offsetPage(found, limit, cursor);
  if (!page.ok) return validationFailed([page.problem]);
  return ok(
    page.page.items.map((record) => ({ id: record.id, name: record.name })),
    { next_cursor: page.page.nextCursor },
  );
}
