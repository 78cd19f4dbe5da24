import { parsePipedriveWebhook } from '../pipedrive/webhook-payload';
import { type OrganizationEventQueue, queuedOrganizationEvent } from '../sync/organization-event';
import { type StoredWebhookCredentials, webhookAuthMatches } from './pipedrive-webhook-credentials';

export interface PipedriveWebhookDelivery {
  realmId: string;
  authorization: string | undefined;
  body: string;
}

export interface PipedriveWebhookDependencies {
  /** The connection's stored webhook credentials; undefined when it has none (or no connection). */
  credentialsOf(realmId: string): Promise<StoredWebhookCredentials | undefined>;
  queue: OrganizationEventQueue;
  now(): number;
  maxBodyBytes: number;
}

export interface PipedriveWebhookOutcome {
  status: 200 | 400 | 401 | 413 | 500;
  enqueued: number;
  /** Why nothing was enqueued (for the log and metrics; never the body). */
  rejection?: 'unauthenticated' | 'malformed' | 'too-large' | 'ignored' | 'queue-failed';
}

/**
 * A Pipedrive webhook delivery (decision 63): Basic auth first (401), then the payload (400), then one
 * message on the changes queue. Nothing is enqueued unless both hold. Answers fast: one connection
 * read and one send, well inside Pipedrive's 10 s. A queue failure is a 500, which Pipedrive retries.
 */
export async function acceptPipedriveWebhook(
  delivery: PipedriveWebhookDelivery,
  deps: PipedriveWebhookDependencies,
): Promise<PipedriveWebhookOutcome> {
  const credentials = await deps.credentialsOf(delivery.realmId);
  if (!webhookAuthMatches(delivery.authorization, credentials))
    return { status: 401, enqueued: 0, rejection: 'unauthenticated' };
  if (Buffer.byteLength(delivery.body, 'utf8') > deps.maxBodyBytes)
    return { status: 413, enqueued: 0, rejection: 'too-large' };
  const parsed = parsePipedriveWebhook(delivery.body);
  if (parsed.kind === 'malformed') return { status: 400, enqueued: 0, rejection: 'malformed' };
  if (parsed.kind === 'ignored') return { status: 200, enqueued: 0, rejection: 'ignored' };
  try {
    await deps.queue.send([queuedOrganizationEvent(delivery.realmId, parsed.event, deps.now())]);
  } catch {
    return { status: 500, enqueued: 0, rejection: 'queue-failed' };
  }
  return { status: 200, enqueued: 1 };
}
