import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { SandboxResponse } from '../shared/http';
import type { ApiContext, ApiRoute, SandboxCore } from './core';
import { parseJsonBody, pathId } from './request-body';
import { failure, notFound, ok } from './responses';
import type { Organization } from './store';
import { organizationView } from './views';

/** A subscription as `POST /v1/webhooks` made it ([SPEC1] BaseWebhook). */
export interface Webhook {
  id: number;
  userId: number;
  eventAction: string;
  eventObject: string;
  subscriptionUrl: string;
  name: string;
  httpAuthUser: string | null;
  httpAuthPassword: string | null;
  version: '1.0' | '2.0';
  addTime: number;
}

/** Max 40 webhooks per user (FACTS §6); what Pipedrive answers past it is unverified: a 400, as the spec lists. */
const MAX_WEBHOOKS_PER_USER = 40;
/** Retries after a failed delivery (FACTS §6), on the sandbox clock. */
const RETRY_DELAYS_MS = [3_000, 30_000, 150_000];

const AddWebhook = z.strictObject({
  subscription_url: z.url(),
  event_action: z.enum(['create', 'change', 'delete', '*']),
  event_object: z.enum([
    'activity',
    'deal',
    'lead',
    'note',
    'organization',
    'person',
    'pipeline',
    'product',
    'stage',
    'user',
    '*',
  ]),
  name: z.string().min(1).max(255),
  user_id: z.number().int().positive().optional(),
  http_auth_user: z.string().nullable().optional(),
  http_auth_password: z.string().nullable().optional(),
  version: z.enum(['1.0', '2.0']).default('2.0'),
});

const ADMIN = ['admin'];

/** `GET/POST /v1/webhooks`, `DELETE /v1/webhooks/{id}` ([SPEC1], FACTS §6): OAuth scope `admin`. */
export function webhookRoutes(): ApiRoute[] {
  const v1 = { api: 'v1' as const, scopes: ADMIN };
  return [
    { ...v1, method: 'GET', path: '/webhooks', operationId: 'getWebhooks', handle: list },
    { ...v1, method: 'POST', path: '/webhooks', operationId: 'addWebhook', handle: add },
    { ...v1, method: 'DELETE', path: '/webhooks/{id}', operationId: 'deleteWebhook', handle: remove },
  ];
}

function view(core: SandboxCore, webhook: Webhook): Record<string, unknown> {
  return {
    id: webhook.id,
    company_id: core.config.companyId,
    owner_id: webhook.userId,
    user_id: webhook.userId,
    event_action: webhook.eventAction,
    event_object: webhook.eventObject,
    subscription_url: webhook.subscriptionUrl,
    version: webhook.version,
    is_active: 1,
    add_time: new Date(webhook.addTime).toISOString(),
    remove_time: null,
    type: 'general',
    http_auth_user: webhook.httpAuthUser,
    // Pipedrive's answer carries the password field; the sandbox does not echo a secret back.
    http_auth_password: webhook.httpAuthPassword === null ? null : '********',
    remove_reason: null,
    last_delivery_time: null,
    last_http_status: null,
    admin_id: webhook.userId,
    name: webhook.name,
  };
}

function list({ core }: ApiContext): SandboxResponse {
  return ok([...core.webhooks.subscriptions.values()].map((webhook) => view(core, webhook)));
}

function add({ core, request, principal, now }: ApiContext): SandboxResponse {
  const body = parseJsonBody(request, AddWebhook);
  if (!body.ok) return failure(400, 'Validation failed', { errors: { body: body.problems } });
  const input = body.value;
  const userId = input.user_id ?? principal.userId;
  const owned = [...core.webhooks.subscriptions.values()].filter((webhook) => webhook.userId === userId).length;
  if (owned >= MAX_WEBHOOKS_PER_USER) return failure(400, `A user may have at most ${MAX_WEBHOOKS_PER_USER} webhooks`);
  const webhook: Webhook = {
    id: core.webhooks.nextId(),
    userId,
    eventAction: input.event_action,
    eventObject: input.event_object,
    subscriptionUrl: input.subscription_url,
    name: input.name,
    httpAuthUser: input.http_auth_user ?? null,
    httpAuthPassword: input.http_auth_password ?? null,
    version: input.version,
    addTime: now,
  };
  core.webhooks.subscriptions.set(webhook.id, webhook);
  return { ...ok(view(core, webhook)), status: 201 };
}

function remove({ core, request }: ApiContext): SandboxResponse {
  const id = pathId(request);
  if (id === undefined || !core.webhooks.subscriptions.delete(id)) return notFound();
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'ok', success: true }),
  };
}

/** One delivery: the documented v2 envelope (webhook-v2-envelope.json), sent with the webhook's Basic auth. */
interface Delivery {
  webhook: Webhook;
  payload: { meta: Record<string, unknown>; data: unknown; previous: unknown };
  attempt: number;
  dueAt: number;
}

/**
 * The company's webhooks and their deliveries (decision 63). Deliveries are sent in order, one at a
 * time, so a merge's delete arrives before its change; a failed one (no 2xx, or no answer in 10 s) is
 * retried 3, 30 and 150 s later on the sandbox clock, as Pipedrive does (FACTS §6).
 */
export class WebhookDeliveries {
  readonly subscriptions = new Map<number, Webhook>();
  /** Every attempt's outcome, for tests: the HTTP status, or 0 when there was no answer. */
  readonly attempts: { webhookId: number; action: string; entityId: string; attempt: number; status: number }[] = [];
  private sequence = 0;
  private chain: Promise<void> = Promise.resolve();
  private retries: Delivery[] = [];

  constructor(private readonly core: Pick<SandboxCore, 'clock' | 'config' | 'store'>) {
    core.clock.onChange((now) => {
      this.releaseRetries(now);
    });
  }

  nextId(): number {
    this.sequence += 1;
    return this.sequence;
  }

  clear(): void {
    this.subscriptions.clear();
    this.retries = [];
    this.attempts.length = 0;
  }

  /** Resolves once every delivery queued so far has been attempted. */
  settled(): Promise<void> {
    return this.chain;
  }

  /**
   * An organization was created, changed or deleted (`before` and `after` as they were): one delivery
   * per matching webhook. `data` carries only "crucial" fields (the harder side, FACTS §6): no address;
   * custom fields that hold a value, under `data.custom_fields`. `previous` holds only what changed.
   */
  organization(
    action: 'create' | 'change' | 'delete',
    userId: number,
    before: Organization | undefined,
    after: Organization | undefined,
    merge: { mergedToId?: number; mergedFromId?: number } = {},
  ): void {
    const webhooks = [...this.subscriptions.values()].filter(
      (webhook) =>
        webhook.version === '2.0' &&
        (webhook.eventObject === 'organization' || webhook.eventObject === '*') &&
        (webhook.eventAction === action || webhook.eventAction === '*'),
    );
    if (webhooks.length === 0) return;
    const entity = after ?? before;
    if (!entity) return;
    const data = after ? this.crucial(after) : null;
    const last = before ? this.crucial(before) : null;
    const previous = action === 'create' ? null : action === 'delete' ? last : changedFields(last, data);
    const now = this.core.clock.now();
    const correlationId = randomUUID();
    for (const webhook of webhooks) {
      const meta: Record<string, unknown> = {
        action,
        entity: 'organization',
        company_id: String(this.core.config.companyId),
        correlation_id: correlationId,
        entity_id: String(entity.id),
        id: randomUUID(),
        is_bulk_edit: false,
        timestamp: new Date(now).toISOString(),
        type: 'general',
        user_id: String(userId),
        version: '2.0',
        webhook_id: String(webhook.id),
        webhook_owner_id: String(webhook.userId),
        change_source: 'api',
        attempt: 1,
        host: `sandbox-${this.core.config.companyId}.pipedrive.com`,
        permitted_user_ids: [String(entity.owner_id)],
        ...(merge.mergedToId !== undefined ? { merged_to_id: String(merge.mergedToId) } : {}),
        ...(merge.mergedFromId !== undefined ? { merged_from_id: String(merge.mergedFromId) } : {}),
      };
      this.enqueue({ webhook, payload: { meta, data, previous }, attempt: 1, dueAt: now });
    }
  }

  private crucial(organization: Organization): Record<string, unknown> {
    const view = organizationView(organization, this.core.store.customFields('organization'));
    const customFields = Object.fromEntries(
      Object.entries(organization.custom_fields).filter(([, value]) => value !== null && value !== undefined),
    );
    const viewed = typeof view.custom_fields === 'object' && view.custom_fields !== null ? view.custom_fields : {};
    return {
      id: String(organization.id),
      name: view.name,
      owner_id: view.owner_id,
      visible_to: view.visible_to,
      label_ids: view.label_ids,
      add_time: view.add_time,
      update_time: view.update_time,
      is_deleted: view.is_deleted,
      custom_fields: Object.fromEntries(Object.entries(viewed).filter(([key]) => key in customFields)),
    };
  }

  private enqueue(delivery: Delivery): void {
    this.chain = this.chain.then(() => this.send(delivery));
  }

  private releaseRetries(now: number): void {
    const due = this.retries.filter((retry) => retry.dueAt <= now);
    this.retries = this.retries.filter((retry) => retry.dueAt > now);
    for (const retry of due) this.enqueue(retry);
  }

  private async send(delivery: Delivery): Promise<void> {
    const { webhook, payload, attempt } = delivery;
    // A webhook deleted since the event was queued sends nothing more.
    if (!this.subscriptions.has(webhook.id)) return;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (webhook.httpAuthUser !== null || webhook.httpAuthPassword !== null)
      headers.authorization = `Basic ${Buffer.from(`${webhook.httpAuthUser ?? ''}:${webhook.httpAuthPassword ?? ''}`).toString('base64')}`;
    let status = 0;
    try {
      const response = await fetch(webhook.subscriptionUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify({ ...payload, meta: { ...payload.meta, attempt } }),
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = 0;
    }
    this.attempts.push({
      webhookId: webhook.id,
      action: String(payload.meta.action),
      entityId: String(payload.meta.entity_id),
      attempt,
      status,
    });
    const delay = RETRY_DELAYS_MS[attempt - 1];
    if ((status < 200 || status > 299) && delay !== undefined)
      this.retries.push({ ...delivery, attempt: attempt + 1, dueAt: this.core.clock.now() + delay });
  }
}

/** `previous` of a change: only the fields (and custom fields) whose value changed, as they were. */
function changedFields(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): Record<string, unknown> | null {
  if (!before || !after) return before;
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(before)) {
    if (key === 'custom_fields' || key === 'update_time') continue;
    if (JSON.stringify(value) !== JSON.stringify(after[key])) changed[key] = value;
  }
  const beforeFields = record(before.custom_fields);
  const afterFields = record(after.custom_fields);
  const fields: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(beforeFields), ...Object.keys(afterFields)]))
    if (JSON.stringify(beforeFields[key] ?? null) !== JSON.stringify(afterFields[key] ?? null))
      fields[key] = beforeFields[key] ?? null;
  if (Object.keys(fields).length > 0) changed.custom_fields = fields;
  return changed;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value)) : {};
}
