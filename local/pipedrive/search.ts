import * as z from 'zod';
import type { SandboxResponse } from '../shared/http';
import type { ApiContext, ApiRoute, SandboxCore } from './core';
import { offsetPage } from './pagination';
import { booleanParam, enumListParam, integerParam, limitParam, parseQuery, positiveIdParam } from './query';
import { ok, validationFailed } from './responses';
import type { FieldDefinition, FieldEntity, Organization, Person } from './store';

/** Custom-field types search looks into ([SPEC2]). */
const SEARCHABLE_TYPES = new Set(['address', 'varchar', 'text', 'varchar_auto', 'double', 'monetary', 'phone']);

const SEARCH_SCOPES = ['contacts:read', 'contacts:full', 'search:read'];

/** `organizations/search`, `persons/search`, `itemSearch` and `itemSearch/field`: 20 tokens and the Search API burst limit. */
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
    { ...search, path: '/itemSearch', operationId: 'searchItem', scopes: ['search:read'], handle: searchItems },
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

const ORGANIZATION_FIELDS = ['address', 'custom_fields', 'notes', 'name'] as const;
const PERSON_FIELDS = ['custom_fields', 'email', 'notes', 'phone', 'name'] as const;

function organizationHits(
  core: SandboxCore,
  score: (text: string) => number,
  within: ReadonlySet<string>,
  now: number,
): Hit<Organization>[] {
  return [...core.store.organizations.values()]
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
}

function organizationItem(hit: Hit<Organization>) {
  return {
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
  };
}

function personHits(
  core: SandboxCore,
  score: (text: string) => number,
  within: ReadonlySet<string>,
  now: number,
  organizationId?: number,
): Hit<Person>[] {
  const best = (values: readonly { value: string }[]) => Math.max(0, ...values.map((entry) => score(entry.value)));
  return [...core.store.persons.values()]
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
}

function personItem(core: SandboxCore, hit: Hit<Person>) {
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
}

function searchOrganizations({ core, request, now }: ApiContext): SandboxResponse {
  const query = parseQuery(request, z.object({ ...searchBase, fields: enumListParam(ORGANIZATION_FIELDS).optional() }));
  if (!query.ok) return validationFailed(query.problems);
  const { term, exact_match: exact, fields, limit, cursor } = query.value;
  const problem = termProblem(term, exact);
  if (problem) return validationFailed([problem]);
  const hits = organizationHits(core, matcher(term, exact), new Set(fields ?? ORGANIZATION_FIELDS), now);
  const page = offsetPage(ranked(hits), limit, cursor);
  if (!page.ok) return validationFailed([page.problem]);
  return ok({ items: page.page.items.map(organizationItem) }, { next_cursor: page.page.nextCursor });
}

function searchPersons({ core, request, now }: ApiContext): SandboxResponse {
  const query = parseQuery(
    request,
    z.object({
      ...searchBase,
      fields: enumListParam(PERSON_FIELDS).optional(),
      organization_id: positiveIdParam.optional(),
      include_fields: z.enum(['person.picture']).optional(),
    }),
  );
  if (!query.ok) return validationFailed(query.problems);
  const { term, exact_match: exact, fields, limit, cursor, organization_id: organizationId } = query.value;
  const problem = termProblem(term, exact);
  if (problem) return validationFailed([problem]);
  const hits = personHits(core, matcher(term, exact), new Set(fields ?? PERSON_FIELDS), now, organizationId);
  const page = offsetPage(ranked(hits), limit, cursor);
  if (!page.ok) return validationFailed([page.problem]);
  return ok({ items: page.page.items.map((hit) => personItem(core, hit)) }, { next_cursor: page.page.nextCursor });
}

const ITEM_TYPES = ['deal', 'person', 'organization', 'product', 'lead', 'file', 'mail_attachment', 'project'] as const;
const ITEM_FIELDS = [
  'address',
  'code',
  'custom_fields',
  'email',
  'name',
  'notes',
  'phone',
  'title',
  'description',
] as const;

const ItemSearch = z.object({
  ...searchBase,
  // [SPEC2] caps itemSearch at 100 per page (the field search allows 500).
  limit: integerParam.pipe(z.number().int().min(1).max(100)).default(100),
  item_types: enumListParam(ITEM_TYPES).optional(),
  fields: enumListParam(ITEM_FIELDS).optional(),
  search_for_related_items: booleanParam.default(false),
  include_fields: enumListParam(['deal.cc_email', 'person.picture', 'product.price']).optional(),
});

type ScoredItem = ReturnType<typeof organizationItem> | ReturnType<typeof personItem>;

/**
 * `GET /api/v2/itemSearch` ([SPEC2] searchItem): organizations and persons ranked together by
 * `result_score` in `data.items`. The sandbox holds no deals, products, leads, files or projects,
 * so those types find nothing; `related_items` is always empty.
 */
function searchItems({ core, request, now }: ApiContext): SandboxResponse {
  const query = parseQuery(request, ItemSearch);
  if (!query.ok) return validationFailed(query.problems);
  const { term, exact_match: exact, fields, limit, cursor, item_types: itemTypes } = query.value;
  const problem = termProblem(term, exact);
  if (problem) return validationFailed([problem]);
  const types = new Set(itemTypes ?? ITEM_TYPES);
  const within = new Set<string>(fields ?? ITEM_FIELDS);
  const score = matcher(term, exact);
  const found: { score: number; id: number; view: () => ScoredItem }[] = [
    ...(types.has('organization')
      ? organizationHits(core, score, within, now).map((hit) => ({
          score: hit.score,
          id: hit.record.id,
          view: () => organizationItem(hit),
        }))
      : []),
    ...(types.has('person')
      ? personHits(core, score, within, now).map((hit) => ({
          score: hit.score,
          id: hit.record.id,
          view: () => personItem(core, hit),
        }))
      : []),
  ];
  const page = offsetPage(
    found.filter((hit) => hit.score > 0).sort((a, b) => b.score - a.score || a.id - b.id),
    limit,
    cursor,
  );
  if (!page.ok) return validationFailed([page.problem]);
  return ok(
    { items: page.page.items.map((hit) => hit.view()), related_items: [] },
    { next_cursor: page.page.nextCursor },
  );
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
