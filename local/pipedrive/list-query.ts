import * as z from 'zod';
import type { SandboxCore } from './core';
import { keysetPage, type PageResult } from './pagination';
import {
  booleanParam,
  enumListParam,
  idListParam,
  integerParam,
  limitParam,
  positiveIdParam,
  rfc3339Param,
} from './query';
import type { FieldEntity } from './store';
import type { ViewOptions } from './views';

export const ORGANIZATION_INCLUDE_FIELDS = [
  'next_activity_id',
  'last_activity_id',
  'open_deals_count',
  'related_open_deals_count',
  'closed_deals_count',
  'related_closed_deals_count',
  'email_messages_count',
  'people_count',
  'activities_count',
  'done_activities_count',
  'undone_activities_count',
  'files_count',
  'notes_count',
  'followers_count',
  'won_deals_count',
  'related_won_deals_count',
  'lost_deals_count',
  'related_lost_deals_count',
  'smart_bcc_email',
] as const;

export const PERSON_INCLUDE_FIELDS = [
  'next_activity_id',
  'last_activity_id',
  'open_deals_count',
  'related_open_deals_count',
  'closed_deals_count',
  'related_closed_deals_count',
  'participant_open_deals_count',
  'participant_closed_deals_count',
  'email_messages_count',
  'activities_count',
  'done_activities_count',
  'undone_activities_count',
  'files_count',
  'notes_count',
  'followers_count',
  'won_deals_count',
  'related_won_deals_count',
  'lost_deals_count',
  'related_lost_deals_count',
  'last_incoming_mail_time',
  'last_outgoing_mail_time',
  'marketing_status',
  'doi_status',
  'smart_bcc_email',
] as const;

/** `custom_fields`: a comma list of at most 15 keys ([SPEC2]). */
const customFieldKeys = z
  .string()
  .transform((value) => value.split(',').map((key) => key.trim()))
  .pipe(z.array(z.string().min(1)).max(15, 'at most 15 custom field keys are allowed'));

/** Query parameters of a single-entity GET. */
export function detailQuery(includeFields: readonly [string, ...string[]]) {
  return z.object({
    include_fields: enumListParam(includeFields).optional(),
    custom_fields: customFieldKeys.optional(),
    include_option_labels: booleanParam.optional(),
    include_labels: booleanParam.optional(),
  });
}

/** Query parameters of a v2 list (`GET /organizations`, `GET /persons`). */
export function listQuery(includeFields: readonly [string, ...string[]]) {
  return detailQuery(includeFields).extend({
    filter_id: integerParam.optional(),
    ids: idListParam(100).optional(),
    owner_id: positiveIdParam.optional(),
    updated_since: rfc3339Param.optional(),
    updated_until: rfc3339Param.optional(),
    sort_by: z.enum(['id', 'update_time', 'add_time']).default('id'),
    sort_direction: z.enum(['asc', 'desc']).default('asc'),
    limit: limitParam,
    cursor: z.string().min(1).optional(),
  });
}
export type ListQuery = z.infer<ReturnType<typeof listQuery>>;

interface ListedRecord {
  id: number;
  owner_id: number;
  add_time: number;
  update_time: number;
}

/** Filters (ids, owner, updated window) and one page in the requested order. */
export function listPage<T extends ListedRecord>(records: readonly T[], query: ListQuery): PageResult<T> {
  const ids = query.ids ? new Set(query.ids) : undefined;
  const matching = records.filter(
    (record) =>
      (!ids || ids.has(record.id)) &&
      (query.owner_id === undefined || record.owner_id === query.owner_id) &&
      (query.updated_since === undefined || record.update_time >= query.updated_since) &&
      (query.updated_until === undefined || record.update_time < query.updated_until),
  );
  const sortBy = query.sort_by;
  const value = (record: T) =>
    sortBy === 'id' ? record.id : sortBy === 'add_time' ? record.add_time : record.update_time;
  return keysetPage(matching, { field: sortBy, direction: query.sort_direction, value }, query.limit, query.cursor);
}

export type ViewOptionsResult = { ok: true; options: ViewOptions } | { ok: false; problems: string[] };

/** Turns the detail parameters into view options; unknown custom-field keys are an error. */
export function viewOptions(
  core: SandboxCore,
  entity: FieldEntity,
  query: z.infer<ReturnType<typeof detailQuery>>,
): ViewOptionsResult {
  const known = new Set(core.store.customFields(entity).map((field) => field.field_code));
  const unknown = (query.custom_fields ?? []).filter((key) => !known.has(key));
  if (unknown.length > 0) return { ok: false, problems: [`custom_fields: unknown keys ${unknown.join(', ')}`] };
  return {
    ok: true,
    options: {
      customFieldKeys: query.custom_fields,
      includeOptionLabels: query.include_option_labels,
      includeFields: query.include_fields,
    },
  };
}
