import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import * as z from '../shared/zod-mini';
import { errorKind } from '../shared/errors';
import { METRICS } from '../shared/metric-names';
import { logger, metrics } from '../aws/powertools';
import { SqsMessageQueue } from '../aws/sqs-queue';
import { tableNamed } from '../store/table-client';
import { releaseBlockedWork } from '../deferred-work/blocked-work';
import { releaseDeferredWork, releaseThrottledWork } from '../deferred-work/deferred-work';
import { dispatchUnits, ScheduledUnit } from '../deferred-work/scheduled-units';
import { BudgetLedger } from '../store/budget-ledger';
import { type Connection, ConnectionStore } from '../store/connections';
import { CursorStore } from '../store/cursor-store';
import { OpenInvoiceSnapshotStore } from '../store/open-invoice-snapshot-store';
import { planEarlyPoll } from '../sync/early-poll';
import { LeaseStore } from '../store/lease-store';
import { HealthMarks } from '../store/health-marks';
import { LinkStore } from '../store/link-store';
import { ParkingStore } from '../store/parking-store';
import { PipedriveBlockStore } from '../store/pipedrive-block-store';
import { PipedriveFindingsStore } from '../store/pipedrive-findings-store';
import { MappingStore } from '../store/mapping-store';
import { QboCallLimiter } from '../store/qbo-call-limiter';
import { pollChanges, type PollResult } from '../sync/change-capture';
import { queued } from '../sync/sync-message';
import { reconcile, type ReconcileReport } from '../sync/reconcile';
import { AuditLog } from '../store/audit-log';
import { listedOrganizations, listedPersons } from '../pipedrive/listed-records';
import { DEFAULT_MAPPING } from '../sync/default-mapping';
import { reconcilePipedrive, type PipedriveReconcileReport } from '../sync/pipedrive-reconcile';
import { clientFactoryFor, PipedriveRuleSettings, pipedriveRules, RuntimeConfig } from './shared/runtime-config';
import { withDeadline } from '../shared/invocation-deadline';
import type { Context } from 'aws-lambda';

const config = z
  .extend(RuntimeConfig, {
    ...PipedriveRuleSettings,
    AUDIT_RETENTION_DAYS: z._default(z.coerce.number().check(z.int(), z.positive()), 90),
    /** The FIFO queue that feeds this function one connection's poll or reconcile at a time (decision 38). */
    SCHEDULE_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
    /** Webhook-asked polls of one realm begin at most once per this many ms (decision 66). */
    EARLY_POLL_SPACING_MS: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 2_000),
  })
  .parse(process.env);
const table = tableNamed(config.TABLE_NAME);
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const changes = new SqsMessageQueue(sqs, config.CHANGES_QUEUE_URL);
const bulk = new SqsMessageQueue(sqs, config.BULK_QUEUE_URL ?? config.CHANGES_QUEUE_URL);
const connections = new ConnectionStore(table);
// Scheduled or operator-run with minutes to spare: a QBO 429 is waited out rather than failing the run.
const clientFactory = clientFactoryFor(config, { waitOutQboThrottling: true });
const owner = randomUUID();
const parking = new ParkingStore(table);
const ledger = new BudgetLedger(table);
const blocks = new PipedriveBlockStore(table);
const mappings = new MappingStore(table);
const limiter = new QboCallLimiter(table);
const cursors = new CursorStore(table);
const snapshots = new OpenInvoiceSnapshotStore(table);

/**
 * The schedule's input: the 15-minute CDC poll or the daily reconcile. `fanOut` (what EventBridge
 * sends) splits it into one unit per connection on the schedule queue; without it (the CLI, a
 * single realm) the connections are worked through in this invocation.
 */
const ScheduleInput = z.catch(
  z.object({
    mode: z._default(z.enum(['poll', 'reconcile', 'pipedrive-reconcile']), 'poll'),
    realmId: z.optional(z.string()),
    fanOut: z._default(z.boolean(), false),
    scheduledAt: z.optional(z.string()),
  }),
  { mode: 'poll', fanOut: false },
);

/** Units from the schedule queue (an SQS event source). */
const UnitRecords = z.object({
  Records: z.array(z.object({ messageId: z.string(), body: z.string() })).check(z.minLength(1)),
});

/** The Pipedrive side of a reconcile, or why it could not run (the QBO side's report stands either way). */
type PipedriveSide = { pipedrive: PipedriveReconcileReport } | { pipedriveError: string } | object;
type Outcome = { realmId: string } & (
  | { poll: PollResult }
  | ({ reconcile: ReconcileReport } & PipedriveSide)
  | { pipedrive: PipedriveReconcileReport }
  | { error: string }
);
type Mode = 'poll' | 'reconcile' | 'pipedrive-reconcile';

export async function lambdaHandler(
  event: unknown,
): Promise<
  { mode: string; connections: Outcome[]; dispatched?: number } | { batchItemFailures: { itemIdentifier: string }[] }
> {
  const records = UnitRecords.safeParse(event);
  if (records.success) {
    const batchItemFailures: { itemIdentifier: string }[] = [];
    for (const record of records.data.Records) {
      const unit = ScheduledUnit.safeParse(parseJson(record.body));
      if (!unit.success) {
        logger.error('unreadable scheduled unit dropped', { messageId: record.messageId });
        continue;
      }
      const connection = await connections.get(unit.data.realmId);
      // Paused or disconnected since the dispatch: nothing to poll until it is active again. An early
      // poll's events still go as the messages they were, which the worker parks for the reconnect.
      if (connection?.status !== 'active') {
        if (unit.data.trigger === 'webhook' && !(await queueEarlyPollEvents(unit.data, 'connection not active')))
          batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      if (unit.data.trigger === 'webhook' && !(await earlyPollReads(unit.data))) continue;
      const outcome = await runConnection(unit.data.mode, connection);
      // Fanned out, each realm's poll that read its connection is a heartbeat (decision 40).
      if ('poll' in outcome && !(unit.data.trigger === 'webhook' && outcome.poll.outcome === 'skipped'))
        metrics.addMetric(METRICS.pollSucceeded, MetricUnit.Count, 1);
      if (!(await unitDone(unit.data, outcome))) batchItemFailures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures };
  }
  const input = ScheduleInput.parse(event);
  const active = (await connections.list()).filter(
    (c) => c.status === 'active' && (input.realmId === undefined || c.realmId === input.realmId),
  );
  if (input.fanOut && config.SCHEDULE_QUEUE_URL) {
    const scheduledAt = input.scheduledAt ?? new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const dispatched = await dispatchUnits(
      sqs,
      config.SCHEDULE_QUEUE_URL,
      active.map((c) => ({ mode: input.mode, realmId: c.realmId, scheduledAt })),
    );
    logger.info('scheduled run fanned out', { mode: input.mode, dispatched });
    // Nothing to read is a healthy poll too (a new deployment before its first connection).
    if (input.mode === 'poll' && active.length === 0) metrics.addMetric(METRICS.pollSucceeded, MetricUnit.Count, 1);
    return { mode: input.mode, connections: [], dispatched };
  }
  const outcomes: Outcome[] = [];
  // One connection's failure (its QBO is down, its grant died) must not stop the others.
  for (const connection of active) outcomes.push(await runConnection(input.mode, connection));
  // The heartbeat (decision 40): a poll in which every active connection was read. Its alarm treats
  // missing data as breaching, so a poll that throws, is never invoked, or keeps failing is seen.
  if (input.mode === 'poll' && outcomes.every((outcome) => !('error' in outcome)))
    metrics.addMetric(METRICS.pollSucceeded, MetricUnit.Count, 1);
  return { mode: input.mode, connections: outcomes };
}

/**
 * Whether a unit is done with, or goes back to the queue. A failed one is retried, then dead-lettered
 * (alarmed), never silent (decision 40), except for rate limits, which never spend a receive
 * (decision 33): a throttled poll leaves its cursor where it was, so the next scheduled poll reads the
 * same changes. An early poll that did not read (another poll held the lease and may have read before
 * these changes, QBO throttled or failed, no cursor yet, the connection not active) sends its delivery's events as the messages they would have
 * been, and the worker defers or retries them as any other (decision 65).
 */
async function unitDone(unit: ScheduledUnit, outcome: Outcome): Promise<boolean> {
  // A first run only sets the cursor: it read nothing either.
  const read = 'poll' in outcome && (outcome.poll.outcome === 'polled' || outcome.poll.outcome === 'fallback-query');
  if (unit.trigger === 'webhook' && !read)
    return queueEarlyPollEvents(
      unit,
      'error' in outcome
        ? outcome.error
        : 'poll' in outcome && outcome.poll.outcome === 'first-run'
          ? 'no cursor yet'
          : 'another poll holds the lease',
    );
  if (!('error' in outcome)) return true;
  if (unit.mode === 'poll' && outcome.error === 'rate-limited') {
    logger.warn('poll throttled by QuickBooks; the next scheduled poll reads from the same cursor', {
      realmId: unit.realmId,
    });
    return true;
  }
  return false;
}

/**
 * Whether a webhook's early poll reads (decision 66): not when a poll that began after its delivery
 * arrived has read the realm already; otherwise after waiting out the realm's spacing since the last read.
 */
async function earlyPollReads(unit: ScheduledUnit): Promise<boolean> {
  const plan = planEarlyPoll(
    unit.receivedAt,
    (await cursors.get(unit.realmId))?.polledAtMs,
    Date.now(),
    config.EARLY_POLL_SPACING_MS,
  );
  if (!plan.read) {
    metrics.addMetric(METRICS.earlyPollsShared, MetricUnit.Count, 1);
    return false;
  }
  if (plan.waitMs > 0) await delay(plan.waitMs);
  return true;
}

/** An early poll's delivery, as the messages it would have been (decision 65); false when they could not be queued. */
async function queueEarlyPollEvents(unit: ScheduledUnit, reason: string): Promise<boolean> {
  const messages = unit.messages ?? [];
  try {
    await changes.send(messages.map(queued));
  } catch (error) {
    logger.error('early poll did not read, and its events could not be queued; retried', {
      realmId: unit.realmId,
      kind: errorKind(error),
    });
    return false;
  }
  logger.info('early poll did not read; its webhook events are queued as messages', {
    realmId: unit.realmId,
    events: messages.length,
    reason,
  });
  return true;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One connection's poll or reconcile; a failure is logged and reported, never thrown (the next run retries). */
async function runConnection(mode: Mode, connection: Connection): Promise<Outcome> {
  const realmId = connection.realmId;
  try {
    const qbo = await (await clientFactory()).quickbooks(realmId);
    let outcome: Outcome;
    if (mode === 'poll') {
      const released = await releaseDeferredWork(connection, {
        parking,
        ledger,
        queue: bulk,
        budgetShare: config.BUDGET_SHARE,
        now: Date.now(),
      });
      if (released > 0) {
        metrics.addMetric(METRICS.releasedFromBudget, MetricUnit.Count, released);
        logger.info('work deferred for the Pipedrive budget sent again', { realmId, released });
      }
      const unblocked = await releaseBlockedWork(connection, { parking, blocks, queue: bulk, now: Date.now() });
      if (unblocked > 0) logger.info('work held during the Pipedrive block sent again', { realmId, unblocked });
      // Work QBO throttled, once QBO takes calls again: the poll is its release when the queues ran dry.
      const throttled = await releaseThrottledWork(realmId, {
        parking,
        limiter,
        queues: { changes, bulk },
        now: Date.now(),
      });
      if (throttled > 0) logger.info('work deferred for QBO throttling sent again', { realmId, released: throttled });
      const poll = await pollChanges(realmId, {
        qbo,
        cursors,
        leases: new LeaseStore(table),
        queue: changes,
        pushed: new LinkStore(table),
        snapshots,
        now: Date.now,
        owner,
      });
      metrics.addMetric(METRICS.enqueued, MetricUnit.Count, poll.enqueued);
      outcome = { realmId, poll };
    } else if (mode === 'pipedrive-reconcile') {
      outcome = { realmId, pipedrive: await reconcileFromPipedrive(realmId) };
    } else {
      const report = await reconcile(realmId, {
        customerPages: () => qbo.customerPages(),
        links: (r) => new LinkStore(table).list(r),
        queue: bulk,
        now: Date.now,
      });
      metrics.addMetric(METRICS.enqueued, MetricUnit.Count, report.enqueued);
      logger.info('daily reconcile', { realmId, ...report });
      // The daily run also reconciles from the Pipedrive side (decision 62); its failure leaves the QBO side's report.
      const pipedrive = await reconcileFromPipedrive(realmId).then(
        (side) => ({ pipedrive: side }),
        (error: unknown) => {
          logger.error('Pipedrive-side reconcile failed', { realmId, kind: errorKind(error) });
          return { pipedriveError: errorKind(error) };
        },
      );
      outcome = { realmId, reconcile: report, ...pipedrive };
    }
    metrics.addMetric(METRICS.qboCalls, MetricUnit.Count, qbo.calls);
    // The health page's "last reconcile" is the daily run's, which includes the Pipedrive side.
    if (mode !== 'pipedrive-reconcile')
      await new HealthMarks(table).mark(realmId, mode, Date.now()).catch(() => undefined);
    return outcome;
  } catch (error) {
    const kind = errorKind(error);
    if (kind === 'rate-limited') metrics.addMetric(METRICS.qboRateLimited, MetricUnit.Count, 1);
    logger.error('connection could not be polled', {
      realmId,
      kind,
      error: error instanceof Error ? error.message : 'unknown',
    });
    return { realmId, error: kind };
  }
}

/**
 * The reconcile from the Pipedrive side (decision 62): the company's organizations and persons are
 * listed through the connection's client and its budget governor, compared with the links, and the
 * rules applied; what must be written goes to the bulk queue.
 */
async function reconcileFromPipedrive(realmId: string): Promise<PipedriveReconcileReport> {
  const { pipedrive, fields, ownsBareIds } = await (await clientFactory()).forRealm(realmId);
  // What the worker writes is the connection's mapping (decision 61): drift is judged on the fields it owns.
  const document = (await mappings.current(realmId))?.document ?? DEFAULT_MAPPING;
  const customFieldKeys = Object.entries(document.organization.fields).flatMap(([name, field]) => {
    const key = field.custom ? fields.fieldKeys[name] : undefined;
    return key === undefined ? [] : [key];
  });
  const links = new LinkStore(table);
  const report = await reconcilePipedrive(realmId, {
    organizationPages: () => listedOrganizations(pipedrive, customFieldKeys),
    personPages: () => listedPersons(pipedrive),
    linkPages: (r) => links.list(r),
    identity: { realmId, ownsBareIds },
    fields,
    document,
    tokensSpent: () => pipedrive.tokensSpent,
    links,
    audit: new AuditLog(table, config.AUDIT_RETENTION_DAYS),
    queue: bulk,
    now: Date.now,
    rules: pipedriveRules(config),
    findingsSummary: new PipedriveFindingsStore(table),
  });
  metrics.addMetric(METRICS.pipedriveTokens, MetricUnit.Count, report.pipedriveTokens);
  logger.info('Pipedrive-side reconcile', { realmId, ...report });
  return report;
}

// The invocation's deadline bounds the waits inside it (decision 34).
export const handler = middy((event: unknown, context: Context) => withDeadline(context, () => lambdaHandler(event)))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
