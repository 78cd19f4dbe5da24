import type { SandboxResponse } from '../shared/http';
import { toAddress } from './address';
import type { ApiContext, ApiRoute, SandboxCore } from './core';
import { OrganizationCreate, OrganizationPatch, applyCustomFields, checkAgainstCompany } from './entity-validation';
import { ORGANIZATION_INCLUDE_FIELDS, detailQuery, listPage, listQuery, viewOptions } from './list-query';
import { DEFAULT_VISIBLE_TO } from './plans';
import { parseQuery } from './query';
import { parseJsonBody, pathId } from './request-body';
import { notFound, ok, validationFailed } from './responses';
import type { Organization } from './store';
import { parseRfc3339 } from './time';
import { organizationView, type ViewOptions } from './views';

const READ = ['contacts:read', 'contacts:full'];
const WRITE = ['contacts:full'];

/** `/api/v2/organizations` CRUD ([SPEC2], FACTS §2). */
export function organizationRoutes(): ApiRoute[] {
  const v2 = { api: 'v2' as const };
  return [
    { ...v2, method: 'GET', path: '/organizations', operationId: 'getOrganizations', scopes: READ, handle: list },
    { ...v2, method: 'GET', path: '/organizations/{id}', operationId: 'getOrganization', scopes: READ, handle: get },
    { ...v2, method: 'POST', path: '/organizations', operationId: 'addOrganization', scopes: WRITE, handle: create },
    {
      ...v2,
      method: 'PATCH',
      path: '/organizations/{id}',
      operationId: 'updateOrganization',
      scopes: WRITE,
      handle: update,
    },
    {
      ...v2,
      method: 'DELETE',
      path: '/organizations/{id}',
      operationId: 'deleteOrganization',
      scopes: WRITE,
      handle: remove,
    },
  ];
}

export function viewOrganization(core: SandboxCore, organization: Organization, options: ViewOptions = {}) {
  return organizationView(organization, core.store.customFields('organization'), options, (name) =>
    includedValue(core, organization, name),
  );
}

function includedValue(core: SandboxCore, organization: Organization, name: string): unknown {
  if (name === 'people_count') {
    return [...core.store.persons.values()].filter((person) => !person.is_deleted && person.org_id === organization.id)
      .length;
  }
  if (name === 'smart_bcc_email') return `sandbox-${core.config.companyId}+o${organization.id}@pipedrivemail.com`;
  if (name.endsWith('_id')) return null;
  return 0;
}

function list({ core, request }: ApiContext): SandboxResponse {
  const query = parseQuery(request, listQuery(ORGANIZATION_INCLUDE_FIELDS));
  if (!query.ok) return validationFailed(query.problems);
  // The sandbox has no saved filters, so any filter_id names a missing one.
  if (query.value.filter_id !== undefined) return validationFailed(['filter_id: filter not found']);
  const view = viewOptions(core, 'organization', query.value);
  if (!view.ok) return validationFailed(view.problems);
  const live = [...core.store.organizations.values()].filter((organization) => !organization.is_deleted);
  const page = listPage(live, query.value);
  if (!page.ok) return validationFailed([page.problem]);
  return ok(
    page.page.items.map((organization) => viewOrganization(core, organization, view.options)),
    { next_cursor: page.page.nextCursor },
  );
}

function get({ core, request }: ApiContext): SandboxResponse {
  const id = pathId(request);
  if (id === undefined) return validationFailed(['id: must be an integer']);
  const query = parseQuery(request, detailQuery(ORGANIZATION_INCLUDE_FIELDS));
  if (!query.ok) return validationFailed(query.problems);
  const view = viewOptions(core, 'organization', query.value);
  if (!view.ok) return validationFailed(view.problems);
  // Whether a soft-deleted organization answers 404 or 200 with is_deleted is unverified; 404 is the stricter.
  const organization = core.store.organization(id);
  if (!organization) return notFound();
  return ok(viewOrganization(core, organization, view.options));
}

function create({ core, request, principal, now }: ApiContext): SandboxResponse {
  const body = parseJsonBody(request, OrganizationCreate);
  if (!body.ok) return validationFailed(body.problems);
  const checked = checkAgainstCompany(core, 'organization', body.value);
  if (!checked.ok) return validationFailed(checked.problems);
  const input = body.value;
  const organization: Organization = {
    id: core.store.nextId('organization'),
    name: input.name,
    owner_id: input.owner_id ?? principal.userId,
    visible_to: input.visible_to ?? DEFAULT_VISIBLE_TO[core.config.plan],
    label_ids: input.label_ids ?? [],
    address: input.address ? toAddress(input.address) : null,
    custom_fields: {},
    add_time: input.add_time !== undefined ? (parseRfc3339(input.add_time) ?? now) : now,
    update_time: now,
    is_deleted: false,
    merged_into_id: null,
  };
  applyCustomFields(organization.custom_fields, checked.customFields);
  core.store.organizations.set(organization.id, organization);
  core.webhooks.organization('create', principal.userId, undefined, organization);
  return ok(viewOrganization(core, organization));
}

function update({ core, request, now, principal }: ApiContext): SandboxResponse {
  const id = pathId(request);
  if (id === undefined) return validationFailed(['id: must be an integer']);
  const body = parseJsonBody(request, OrganizationPatch);
  if (!body.ok) return validationFailed(body.problems);
  const organization = core.store.organization(id);
  if (!organization) return notFound();
  const checked = checkAgainstCompany(core, 'organization', body.value);
  if (!checked.ok) return validationFailed(checked.problems);
  const before = structuredClone(organization);
  applyPatch(organization, body.value, checked.customFields, now);
  core.webhooks.organization('change', principal.userId, before, organization);
  return ok(viewOrganization(core, organization));
}

function applyPatch(
  organization: Organization,
  patch: OrganizationPatch,
  customFields: Record<string, unknown>,
  now: number,
): void {
  if (patch.name !== undefined) organization.name = patch.name;
  if (patch.owner_id !== undefined) organization.owner_id = patch.owner_id;
  if (patch.visible_to !== undefined) organization.visible_to = patch.visible_to;
  if (patch.label_ids !== undefined) organization.label_ids = patch.label_ids;
  // A PATCH address replaces the whole object: parts not sent become null ([MIG]).
  if (patch.address !== undefined) organization.address = toAddress(patch.address);
  applyCustomFields(organization.custom_fields, customFields);
  if (Object.keys(patch).length > 0) organization.update_time = now;
}

function remove({ core, request, now, principal }: ApiContext): SandboxResponse {
  const id = pathId(request);
  if (id === undefined) return validationFailed(['id: must be an integer']);
  const organization = core.store.organization(id);
  if (!organization) return notFound();
  // A soft delete: the record stays (purged after 30 days in Pipedrive) and update_time is the delete time ([MIG]).
  const before = structuredClone(organization);
  organization.is_deleted = true;
  organization.update_time = now;
  core.webhooks.organization('delete', principal.userId, before, undefined);
  return ok({ id });
}
