import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import * as z from '../shared/zod-mini';
import { METRICS } from '../shared/metric-names';
import { logger, metrics } from '../aws/powertools';
import { SqsMessageQueue } from '../aws/sqs-queue';
import { tableNamed } from '../store/table-client';
import { CursorStore } from '../store/cursor-store';
import { LinkStore } from '../store/link-store';
import { OpenInvoiceSnapshotStore } from '../store/open-invoice-snapshot-store';
import { type BackfillSummary, runBackfill } from '../sync/backfill';
import { organizationName } from '../sync/mapping';
import { matchReportCsv, type MatchRow } from '../sync/matching';
import { CUSTOM_FIELDS } from '../sync/pipedrive-fields';
import { clientFactoryFor, MappingSettings, mappingOptions, RuntimeConfig } from './shared/runtime-config';
import { organizationsWithQuickbooksId } from '../pipedrive/organizations-with-quickbooks-id';
import { withDeadline } from '../shared/invocation-deadline';
import type { Context } from 'aws-lambda';

const Config = z.extend(RuntimeConfig, {
  ...MappingSettings,
});
const config = Config.parse(process.env);
const table = tableNamed(config.TABLE_NAME);
const links = new LinkStore(table);
const cursors = new CursorStore(table);
const bulk = new SqsMessageQueue(
  new SQSClient({ useQueueUrlAsEndpoint: false }),
  config.BULK_QUEUE_URL ?? config.CHANGES_QUEUE_URL,
);
// Scheduled or operator-run with minutes to spare: a QBO 429 is waited out rather than failing the run.
const clientFactory = clientFactoryFor(config, { waitOutQboThrottling: true });

/** Invoked by the CLI (`ml-connector backfill [--dry-run]`) or after a QBO company is connected. */
const BackfillRequest = z.object({ realmId: z.string().check(z.minLength(1)), dryRun: z._default(z.boolean(), true) });

export async function lambdaHandler(
  event: unknown,
): Promise<{ summary: BackfillSummary; rows: MatchRow[]; csv: string }> {
  const request = BackfillRequest.parse(event);
  const factory = await clientFactory();
  // A dry run writes nothing, not even the custom fields; it finds the QuickBooks ID field by the same lookup
  // the apply's field set-up makes (stored key, else by name), so it matches what the apply will (decision 35).
  const { qbo, pipedrive, key, ownsBareIds } = request.dryRun
    ? await (async () => {
        const { connection, pipedrive: client } = await factory.pipedrive(request.realmId);
        const stored = { fieldKeys: connection.fieldKeys, fieldOptions: connection.fieldOptions };
        const found = await client.ensureCustomFields(CUSTOM_FIELDS, stored, { readOnly: true });
        return {
          qbo: await factory.quickbooks(request.realmId),
          pipedrive: client,
          key: found.fieldKeys.quickbooksId,
          ownsBareIds: await factory.ownsBareIds(connection),
        };
      })()
    : await (async () => {
        const clients = await factory.forRealm(request.realmId);
        return { ...clients, key: clients.fields.fieldKeys.quickbooksId };
      })();
  const { rows, summary } = await runBackfill(
    request.realmId,
    {
      customerPages: () => qbo.customerPages(),
      openInvoicePages: () => qbo.openInvoicePages(),
      organizationPages: () => organizationsWithQuickbooksId(pipedrive, key),
      personPages: () => pipedrive.personPages(),
      repoint: (...args) => links.repoint(...args),
      holdForReview: (realmId, qboId, reason, now) => links.markState(realmId, qboId, 'review', reason, now),
      snapshots: new OpenInvoiceSnapshotStore(table),
      queue: bulk,
      now: Date.now,
      startPolling: (realmId, at, now) => cursors.startNoLaterThan(realmId, at, now),
      ownsBareIds,
      nameOf: (customer) => organizationName(customer, mappingOptions(config)),
    },
    request.dryRun,
  );
  metrics.addMetric(METRICS.enqueued, MetricUnit.Count, summary.enqueued);
  metrics.addMetric(METRICS.pipedriveTokens, MetricUnit.Count, pipedrive.tokensSpent);
  logger.info('backfill', { realmId: request.realmId, ...summary });
  return { summary, rows, csv: matchReportCsv(rows) };
}

// The invocation's deadline bounds the waits inside it (decision 34).
export const handler = middy((event: unknown, context: Context) => withDeadline(context, () => lambdaHandler(event)))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
