import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ChangeEvent } from '../sync/change-events';

/** The legacy object format (FACTS §2.1). */
const LegacyEntity = z.looseObject({
  name: z.string().min(1),
  id: z.string().min(1),
  operation: z.string().min(1),
  lastUpdated: z.string().optional(),
  deletedId: z.string().optional(),
});
const LegacyBody = z.looseObject({
  eventNotifications: z.array(
    z.looseObject({
      realmId: z.string().min(1),
      dataChangeEvent: z.looseObject({ entities: z.array(z.unknown()).default([]) }).optional(),
    }),
  ),
});

/** One CloudEvents event of the new array format (FACTS §2.4). */
const CloudEvent = z.looseObject({
  specversion: z.string().optional(),
  id: z.string().min(1),
  type: z.string().regex(/^qbo\.[a-z]+\.[a-z]+\.v\d+$/),
  time: z.string().optional(),
  intuitentityid: z.string().min(1),
  intuitaccountid: z.string().min(1),
  data: z.looseObject({ deletedid: z.string().optional() }).nullish(),
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
  for (const notification of body.eventNotifications) {
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
