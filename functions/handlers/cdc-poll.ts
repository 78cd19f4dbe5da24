import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { errorKind } from '../platform/errors';
import { METRICS } from '../platform/metric-names';
import { logger, metrics } from '../platform/powertools';
import { SqsMessageQueue } from '../platform/sqs-queue';
import { tableNamed } from '../platform/table';
import { releaseDeferredWork } from '../platform/deferred-work';
import { BudgetLedger } from '../store/budget-ledger';
import { ConnectionStore } from '../store/connections';
import { CursorStore } from '../store/cursor-store';
import { LeaseStore } from '../store/lease-store';
import { LinkStore } from '../store/link-store';
import { ParkingStore } from '../store/parking-store';
import { pollChanges, type PollResult } from '../sync/change-capture';
import { reconcile, type ReconcileReport } from '../sync/reconcile';
import { clientFactoryFor, RuntimeConfig } from './shared/runtime-config';

const config = RuntimeConfig.parse(process.env);
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

/** The schedule's input: the 15-minute CDC poll, or the daily reconcile; optionally one connection. */
const ScheduleInput = z
  .object({ mode: z.enum(['poll', 'reconcile']).default('poll'), realmId: z.string().optional() })
  .catch({ mode: 'poll' });

type Outcome = { realmId: string } & ({ poll: PollResult } | { reconcile: ReconcileReport } | { error: string });

export async function lambdaHandler(event: unknown): Promise<{ mode: string; connections: Outcome[] }> {
  const input = ScheduleInput.parse(event);
  const active = (await connections.list()).filter(
    (c) => c.status === 'active' && (input.realmId === undefined || c.realmId === input.realmId),
  );
  const outcomes: Outcome[] = [];
  // One connection's failure (its QBO is down, its grant died) must not stop the others.
  for (const connection of active) {
    const realmId = connection.realmId;
    try {
      const qbo = await (await clientFactory()).quickbooks(realmId);
      if (input.mode === 'poll') {
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
        const poll = await pollChanges(realmId, {
          qbo,
          cursors: new CursorStore(table),
          leases: new LeaseStore(table),
          queue: changes,
          now: Date.now,
          owner,
        });
        metrics.addMetric(METRICS.enqueued, MetricUnit.Count, poll.enqueued);
        outcomes.push({ realmId, poll });
      } else {
        const report = await reconcile(realmId, {
          customerPages: () => qbo.customerPages(),
          links: (r) => new LinkStore(table).list(r),
          queue: bulk,
          now: Date.now,
        });
        metrics.addMetric(METRICS.enqueued, MetricUnit.Count, report.enqueued);
        logger.info('daily reconcile', { realmId, ...report });
        outcomes.push({ realmId, reconcile: report });
      }
      metrics.addMetric(METRICS.qboCalls, MetricUnit.Count, qbo.calls);
    } catch (error) {
      const kind = errorKind(error);
      if (kind === 'rate-limited') metrics.addMetric(METRICS.qboRateLimited, MetricUnit.Count, 1);
      logger.error('connection could not be polled', {
        realmId,
        kind,
        error: error instanceof Error ? error.message : 'unknown',
      });
      outcomes.push({ realmId, error: kind });
    }
  }
  // The heartbeat (decision 30): a poll in which every active connection was read. Its alarm treats
  // missing data as breaching, so a poll that throws, is never invoked, or keeps failing is seen.
  if (input.mode === 'poll' && outcomes.every((outcome) => !('error' in outcome)))
    metrics.addMetric(METRICS.pollSucceeded, MetricUnit.Count, 1);
  return { mode: input.mode, connections: outcomes };
}

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
