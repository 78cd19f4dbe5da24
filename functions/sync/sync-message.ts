import { createHash } from 'node:crypto';
import * as z from '../shared/zod-mini';
import { EmbeddedOpenInvoices } from './open-invoices';

export const SyncSource = z.enum(['webhook', 'cdc', 'backfill', 'reconcile', 'replay']);
export type SyncSource = z.infer<typeof SyncSource>;

/**
 * One unit of work on the changes or bulk queue: "bring this customer (or the customer behind this
 * invoice or payment) up to date". A CDC message may embed the full customer record, which saves
 * the worker a QBO read.
 */
export const SyncMessage = z.object({
  v: z.literal(1),
  realmId: z.string().check(z.minLength(1)),
  kind: z.enum(['customer', 'invoice', 'payment']),
  id: z.string().check(z.minLength(1)),
  operation: z.optional(z.string()),
  /** The merged-away customer of a Merge. */
  deletedId: z.optional(z.string()),
  source: SyncSource,
  eventId: z.string().check(z.minLength(1)),
  occurredAt: z.optional(z.string()),
  /** A full customer as CDC returned it (validated by the worker like any QBO record). */
  record: z.optional(z.unknown()),
  /** With a backfill's record: the open invoices behind its overdue balance, read with it (decision 60). */
  openInvoices: z.optional(EmbeddedOpenInvoices),
  /**
   * Push every mapped field again, whatever was recorded as pushed: an older write of a concurrent
   * attempt may have reached Pipedrive after the newer one it lost the record to (decision 47).
   */
  repush: z.optional(z.boolean()),
  /**
   * An operator's replay that confirmed creating an organization again for a customer whose own a rep
   * deleted or merged into another customer's (decision 64); without it nothing is recreated.
   */
  recreate: z.optional(z.boolean()),
  /** Epoch ms the message was enqueued (sync lag starts here when QBO gives no time). */
  enqueuedAt: z.number(),
});
export type SyncMessage = z.infer<typeof SyncMessage>;

/** A message as a FIFO queue wants it. */
export interface QueuedMessage {
  body: SyncMessage;
  /** `<realm>#<customer>`: one customer is never worked on twice at once. */
  groupId: string;
  /** Same for redeliveries of the same event, so the queue drops them (5-minute window). */
  deduplicationId: string;
}

const DEDUP_ALLOWED = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

/** SQS allows 128 characters of alphanumerics and punctuation; anything else is hashed. */
export function deduplicationIdFor(eventId: string, realmId: string): string {
  const candidate = `${realmId}:${eventId}`;
  return DEDUP_ALLOWED.test(candidate) ? candidate : createHash('sha256').update(candidate).digest('hex');
}

/** Invoices and payments are grouped by themselves until the worker knows their customer. */
export function groupIdFor(message: Pick<SyncMessage, 'realmId' | 'kind' | 'id'>): string {
  return message.kind === 'customer'
    ? `${message.realmId}#${message.id}`
    : `${message.realmId}#${message.kind}:${message.id}`;
}

export function queued(body: SyncMessage): QueuedMessage {
  return { body, groupId: groupIdFor(body), deduplicationId: deduplicationIdFor(body.eventId, body.realmId) };
}

/** Every message is built here, so its version and shape are in one place. */
export function syncMessage(fields: Omit<SyncMessage, 'v'>): SyncMessage {
  return { v: 1, ...fields };
}

/**
 * Event ids of work derived from another message: `<from>><what>` for new work it gives rise to
 * (a customer refresh, a repush), `<from>:<release>` for the same work sent again after it waited
 * (parked, deferred, blocked). The same derivation gives the same id, so the queue drops duplicates.
 */
function derivedEventId(from: string, what: string): string {
  return `${from}>${what}`;
}

export function releasedEventId(from: string, release: string): string {
  return `${from}:${release}`;
}

/** "Refresh this customer", derived from another message (an invoice's, a payment's, a sub-customer's). */
export function customerWork(from: SyncMessage, customerId: string, now: number): SyncMessage {
  return syncMessage({
    realmId: from.realmId,
    kind: 'customer',
    id: customerId,
    source: from.source,
    eventId: derivedEventId(from.eventId, customerId),
    ...(from.occurredAt ? { occurredAt: from.occurredAt } : {}),
    enqueuedAt: now,
  });
}

/**
 * A fresh read and full write of a customer, after a lost race (decision 47); no embedded record,
 * which may be the older version.
 */
export function repushWork(from: SyncMessage, customerId: string, now: number): SyncMessage {
  return { ...customerWork(from, customerId, now), eventId: derivedEventId(from.eventId, 'repush'), repush: true };
}

/** Work that waited (parked, deferred, blocked), sent again under a new event id per release. */
export function released(message: SyncMessage, release: string, now: number): QueuedMessage {
  return queued({ ...message, eventId: releasedEventId(message.eventId, release), enqueuedAt: now });
}

/** Where messages go: the changes (realtime) or bulk (backfill, reconcile) FIFO queue. */
export interface MessageQueue {
  send(messages: readonly QueuedMessage[]): Promise<void>;
}
