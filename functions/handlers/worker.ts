import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from '../shared/zod-mini';
import { AuthError, errorKind, isConnectorError } from '../shared/errors';
import { METRICS } from '../shared/metric-names';
import { log, logger, metrics } from '../aws/powertools';
import {
  clientFactoryFor,
  MappingSettings,
  mappingOptions,
  PipedriveRuleSettings,
  pipedriveRules,
  RuntimeConfig,
} from './shared/runtime-config';
import { deferWork } from '../deferred-work/defer-work';
import { releaseThrottledWork } from '../deferred-work/deferred-work';
import { withDeadline } from '../shared/invocation-deadline';
import { failureAction, type FailureAction, isLastReceive } from '../shared/failure-policy';
import { SqsMessageQueue } from '../aws/sqs-queue';
import { tableNamed } from '../store/table-client';
import { AuditLog } from '../store/audit-log';
import { ConnectionStore } from '../store/connections';
import { HealthMarks } from '../store/health-marks';
import { LinkStore } from '../store/link-store';
import { MappingStore } from '../store/mapping-store';
import { type ParkedQueue, ParkingStore } from '../store/parking-store';
import { QboCallLimiter } from '../store/qbo-call-limiter';
import { CustomerSync } from '../sync/customer-sync';
import { NeedsReauthError } from '../connections/token-lifecycle';
import type { PreparedBatch } from '../sync/prepare-batch';
import type { SyncResult } from '../sync/sync-context';
import { SyncMessage } from '../sync/sync-message';
import { OrganizationEventMessage } from '../sync/organization-event';
import { applyOrganizationEvent } from '../sync/organization-event-rules';
import { DEFAULT_MAPPING } from '../sync/default-mapping';

const Config = z.extend(RuntimeConfig, {
  ...MappingSettings,
  ...PipedriveRuleSettings,
  MERGE_RULE: z._default(z.enum(['merge', 'flag']), 'merge'),
  AUDIT_RETENTION_DAYS: z._default(z.coerce.number().check(z.int(), z.positive()), 90),
  /** A create claim older than this may be taken over (liveness only: a live owner is fenced out, decision 29). */
  PENDING_STALE_AFTER_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 120_000),
});
const config = Config.parse(process.env);

// Created once per container.
const table = tableNamed(config.TABLE_NAME);
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const links = new LinkStore(table);
const healthMarks = new HealthMarks(table);
const audit = new AuditLog(table, config.AUDIT_RETENTION_DAYS);
const parking = new ParkingStore(table);
const connections = new ConnectionStore(table);
const mappings = new MappingStore(table);
const clientFactory = clientFactoryFor(config);
const limiter = new QboCallLimiter(table);
const queues: Record<ParkedQueue, SqsMessageQueue> = {
  changes: new SqsMessageQueue(sqs, config.CHANGES_QUEUE_URL),
  bulk: new SqsMessageQueue(sqs, config.BULK_QUEUE_URL ?? config.CHANGES_QUEUE_URL),
};

/** Which of the two queues a record came from. */
function queueOf(record: SQSRecord): ParkedQueue {
  const name = record.eventSourceARN.split(':').pop() ?? '';
  return config.BULK_QUEUE_URL?.endsWith(`/${name}`) ? 'bulk' : 'changes';
}

/** The queue a record came from, as a URL on the configured endpoint. */
function queueUrlOf(record: SQSRecord): string {
  return queueOf(record) === 'bulk' ? (config.BULK_QUEUE_URL ?? config.CHANGES_QUEUE_URL) : config.CHANGES_QUEUE_URL;
}

interface RealmWork {
  sync: CustomerSync;
  prepared: PreparedBatch;
}

const ACTION_METRIC: Partial<Record<SyncResult['action'], string>> = {
  created: METRICS.created,
  updated: METRICS.updated,
  unchanged: METRICS.unchanged,
  stale: METRICS.stale,
  excluded: METRICS.excluded,
  failed: METRICS.failed,
  merged: METRICS.merged,
  requeued: METRICS.requeued,
};

export function lambdaHandler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  return withDeadline(context, () => handleBatch(event, context));
}

async function handleBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const messages = new Map<string, SyncMessage>();
  /** Pipedrive organization webhooks (decision 63): judged one at a time, outside the customer batch. */
  const organizationEvents = new Map<string, OrganizationEventMessage>();
  /** Connections whose work went through here: their throttled work may go back to the queue. */
  const flowing = new Set<string>();
  for (const record of event.Records) {
    const body = safeJson(record.body);
    const organizationEvent = OrganizationEventMessage.safeParse(body);
    if (organizationEvent.success) organizationEvents.set(record.messageId, organizationEvent.data);
    const parsed = SyncMessage.safeParse(body);
    if (parsed.success) messages.set(record.messageId, parsed.data);
  }
  // One batch read per connection for all of its messages, before the records are handled one by one.
  const work = new Map<string, Promise<RealmWork>>();
  const realmWork = (message: SyncMessage, record: SQSRecord): Promise<RealmWork> => {
    let pending = work.get(message.realmId);
    if (!pending) {
      pending = prepareRealm(
        message.realmId,
        [...messages.values()].filter((m) => m.realmId === message.realmId),
        queueUrlOf(record),
      );
      work.set(message.realmId, pending);
    }
    return pending;
  };

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const organizationEvent = organizationEvents.get(record.messageId);
    // A failure is thrown: the queue retries the event, then dead-letters it (alarmed); the daily reconcile covers it.
    if (organizationEvent) return judgeOrganizationEvent(organizationEvent);
    const message = messages.get(record.messageId);
    if (!message) {
      // A message no one can read will never succeed: let it reach the DLQ (and its alarm).
      logger.error('unreadable queue message', { messageId: record.messageId });
      const error = new Error('unreadable queue message');
      if (isLastReceive(receiveCount(record))) await auditDeadLetter(undefined, record, error);
      throw error;
    }
    logger.appendKeys({ realmId: message.realmId, customerId: message.id, eventId: message.eventId });
    try {
      const { sync, prepared } = await realmWork(message, record);
      const result = await sync.sync(message, prepared);
      recordMetrics(result);
      flowing.add(message.realmId);
      // Best effort, for the sync-health page: a lost mark is no reason to sync the customer again.
      if (message.source === 'webhook')
        await healthMarks.mark(message.realmId, 'webhook', Date.now()).catch(() => undefined);
    } catch (error) {
      await carryOut(failureAction(error, receiveCount(record)), message, record, error);
    } finally {
      logger.removeKeys(['realmId', 'customerId', 'eventId']);
    }
  };

  const response = await processPartialResponse(event, handleRecord, new SqsFifoPartialProcessorAsync(), {
    context,
    skipGroupOnError: true,
    throwOnFullBatchFailure: false,
  });
  for (const realmId of flowing) {
    const released = await releaseThrottledWork(realmId, { parking, limiter, queues, now: Date.now() }).catch(
      (error: unknown) => {
        // The next batch or poll releases it.
        logger.warn('throttled work could not be released yet', { realmId, error: describe(error) });
        return 0;
      },
    );
    if (released > 0) logger.info('throttled work sent again', { realmId, released });
  }
  return response;
}

/** Carries out the failure policy (shared/failure-policy.ts); only a retry throws, for the batch to report. */
async function carryOut(action: FailureAction, message: SyncMessage, record: SQSRecord, error: unknown): Promise<void> {
  switch (action.action) {
    case 'park':
      if (error instanceof AuthError) await park(message, record, error);
      return;
    case 'hold-blocked':
      await parking.park(message, record.messageId, Date.now(), 'blocked');
      metrics.addMetric(METRICS.pipedriveHardStops, MetricUnit.Count, 1);
      logger.warn('held until the Pipedrive block lifts');
      return;
    case 'defer-budget':
      await deferWork(
        message,
        record.messageId,
        { lane: 'budget', reason: `deferred: ${describe(error)}` },
        { links, parking, now: Date.now() },
      );
      metrics.addMetric(METRICS.deferredForBudget, MetricUnit.Count, 1);
      logger.info('deferred to the next Pipedrive budget day');
      return;
    case 'defer-throttled':
      await deferThrottled(message, record, error);
      return;
    case 'retry':
      await retryLater(message, record, error, action.delaySeconds);
      if (action.lastReceive) await auditDeadLetter(message, record, error);
      throw error;
  }
}

/** Back to the queue after `delay` seconds; the customer reads as behind meanwhile. */
async function retryLater(message: SyncMessage, record: SQSRecord, error: unknown, delay: number): Promise<void> {
  metrics.addMetric(retryMetric(error), MetricUnit.Count, 1);
  logger.warn('sync will be retried', {
    kind: errorKind(error),
    retryInSeconds: delay,
    error: error instanceof Error ? error.message : 'unknown',
  });
  // Best effort: the failure being retried is what the batch reports, not a failed state write. Marked
  // before the message can come back (a short delay), so the mark never follows the retry's own sync.
  if (message.kind === 'customer')
    await links
      .markBehind(message.realmId, message.id, `${errorKind(error)}: ${describe(error)} (will retry)`, Date.now())
      .catch(() => undefined);
  await sqs
    .send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrlOf(record),
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: delay,
      }),
    )
    .catch(() => undefined);
}

function receiveCount(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount);
}

/** The connection's clients, or undefined when it needs a person first (paused, not connected, reconnect). */
async function clientsIfActive(realmId: string) {
  try {
    return await (await clientFactory()).forRealm(realmId);
  } catch (error) {
    if (error instanceof NeedsReauthError) return undefined;
    throw error;
  }
}

/** One Pipedrive organization webhook through the Pipedrive-side rules (decision 63): no Pipedrive call. */
async function judgeOrganizationEvent(message: OrganizationEventMessage): Promise<void> {
  const { realmId } = message;
  logger.appendKeys({ realmId, eventId: `pipedrive-webhook:${message.event.id}` });
  try {
    const clients = await clientsIfActive(realmId);
    // Paused, disconnected or waiting for a reconnect: nothing to judge against; the daily reconcile catches up.
    if (!clients) {
      logger.info('Pipedrive organization event dropped: the connection is not active');
      return;
    }
    const mapping = await mappings.current(realmId);
    const outcome = await applyOrganizationEvent(message, {
      link: (r, qboId) => links.get(r, qboId),
      linkPages: (r) => links.list(r),
      identity: { realmId, ownsBareIds: clients.ownsBareIds },
      fields: clients.fields,
      document: mapping?.document ?? DEFAULT_MAPPING,
      links,
      audit,
      queue: queues.bulk,
      now: Date.now,
      rules: pipedriveRules(config),
    });
    metrics.addMetric(METRICS.pipedriveWebhookEvents, MetricUnit.Count, 1);
    logger.info('Pipedrive organization event judged', {
      action: message.event.action,
      orgId: message.event.orgId,
      findings: outcome.findings,
      repushed: outcome.repushed,
    });
  } finally {
    logger.removeKeys(['realmId', 'eventId']);
  }
}

async function prepareRealm(realmId: string, realmMessages: SyncMessage[], queueUrl: string): Promise<RealmWork> {
  const clients = await (await clientFactory()).forRealm(realmId);
  // The connection's mapping document, read once per batch and realm (one consistent GetItem, not one per
  // message): a batch after an apply maps by the new version at once, which a per-container cache would
  // delay, leaving the apply's messages to compare against the old document (decision 61).
  const mapping = await mappings.current(realmId);
  const sync = new CustomerSync(
    realmId,
    {
      qbo: clients.qbo,
      pipedrive: clients.pipedrive,
      links,
      audit,
      requeue: new SqsMessageQueue(sqs, queueUrl),
      fields: clients.fields,
      ownsBareIds: clients.ownsBareIds,
      now: Date.now,
      log,
    },
    {
      ...mappingOptions(config),
      mergeRule: config.MERGE_RULE,
      pendingStaleAfterMs: config.PENDING_STALE_AFTER_MS,
      ...(mapping ? { mapping: mapping.document } : {}),
      pipedriveRules: pipedriveRules(config),
    },
  );
  const qboCallsBefore = clients.qbo.calls;
  const prepared = await sync.prepare(realmMessages);
  metrics.addMetric(METRICS.qboCalls, MetricUnit.Count, clients.qbo.calls - qboCallsBefore);
  return { sync, prepared };
}

/**
 * Parks the message until the company's QBO calls flow again (decision 33) and acknowledges it, so
 * the throttling costs no receive. Its customer reads as failing, not as in sync with an old version.
 */
async function deferThrottled(message: SyncMessage, record: SQSRecord, error: unknown): Promise<void> {
  await deferWork(
    message,
    record.messageId,
    { lane: 'throttle', queue: queueOf(record), reason: `deferred: ${describe(error)}` },
    { links, parking, now: Date.now() },
  );
  metrics.addMetric(retryMetric(error), MetricUnit.Count, 1);
  metrics.addMetric(METRICS.deferredForRateLimit, MetricUnit.Count, 1);
  logger.info('deferred until the rate limit passes', { error: describe(error) });
}

/** The message's last receive failed: SQS moves it to the dead-letter queue, and the audit says why. */
async function auditDeadLetter(message: SyncMessage | undefined, record: SQSRecord, error: unknown): Promise<void> {
  const reason = `${errorKind(error)}: ${describe(error)}`;
  logger.error('message goes to the dead-letter queue', { messageId: record.messageId, reason });
  await audit
    .append({
      realmId: message?.realmId ?? 'unknown',
      qboId: message ? (message.kind === 'customer' ? message.id : `${message.kind}:${message.id}`) : 'unreadable',
      at: Date.now(),
      source: message?.source ?? 'webhook',
      action: 'failed',
      ...(message ? { eventId: message.eventId } : {}),
      error: { kind: errorKind(error), message: describe(error) },
      note: `dead-lettered after ${record.attributes.ApproximateReceiveCount} receives (SQS message ${record.messageId}): ${reason}`,
    })
    .catch((auditError: unknown) => {
      logger.error('the dead letter could not be audited', { error: describe(auditError) });
    });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown error';
}

/** A connection that needs re-authorisation keeps its work here, not in the DLQ. */
async function park(message: SyncMessage, record: SQSRecord, error: AuthError): Promise<void> {
  await parking.park(message, record.messageId, Date.now());
  const connection = await connections.get(message.realmId);
  if (connection?.status === 'active') {
    await connections.setStatus(message.realmId, 'needs_reauth', Date.now(), `${error.system}: ${error.message}`);
  }
  metrics.addMetric(METRICS.parked, MetricUnit.Count, 1);
  logger.warn('message parked until the connection is reconnected', { reason: error.code ?? error.name });
}

/** Which counter a retried failure moves: rate limits by the system that imposed them, hard stops, other failures. */
function retryMetric(error: unknown): string {
  const kind = errorKind(error);
  if (kind === 'hard-stop') return METRICS.pipedriveHardStops;
  if (kind !== 'rate-limited') return METRICS.failed;
  return isConnectorError(error) && error.system === 'quickbooks'
    ? METRICS.qboRateLimited
    : METRICS.pipedriveRateLimited;
}

function recordMetrics(result: SyncResult): void {
  const name = ACTION_METRIC[result.action];
  if (name) metrics.addMetric(name, MetricUnit.Count, 1);
  if (result.tokens > 0) metrics.addMetric(METRICS.pipedriveTokens, MetricUnit.Count, result.tokens);
  if (result.lagMs !== undefined) metrics.addMetric(METRICS.syncLag, MetricUnit.Milliseconds, result.lagMs);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
