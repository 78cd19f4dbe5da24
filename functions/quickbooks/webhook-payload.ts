import { createHash } from 'node:crypto';
import * as z from '../shared/zod-mini';
import type { ChangeEvent } from '../sync/change-events';

/**
 * QBO realm (company) ids and entity ids are decimal numbers. Anything else is unreadable: it never
 * reaches a table key, an SQS group id (≤128 of a restricted alphabet) or a message (decision 40).
 */
export const QboRealmId = z.string().check(z.regex(/^\d{1,32}$/));
export const QboEntityId = z.string().check(z.regex(/^\d{1,20}$/));
/** Entity and operation names: short words (Customer, Update, …). */
const Word = z.string().check(z.regex(/^[A-Za-z]{1,40}$/));
/** An event id only dedupes (it is hashed when SQS would refuse it); bounded so a message stays small. */
const EventId = z.string().check(z.minLength(1), z.maxLength(256));
const Time = z.string().check(z.maxLength(64));

/** The legacy object format (FACTS §2.1). */
const LegacyEntity = z.looseObject({
  name: Word,
  id: QboEntityId,
  operation: Word,
  lastUpdated: z.optional(Time),
  deletedId: z.optional(QboEntityId),
});
const LegacyNotification = z.looseObject({
  realmId: QboRealmId,
  dataChangeEvent: z.optional(z.looseObject({ entities: z._default(z.array(z.unknown()), []) })),
});
const LegacyBody = z.looseObject({ eventNotifications: z.array(z.unknown()) });

/** One CloudEvents event of the new array format (FACTS §2.4). */
const CloudEvent = z.looseObject({
  specversion: z.optional(z.string()),
  id: EventId,
  type: z.string().check(z.regex(/^qbo\.[a-z]{1,40}\.[a-z]{1,40}\.v\d{1,4}$/)),
  time: z.optional(Time),
  intuitentityid: QboEntityId,
  intuitaccountid: QboRealmId,
  data: z.nullish(z.looseObject({ deletedid: z.optional(QboEntityId) })),
});

const OPERATIONS: Record<string, string> = {
  created: 'Create',
  updated: 'Update',
  deleted: 'Delete',
  merged: 'Merge',
  voided: 'Void',
  emailed: 'Emailed',
};
const ENTITIES: Record<string, string> = { customer: 'Customer', invoice: 'Invoice', payment: 'Payment', term: 'Term' };

export interface ParsedWebhook {
  events: ChangeEvent[];
  /** Items that were not understood (unknown shape); counted and dropped, never an error to Intuit. */
  unreadable: number;
}

/** Legacy payloads carry no event id: this key (realm, entity, id, operation, time) stands in for one. */
export function legacyEventId(
  realmId: string,
  entity: string,
  id: string,
  operation: string,
  lastUpdated: string | undefined,
): string {
  return createHash('sha256')
    .update([realmId, entity, id, operation, lastUpdated ?? ''].join('|'))
    .digest('hex');
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * Splits a webhook body, in either format, into one event per (realm, entity, id). Returns
 * undefined when the body is not a webhook at all. Never throws.
 */
export function parseWebhookPayload(rawBody: string): ParsedWebhook | undefined {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return undefined;
  }
  if (Array.isArray(body)) return parseCloudEvents(body);
  const legacy = LegacyBody.safeParse(body);
  return legacy.success ? parseLegacy(legacy.data) : undefined;
}

function parseCloudEvents(items: unknown[]): ParsedWebhook {
  const events: ChangeEvent[] = [];
  let unreadable = 0;
  for (const item of items) {
    const parsed = CloudEvent.safeParse(item);
    if (!parsed.success) {
      unreadable++;
      continue;
    }
    const [, entity = '', operation = ''] = parsed.data.type.split('.');
    const deletedId = parsed.data.data?.deletedid;
    events.push({
      realmId: parsed.data.intuitaccountid,
      entity: ENTITIES[entity] ?? capitalise(entity),
      id: parsed.data.intuitentityid,
      operation: OPERATIONS[operation] ?? capitalise(operation),
      ...(deletedId !== undefined ? { deletedId } : {}),
      ...(parsed.data.time !== undefined ? { occurredAt: parsed.data.time } : {}),
      eventId: parsed.data.id,
    });
  }
  return { events, unreadable };
}

function parseLegacy(body: z.infer<typeof LegacyBody>): ParsedWebhook {
  const events: ChangeEvent[] = [];
  let unreadable = 0;
  for (const raw of body.eventNotifications) {
    const parsed = LegacyNotification.safeParse(raw);
    if (!parsed.success) {
      unreadable++;
      continue;
    }
    const notification = parsed.data;
    for (const item of notification.dataChangeEvent?.entities ?? []) {
      const entity = LegacyEntity.safeParse(item);
      if (!entity.success) {
        unreadable++;
        continue;
      }
      const { name, id, operation, lastUpdated, deletedId } = entity.data;
      events.push({
        realmId: notification.realmId,
        entity: name,
        id,
        operation,
        ...(deletedId !== undefined ? { deletedId } : {}),
        ...(lastUpdated !== undefined ? { occurredAt: lastUpdated } : {}),
        eventId: legacyEventId(notification.realmId, name, id, operation, lastUpdated),
      });
    }
  }
  return { events, unreadable };
}
