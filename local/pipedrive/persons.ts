import * as z from 'zod';
import type { SandboxResponse } from '../shared/http';
import type { ApiContext, ApiRoute, SandboxCore } from './core';
import {
  PersonCreate,
  PersonPatch,
  applyCustomFields,
  checkAgainstCompany,
  type ContactInput,
} from './entity-validation';
import { PERSON_INCLUDE_FIELDS, detailQuery, listPage, listQuery, viewOptions } from './list-query';
import { DEFAULT_VISIBLE_TO } from './plans';
import { parseQuery, positiveIdParam } from './query';
import { parseJsonBody, pathId } from './request-body';
import { notFound, ok, validationFailed } from './responses';
import type { ContactValue, Person } from './store';
import { parseRfc3339 } from './time';
import { personView, type ViewOptions } from './views';

const READ = ['contacts:read', 'contacts:full'];
const WRITE = ['contacts:full'];

/** `/api/v2/persons` CRUD ([SPEC2], FACTS §4). */
export function personRoutes(): ApiRoute[] {
  const v2 = { api: 'v2' as const };
  return [
    { ...v2, method: 'GET', path: '/persons', operationId: 'getPersons', scopes: READ, handle: list },
    { ...v2, method: 'GET', path: '/persons/{id}', operationId: 'getPerson', scopes: READ, handle: get },
    { ...v2, method: 'POST', path: '/persons', operationId: 'addPerson', scopes: WRITE, handle: create },
    { ...v2, method: 'PATCH', path: '/persons/{id}', operationId: 'updatePerson', scopes: WRITE, handle: update },
    { ...v2, method: 'DELETE', path: '/persons/{id}', operationId: 'deletePerson', scopes: WRITE, handle: remove },
  ];
}

export function viewPerson(core: SandboxCore, person: Person, options: ViewOptions = {}) {
  return personView(person, core.store.customFields('person'), options, (name) =>
    name === 'marketing_status' ? 'no_consent' : name.endsWith('_id') || name.endsWith('_time') ? null : 0,
  );
}

/** Label defaults to `work`; with no primary entry the first one is primary (FACTS §4). */
export function toContacts(input: readonly ContactInput[]): ContactValue[] {
  const hasPrimary = input.some((item) => item.primary === true);
  return input.map((item, index) => ({
    value: item.value,
    label: item.label ?? 'work',
    primary: hasPrimary ? item.primary === true : index === 0,
  }));
}

const PersonListExtras = z.object({ org_id: positiveIdParam.optional(), deal_id: positiveIdParam.optional() });

function list({ core, request }: ApiContext): SandboxResponse {
  const query = parseQuery(request, listQuery(PERSON_INCLUDE_FIELDS).extend(PersonListExtras.shape));
  if (!query.ok) return validationFailed(query.problems);
  if (query.value.filter_id !== undefined) return validationFailed(['filter_id: filter not found']);
  const view = viewOptions(core, 'person', query.value);
  if (!view.ok) return validationFailed(view.problems);
  const { org_id: orgId, deal_id: dealId } = query.value;
  // The sandbox has no deals, so a deal_id filter matches nobody.
  const live = [...core.store.persons.values()].filter(
    (person) => !person.is_deleted && (orgId === undefined || person.org_id === orgId) && dealId === undefined,
  );
  const page = listPage(live, query.value);
  if (!page.ok) return validationFailed([page.problem]);
  return ok(
    page.page.items.map((person) => viewPerson(core, person, view.options)),
    { next_cursor: page.page.nextCursor },
  );
}

function get({ core, request }: ApiContext): SandboxResponse {
  const id = pathId(request);
  if (id === undefined) return validationFailed(['id: must be an integer']);
  const query = parseQuery(request, detailQuery(PERSON_INCLUDE_FIELDS));
  if (!query.ok) return validationFailed(query.problems);
  const view = viewOptions(core, 'person', query.value);
  if (!view.ok) return validationFailed(view.problems);
  const person = core.store.person(id);
  if (!person) return notFound();
  return ok(viewPerson(core, person, view.options));
}

function orgProblem(core: SandboxCore, orgId: number | null | undefined): string[] {
  if (orgId === undefined || orgId === null) return [];
  return core.store.organization(orgId) ? [] : ['org_id: organization not found'];
}

function create({ core, request, principal, now }: ApiContext): SandboxResponse {
  const body = parseJsonBody(request, PersonCreate);
  if (!body.ok) return validationFailed(body.problems);
  const input = body.value;
  const checked = checkAgainstCompany(core, 'person', input);
  const problems = [...(checked.ok ? [] : checked.problems), ...orgProblem(core, input.org_id)];
  if (!checked.ok || problems.length > 0) return validationFailed(problems);
  const person: Person = {
    id: core.store.nextId('person'),
    name: input.name ?? `${input.first_name ?? ''} ${input.last_name ?? ''}`.trim(),
    first_name: input.first_name ?? null,
    last_name: input.last_name ?? null,
    owner_id: input.owner_id ?? principal.userId,
    org_id: input.org_id ?? null,
    emails: toContacts(input.emails ?? []),
    phones: toContacts(input.phones ?? []),
    visible_to: input.visible_to ?? DEFAULT_VISIBLE_TO[core.config.plan],
    label_ids: input.label_ids ?? [],
    custom_fields: {},
    add_time: input.add_time !== undefined ? (parseRfc3339(input.add_time) ?? now) : now,
    update_time: now,
    is_deleted: false,
  };
  applyCustomFields(person.custom_fields, checked.customFields);
  core.store.persons.set(person.id, person);
  return ok(viewPerson(core, person));
}

function update({ core, request, now }: ApiContext): SandboxResponse {
  const id = pathId(request);
  if (id === undefined) return validationFailed(['id: must be an integer']);
  const body = parseJsonBody(request, PersonPatch);
  if (!body.ok) return validationFailed(body.problems);
  const person = core.store.person(id);
  if (!person) return notFound();
  const checked = checkAgainstCompany(core, 'person', body.value);
  const problems = [...(checked.ok ? [] : checked.problems), ...orgProblem(core, body.value.org_id)];
  if (!checked.ok || problems.length > 0) return validationFailed(problems);
  applyPatch(person, body.value, checked.customFields, now);
  return ok(viewPerson(core, person));
}

function applyPatch(person: Person, patch: PersonPatch, customFields: Record<string, unknown>, now: number): void {
  if (patch.first_name !== undefined) person.first_name = patch.first_name;
  if (patch.last_name !== undefined) person.last_name = patch.last_name;
  if (patch.name !== undefined) person.name = patch.name;
  else if (patch.first_name !== undefined || patch.last_name !== undefined) {
    person.name = `${person.first_name ?? ''} ${person.last_name ?? ''}`.trim();
  }
  if (patch.owner_id !== undefined) person.owner_id = patch.owner_id;
  if (patch.org_id !== undefined) person.org_id = patch.org_id;
  // Whether PATCH replaces or merges the arrays is unverified; like product prices, they are replaced.
  if (patch.emails !== undefined) person.emails = toContacts(patch.emails);
  if (patch.phones !== undefined) person.phones = toContacts(patch.phones);
  if (patch.visible_to !== undefined) person.visible_to = patch.visible_to;
  if (patch.label_ids !== undefined) person.label_ids = patch.label_ids;
  applyCustomFields(person.custom_fields, customFields);
  if (Object.keys(patch).length > 0) person.update_time = now;
}

function remove({ core, request, now }: ApiContext): SandboxResponse {
  const id = pathId(request);
  if (id === undefined) return validationFailed(['id: must be an integer']);
  const person = core.store.person(id);
  if (!person) return notFound();
  person.is_deleted = true;
  person.update_time = now;
  return ok({ id });
}
