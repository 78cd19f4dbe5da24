import { createHash } from 'node:crypto';
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
  /**
   * How long the path may spend sending before it answers: Intuit waits 3 s, and a delivery it times
   * out is sent again and holds back every later event (decision 56). Unlimited when absent.
   */
  sendBudgetMs?: number;
  /**
   * Asks for an early CDC poll of a realm, with a key naming the events it stands for (a delivery sent
   * again asks with the same key), their messages, which are sent if the poll cannot read, and when
   * the delivery arrived. A realm with `pollAtEvents` or more events in one delivery gets that instead
   * of a message per event: one poll reads them, records and open invoices included, and polls asked
   * for close together share a read (decisions 65, 66). Absent, every event is a message.
   */
  pollSoon?: (realmId: string, key: string, messages: readonly SyncMessage[], receivedAt: number) => Promise<void>;
  pollAtEvents?: number;
}

/** Messages sent between two looks at the clock: a few rounds of batches on the queue's lanes. */
const SEND_CHUNK = 100;

export interface WebhookCounts {
  received: number;
  enqueued: number;
  unknownRealm: number;
  ignoredEntity: number;
  stale: number;
  unreadable: number;
  /** Events left to the CDC poll: the delivery was over the size cap, or sending them would not fit in Intuit's wait. */
  leftToPoll: number;
  /** Events an early poll of their realm reads instead (decision 65). */
  polledEarly: number;
}

export interface WebhookOutcome {
  status: 200 | 401 | 500;
  body: string;
  counts: WebhookCounts;
  /** Why nothing of a delivery was enqueued, for the log and metrics (never the body itself). */
  rejection?: 'too-large' | 'bad-signature' | 'queue-failed';
}

const OPERATION_BY_KIND: Record<string, SyncMessage['kind'] | undefined> = {
  Customer: 'customer',
  Invoice: 'invoice',
  Payment: 'payment',
};

/**
 * The webhook path (docs/architecture.md#webhook-intake): the signature over the raw bytes, then one
 * message per (realm, entity, id). 200 only once the queue has every message; 500 if it failed (Intuit
 * retries); 401 for a bad signature; 200 for what we do not handle (a 4xx would make Intuit retry the
 * whole batch and hold back later events). A signed delivery over `maxBodyBytes` is acknowledged
 * without enqueuing: refused, Intuit would send the same body again for ever and hold back every
 * later event, and the CDC poll reads its changes anyway (decision 56). No KMS, no QBO call here.
 */
export async function acceptWebhook(delivery: WebhookDelivery, deps: WebhookDependencies): Promise<WebhookOutcome> {
  const counts: WebhookCounts = {
    received: 0,
    enqueued: 0,
    unknownRealm: 0,
    ignoredEntity: 0,
    stale: 0,
    unreadable: 0,
    leftToPoll: 0,
    polledEarly: 0,
  };
  const started = deps.now();
  if (!verifyIntuitSignature(delivery.rawBody, delivery.signature, deps.verifierTokens)) {
    return { status: 401, body: '{"error":"invalid signature"}', counts, rejection: 'bad-signature' };
  }
  if (delivery.rawBody.length > deps.maxBodyBytes)
    return { status: 200, body: '{"accepted":0,"readBy":"cdc-poll"}', counts, rejection: 'too-large' };
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
    await sendWithinBudget(await pollBusyRealms([...messages.values()], deps, counts, now), deps, counts, started);
  } catch {
    return { status: 500, body: '{"error":"not accepted, please retry"}', counts, rejection: 'queue-failed' };
  }
  return {
    status: 200,
    body: JSON.stringify({ accepted: counts.enqueued, ...(counts.leftToPoll > 0 ? { readBy: 'cdc-poll' } : {}) }),
    counts,
  };
}

/** The messages left to send once each realm with `pollAtEvents` or more of them has asked for an early poll. */
async function pollBusyRealms(
  messages: readonly SyncMessage[],
  deps: WebhookDependencies,
  counts: WebhookCounts,
  receivedAt: number,
): Promise<SyncMessage[]> {
  const { pollSoon, pollAtEvents } = deps;
  if (!pollSoon || pollAtEvents === undefined) return [...messages];
  const byRealm = new Map<string, SyncMessage[]>();
  for (const message of messages) {
    const realmMessages = byRealm.get(message.realmId);
    if (realmMessages) realmMessages.push(message);
    else byRealm.set(message.realmId, [message]);
  }
  const rest: SyncMessage[] = [];
  for (const [realmId, realmMessages] of byRealm) {
    if (realmMessages.length < pollAtEvents) {
      rest.push(...realmMessages);
      continue;
    }
    const key = createHash('sha256')
      .update(realmMessages.map((m) => m.eventId).join('\n'))
      .digest('hex');
    await pollSoon(realmId, key, realmMessages, receivedAt);
    counts.polledEarly += realmMessages.length;
  }
  return rest;
}

/** Sends the messages a chunk at a time; out of time, the rest is left to the CDC poll (decision 56). */
async function sendWithinBudget(
  messages: readonly SyncMessage[],
  deps: WebhookDependencies,
  counts: WebhookCounts,
  started: number,
): Promise<void> {
  const all = messages.map(queued);
  for (let i = 0; i < all.length; i += SEND_CHUNK) {
    if (i > 0 && deps.sendBudgetMs !== undefined && deps.now() - started > deps.sendBudgetMs) {
      counts.leftToPoll = all.length - i;
      return;
    }
    await deps.queue.send(all.slice(i, i + SEND_CHUNK));
    counts.enqueued = Math.min(all.length, i + SEND_CHUNK);
  }
}
