import { SYNCED_ENTITIES } from '../sync/change-events';
import { parseQboTime } from '../sync/qbo-time';
import { type MessageQueue, queued, type SyncMessage, syncMessage } from '../sync/sync-message';
import { parseWebhookPayload } from './webhook-payload';
import { verifyIntuitSignature } from './webhook-signature';

export interface WebhookDelivery {
  rawBody: Buffer;
  signature: string | undefined;
}

export interface WebhookDependencies {
  verifierTokens: readonly string[];
  queue: MessageQueue;
  /** Whether a realm has a connection here; unknown realms are acknowledged and dropped. */
  isKnownRealm(realmId: string): Promise<boolean>;
  now(): number;
  maxBodyBytes: number;
  /** Events older than this (by their signed time) are acknowledged and dropped; CDC covers them (docs/architecture.md#webhook-intake). */
  staleAfterMs: number;
}

export interface WebhookCounts {
  received: number;
  enqueued: number;
  unknownRealm: number;
  ignoredEntity: number;
  stale: number;
  unreadable: number;
}

export interface WebhookOutcome {
  status: 200 | 401 | 413 | 500;
  body: string;
  counts: WebhookCounts;
  /** Why a delivery was refused, for the log (never the body itself). */
  rejection?: 'too-large' | 'bad-signature' | 'queue-failed';
}

const OPERATION_BY_KIND: Record<string, SyncMessage['kind'] | undefined> = {
  Customer: 'customer',
  Invoice: 'invoice',
  Payment: 'payment',
};

/**
 * The webhook path (docs/architecture.md#webhook-intake): size check, then the signature over the raw bytes, then one
 * message per (realm, entity, id). 200 only once the queue has every message; 500 if it failed (Intuit
 * retries); 401 for a bad signature; 413 for an oversized body; 200 for what we do not handle (a 4xx
 * would make Intuit retry the whole batch and hold back later events). No KMS, no QBO call here.
 */
export async function acceptWebhook(delivery: WebhookDelivery, deps: WebhookDependencies): Promise<WebhookOutcome> {
  const counts: WebhookCounts = {
    received: 0,
    enqueued: 0,
    unknownRealm: 0,
    ignoredEntity: 0,
    stale: 0,
    unreadable: 0,
  };
  if (delivery.rawBody.length > deps.maxBodyBytes)
    return { status: 413, body: '{"error":"payload too large"}', counts, rejection: 'too-large' };
  if (!verifyIntuitSignature(delivery.rawBody, delivery.signature, deps.verifierTokens)) {
    return { status: 401, body: '{"error":"invalid signature"}', counts, rejection: 'bad-signature' };
  }
  const parsed = parseWebhookPayload(delivery.rawBody.toString('utf8'));
  if (!parsed) {
    counts.unreadable = 1;
    return { status: 200, body: '{"accepted":0}', counts };
  }
  counts.unreadable = parsed.unreadable;
  counts.received = parsed.events.length;
  const now = deps.now();
  const messages = new Map<string, SyncMessage>();
  const realms = new Map<string, boolean>();
  for (const event of parsed.events) {
    const kind = SYNCED_ENTITIES.has(event.entity) ? OPERATION_BY_KIND[event.entity] : undefined;
    if (!kind) {
      counts.ignoredEntity++;
      continue;
    }
    const occurred = event.occurredAt ? parseQboTime(event.occurredAt) : Number.NaN;
    if (!Number.isNaN(occurred) && now - occurred > deps.staleAfterMs) {
      counts.stale++;
      continue;
    }
    let known = realms.get(event.realmId);
    if (known === undefined) {
      known = await deps.isKnownRealm(event.realmId);
      realms.set(event.realmId, known);
    }
    if (!known) {
      counts.unknownRealm++;
      continue;
    }
    messages.set(
      `${event.realmId}|${event.eventId}`,
      syncMessage({
        realmId: event.realmId,
        kind,
        id: event.id,
        operation: event.operation,
        ...(event.deletedId !== undefined ? { deletedId: event.deletedId } : {}),
        source: 'webhook',
        eventId: event.eventId,
        ...(event.occurredAt !== undefined ? { occurredAt: event.occurredAt } : {}),
        enqueuedAt: now,
      }),
    );
  }
  try {
    await deps.queue.send([...messages.values()].map(queued));
  } catch {
    return { status: 500, body: '{"error":"not accepted, please retry"}', counts, rejection: 'queue-failed' };
  }
  counts.enqueued = messages.size;
  return { status: 200, body: JSON.stringify({ accepted: messages.size }), counts };
}
