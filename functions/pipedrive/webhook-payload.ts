import * as z from '../shared/zod-mini';
import type { OrganizationEvent } from '../sync/organization-event';

/**
 * An id: a string in Pipedrive's documented v2 example, a number elsewhere in its API. Unverified which
 * a delivery carries, so both are read (decision 6, the harder side).
 */
const Id = z.pipe(
  z.union([z.number(), z.string().check(z.regex(/^\d{1,15}$/))]),
  z.transform((value) => Number(value)),
);
const Fields = z.record(z.string(), z.unknown());

/** The v2 envelope (FACTS §6, webhook-v2-envelope.json): only what the rules read is required. */
const WebhookV2 = z.looseObject({
  meta: z.looseObject({
    id: z.string().check(z.minLength(1), z.maxLength(200)),
    action: z.string(),
    entity: z.string(),
    entity_id: z.optional(Id),
    version: z.literal('2.0'),
    merged_to_id: z.optional(z.nullable(Id)),
    merged_from_id: z.optional(z.nullable(Id)),
  }),
  data: z.nullable(
    z.looseObject({
      id: z.optional(Id),
      name: z.optional(z.nullable(z.string())),
      address: z.optional(z.nullable(z.unknown())),
      custom_fields: z.optional(z.nullable(Fields)),
    }),
  ),
  previous: z.optional(z.nullable(z.looseObject({ custom_fields: z.optional(z.nullable(Fields)) }))),
});

export type ParsedWebhook =
  | { kind: 'organization'; event: OrganizationEvent }
  /** Well formed but not ours to judge (another entity or action): acknowledged, nothing enqueued. */
  | { kind: 'ignored' }
  | { kind: 'malformed' };

const ACTIONS = new Set(['create', 'change', 'delete']);

/** Reads one Pipedrive v2 webhook delivery (decision 63); never throws. */
export function parsePipedriveWebhook(body: string): ParsedWebhook {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'malformed' };
  }
  const parsed = WebhookV2.safeParse(json);
  if (!parsed.success) return { kind: 'malformed' };
  const { meta, data, previous } = parsed.data;
  if (meta.entity !== 'organization' || !ACTIONS.has(meta.action)) return { kind: 'ignored' };
  const orgId = meta.entity_id ?? data?.id;
  if (orgId === undefined || !Number.isSafeInteger(orgId) || orgId <= 0) return { kind: 'malformed' };
  const action = meta.action === 'create' ? 'create' : meta.action === 'change' ? 'change' : 'delete';
  if (action !== 'delete' && data === null) return { kind: 'malformed' };
  const positive = (value: number | null | undefined) =>
    value !== null && value !== undefined && Number.isSafeInteger(value) && value > 0 ? value : undefined;
  const mergedToId = positive(meta.merged_to_id);
  const mergedFromId = positive(meta.merged_from_id);
  const previousCustomFields = previous?.custom_fields ?? undefined;
  return {
    kind: 'organization',
    event: {
      id: meta.id,
      action,
      orgId,
      ...(mergedToId !== undefined ? { mergedToId } : {}),
      ...(mergedFromId !== undefined ? { mergedFromId } : {}),
      ...(data
        ? {
            current: {
              ...(typeof data.name === 'string' ? { name: data.name } : {}),
              ...(data.address !== undefined ? { address: data.address } : {}),
              customFields: data.custom_fields ?? {},
            },
          }
        : {}),
      ...(previousCustomFields ? { previousCustomFields } : {}),
    },
  };
}
