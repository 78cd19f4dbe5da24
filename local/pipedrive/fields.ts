import * as z from 'zod';
import type { SandboxResponse } from '../shared/http';
import type { ApiContext, ApiRoute, SandboxCore } from './core';
import { addCustomField, deleteCustomField } from './field-definitions';
import { FIELD_DETAIL_GROUPS, fieldViewV1, fieldViewV2 } from './field-views';
import { offsetPage } from './pagination';
import { CUSTOM_FIELD_LIMIT } from './plans';
import { enumListParam, integerParam, limitParam, parseQuery, type Parsed } from './query';
import { parseJsonBody, pathId } from './request-body';
import { limitReached, notFound, ok, validationFailed } from './responses';

/** Types a custom field can be created with in v2 ([SPEC2] `addOrganizationField`). */
export const CREATABLE_FIELD_TYPES = [
  'varchar',
  'text',
  'double',
  'phone',
  'date',
  'daterange',
  'time',
  'timerange',
  'set',
  'enum',
  'varchar_auto',
  'address',
  'monetary',
  'org',
  'people',
  'user',
] as const;
const OPTION_TYPES = new Set(['enum', 'set']);

const optionLabels = z.array(z.strictObject({ label: z.string().trim().min(1).max(255) }));

const FieldCreateV2 = z.strictObject({
  field_name: z.string().min(1).max(255),
  field_type: z.enum(CREATABLE_FIELD_TYPES),
  options: optionLabels.optional(),
  ui_visibility: z.record(z.string(), z.unknown()).optional(),
  important_fields: z.record(z.string(), z.unknown()).optional(),
  required_fields: z.record(z.string(), z.unknown()).optional(),
});

/** v1 lists `visible_to` too, but it cannot be created as a custom field; the sandbox rejects it. */
const FieldCreateV1 = z.strictObject({
  name: z.string().min(1).max(255),
  field_type: z.enum(CREATABLE_FIELD_TYPES),
  options: optionLabels.optional(),
  add_visible_flag: z.boolean().optional(),
});

const READ = ['contacts:read', 'contacts:full', 'admin', 'contact-fields:full'];
const WRITE = ['admin', 'contact-fields:full'];

/** Organization fields: v2 (`field_code`) and the v1 twins that still exist ([SPEC2], [SPEC1]). */
export function fieldRoutes(): ApiRoute[] {
  const v2 = { api: 'v2' as const };
  const v1 = { api: 'v1' as const };
  return [
    {
      ...v2,
      method: 'GET',
      path: '/organizationFields',
      operationId: 'getOrganizationFields',
      scopes: READ,
      handle: listV2,
    },
    {
      ...v2,
      method: 'GET',
      path: '/organizationFields/{field_code}',
      operationId: 'getOrganizationField',
      scopes: READ,
      handle: getV2,
    },
    {
      ...v2,
      method: 'POST',
      path: '/organizationFields',
      operationId: 'addOrganizationField',
      scopes: WRITE,
      handle: createV2,
    },
    {
      ...v2,
      method: 'DELETE',
      path: '/organizationFields/{field_code}',
      operationId: 'deleteOrganizationField',
      scopes: WRITE,
      handle: removeV2,
    },
    {
      ...v1,
      method: 'GET',
      path: '/organizationFields',
      operationId: 'getOrganizationFields',
      scopes: READ,
      handle: listV1,
    },
    {
      ...v1,
      method: 'GET',
      path: '/organizationFields/{id}',
      operationId: 'getOrganizationField',
      scopes: READ,
      handle: getV1,
    },
    {
      ...v1,
      method: 'POST',
      path: '/organizationFields',
      operationId: 'addOrganizationField',
      scopes: WRITE,
      handle: createV1,
    },
  ];
}

const detailGroups = enumListParam(FIELD_DETAIL_GROUPS).optional();

function organizationFields(core: SandboxCore) {
  return core.store.fields.filter((field) => field.entity === 'organization');
}

function listV2({ core, request }: ApiContext): SandboxResponse {
  const query = parseQuery(
    request,
    z.object({ include_fields: detailGroups, limit: limitParam, cursor: z.string().min(1).optional() }),
  );
  if (!query.ok) return validationFailed(query.problems);
  const page = offsetPage(organizationFields(core), query.value.limit, query.value.cursor);
  if (!page.ok) return validationFailed([page.problem]);
  const groups = query.value.include_fields ?? [];
  return ok(
    page.page.items.map((field) => fieldViewV2(field, groups)),
    { next_cursor: page.page.nextCursor },
  );
}

function getV2({ core, request }: ApiContext): SandboxResponse {
  const query = parseQuery(request, z.object({ include_fields: detailGroups }));
  if (!query.ok) return validationFailed(query.problems);
  const field = core.store.field('organization', request.params.field_code ?? '');
  if (!field) return notFound();
  return ok(fieldViewV2(field, query.value.include_fields ?? []));
}

type NewField = { name: string; type: (typeof CREATABLE_FIELD_TYPES)[number]; options: string[] | undefined };

function checkNewField(core: SandboxCore, parsed: Parsed<NewField>): { ok: true; field: NewField } | SandboxResponse {
  if (!parsed.ok) return validationFailed(parsed.problems);
  const { type, options } = parsed.value;
  if (OPTION_TYPES.has(type) && (options === undefined || options.length === 0)) {
    return validationFailed([`options: required for ${type} fields`]);
  }
  if (!OPTION_TYPES.has(type) && options !== undefined) {
    return validationFailed([`options: only enum and set fields have options`]);
  }
  if (core.store.fields.filter((field) => field.is_custom_field).length >= CUSTOM_FIELD_LIMIT[core.config.plan]) {
    return limitReached("Couldn't add the field. Custom fields limit reached.", 'feature_capping_custom_fields_limit');
  }
  return { ok: true, field: parsed.value };
}

function createField(core: SandboxCore, parsed: Parsed<NewField>, now: number) {
  const checked = checkNewField(core, parsed);
  if (!('ok' in checked)) return checked;
  const { name, type, options } = checked.field;
  return addCustomField(
    core.store,
    core.config.companyId,
    { entity: 'organization', field_name: name, field_type: type, optionLabels: options },
    now,
  );
}

function mapParsed<T>(parsed: Parsed<T>, map: (value: T) => NewField): Parsed<NewField> {
  return parsed.ok ? { ok: true, value: map(parsed.value) } : parsed;
}

function createV2({ core, request, now }: ApiContext): SandboxResponse {
  const body = mapParsed(parseJsonBody(request, FieldCreateV2), (input) => ({
    name: input.field_name,
    type: input.field_type,
    options: input.options?.map((option) => option.label),
  }));
  const field = createField(core, body, now);
  if ('status' in field) return field;
  return ok(fieldViewV2(field, FIELD_DETAIL_GROUPS));
}

function removeV2({ core, request }: ApiContext): SandboxResponse {
  const field = core.store.field('organization', request.params.field_code ?? '');
  if (!field) return notFound();
  if (!field.is_custom_field) return validationFailed(['field_code: system fields cannot be deleted']);
  deleteCustomField(core.store, field);
  return ok(fieldViewV2(field, []));
}

function listV1({ core, request }: ApiContext): SandboxResponse {
  const query = parseQuery(
    request,
    z.object({ start: integerParam.pipe(z.number().int().min(0)).default(0), limit: limitParam }),
  );
  if (!query.ok) return validationFailed(query.problems);
  const { start, limit } = query.value;
  const all = organizationFields(core);
  const more = start + limit < all.length;
  return ok(all.slice(start, start + limit).map(fieldViewV1), {
    pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) },
  });
}

function getV1({ core, request }: ApiContext): SandboxResponse {
  const id = pathId(request);
  const field = organizationFields(core).find((candidate) => candidate.id === id);
  if (!field) return notFound();
  return ok(fieldViewV1(field));
}

function createV1({ core, request, now }: ApiContext): SandboxResponse {
  const body = mapParsed(parseJsonBody(request, FieldCreateV1), (input) => ({
    name: input.name,
    type: input.field_type,
    options: input.options?.map((option) => option.label),
  }));
  const field = createField(core, body, now);
  if ('status' in field) return field;
  return ok(fieldViewV1(field));
}
