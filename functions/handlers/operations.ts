import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { z } from 'zod';
import { ping } from '../operations/ping';
import { replayCustomer, replaySince } from '../operations/replay';
import { OperationRequest, type OperationResponse } from '../operations/requests';
import { healthReport } from '../operations/health';
import { DEFAULT_QBO_MONTHLY_CALL_CAP } from '../operations/qbo-call-estimate';
import { statusSnapshot, type StatusSources } from '../operations/status';
import { drainDeadLetters } from '../platform/dead-letters';
import { errorKind, isConnectorError, PermanentError } from '../platform/errors';
import { OAuthFlow } from '../platform/oauth-flow';
import { log, logger, metrics } from '../platform/powertools';
import { linkSigningKey } from '../platform/secrets';
import { mintLinkToken } from '../platform/connection-links';
import { METRICS } from '../platform/metric-names';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SqsMessageQueue } from '../platform/sqs-queue';
import { tableNamed } from '../platform/table';
import { AuditLog } from '../store/audit-log';
import { BudgetLedger } from '../store/budget-ledger';
import { PipedrivePlan } from '../store/connections';
import { KmsTokenCipher } from '../store/kms-token-cipher';
import { LinkStore } from '../store/link-store';
import { NeedsReauthError } from '../store/token-lifecycle';
import {
  allowedPipedriveHosts,
  clientFactoryFor,
  pipedriveOAuthConfig,
  quickBooksOAuthConfig,
  RuntimeConfig,
} from './shared/runtime-config';
import { withDeadline } from '../platform/invocation-deadline';
import type { Context } from 'aws-lambda';

const Config = RuntimeConfig.extend({
  /** The HTTP API's base URL, for connection links. */
  API_URL: z.url(),
  CHANGES_DLQ_URL: z.string().min(1).optional(),
  BULK_DLQ_URL: z.string().min(1).optional(),
  PIPEDRIVE_PLAN: PipedrivePlan.default('growth'),
  PIPEDRIVE_SEATS: z.coerce.number().int().positive().default(1),
  /** QBO's CorePlus monthly cap, for the health page's projection (config `qboMonthlyCallCap`). */
  QBO_MONTHLY_CALL_CAP: z.coerce.number().int().positive().default(DEFAULT_QBO_MONTHLY_CALL_CAP),
  /** Where a person opens a QBO customer (the health page's links). */
  QBO_APP_URL: z.url().default('https://app.qbo.intuit.com'),
});
const config = Config.parse(process.env);
const table = tableNamed(config.TABLE_NAME);
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const changes = new SqsMessageQueue(sqs, config.CHANGES_QUEUE_URL);
const bulk = new SqsMessageQueue(sqs, config.BULK_QUEUE_URL ?? config.CHANGES_QUEUE_URL);
// Scheduled or operator-run with minutes to spare: a QBO 429 is waited out rather than failing the run.
const clientFactory = clientFactoryFor(config, { waitOutQboThrottling: true });
const ledger = new BudgetLedger(table);
const queues: Record<string, string> = { changes: config.CHANGES_QUEUE_URL };
if (config.BULK_QUEUE_URL) queues.bulk = config.BULK_QUEUE_URL;
const deadLetterQueues = [
  ...(config.CHANGES_DLQ_URL
    ? [{ name: 'changes DLQ', url: config.CHANGES_DLQ_URL, sourceUrl: config.CHANGES_QUEUE_URL }]
    : []),
  ...(config.BULK_DLQ_URL && config.BULK_QUEUE_URL
    ? [{ name: 'bulk DLQ', url: config.BULK_DLQ_URL, sourceUrl: config.BULK_QUEUE_URL }]
    : []),
];

let flow: Promise<OAuthFlow> | undefined;
const oauthFlow = () =>
  (flow ??= (async () =>
    new OAuthFlow(
      table,
      new KmsTokenCipher(new KMSClient({}), config.KMS_KEY_ID),
      changes,
      {
        qboApiBaseUrl: config.QBO_API_BASE_URL,
        qbo: await quickBooksOAuthConfig(config),
        pipedrive: await pipedriveOAuthConfig(config),
        pipedrivePlan: config.PIPEDRIVE_PLAN,
        pipedriveSeats: config.PIPEDRIVE_SEATS,
        stateTtlMs: 10 * 60_000,
        linkKey: () => linkSigningKey(process.env),
        onConnectionChanged: () => {
          metrics.addMetric(METRICS.connectionsChanged, MetricUnit.Count, 1);
        },
        pipedriveAllowHosts: allowedPipedriveHosts(config),
      },
      log,
    ))());

const statusSources: StatusSources = {
  table,
  sqs,
  queues: { ...queues, ...Object.fromEntries(deadLetterQueues.map((q) => [q.name, q.url])) },
  budgetShare: config.BUDGET_SHARE,
  qboMonthlyCallCap: config.QBO_MONTHLY_CALL_CAP,
  now: Date.now,
};

async function run(request: OperationRequest): Promise<unknown> {
  switch (request.command) {
    case 'status':
      return statusSnapshot(
        statusSources,
        request.customer && { realmId: request.customer.realmId, qboId: request.customer.customerId },
      );
    case 'health': {
      const { command: _command, ...query } = request;
      return healthReport({ ...statusSources, qboAppUrl: config.QBO_APP_URL }, query);
    }
    case 'ping': {
      const factory = await clientFactory();
      return ping(request.realmId, {
        quickbooks: (realmId) => factory.quickbooks(realmId),
        pipedrive: (realmId) => factory.pipedrive(realmId),
        spentToday: (companyId) => ledger.spent(companyId, new Date().toISOString().slice(0, 10)),
        budgetShare: config.BUDGET_SHARE,
      });
    }
    case 'connect-url': {
      const key = await linkSigningKey(process.env);
      if (!key)
        throw new PermanentError('no OAUTH_START_TOKEN is configured to sign connection links', { system: 'aws' });
      const { token, claims } = mintLinkToken(
        key,
        {
          provider: request.provider,
          ...(request.realmId ? { realmId: request.realmId } : {}),
          replace: request.replace,
        },
        Date.now(),
        request.ttlMinutes * 60_000,
      );
      const url = new URL(`${config.API_URL.replace(/\/$/, '')}/oauth/${request.provider}/start`);
      url.searchParams.set('link', token);
      logger.info('connection link minted', {
        provider: request.provider,
        realmId: request.realmId,
        replace: request.replace,
      });
      return { url: url.toString(), expiresAt: new Date(claims.exp).toISOString(), replace: claims.replace };
    }
    case 'connect-api-token':
      return (await oauthFlow()).connectPipedriveApiToken(
        request.realmId,
        request.apiToken,
        request.apiDomain,
        request.confirmShared,
        request.replace,
      );
    case 'replay-customer':
      return replayCustomer(request.realmId, request.customerId, { queue: changes, now: Date.now });
    case 'replay-since':
      return replaySince(request.realmId, request.since, {
        qbo: await (await clientFactory()).quickbooks(request.realmId),
        queue: bulk,
        now: Date.now,
      });
    case 'dead-letters':
      return { messages: await drainDeadLetters(sqs, deadLetterQueues, { move: request.move }) };
    case 'audit': {
      const link = await new LinkStore(table).get(request.realmId, request.customerId);
      return {
        // Where the customer stands, not the pushed record itself.
        link: link
          ? {
              state: link.state,
              orgId: link.orgId,
              personId: link.personId,
              lastPushedUpdatedTime: link.lastPushedUpdatedTime,
            }
          : null,
        entries: (await new AuditLog(table, 1).history(request.realmId, request.customerId, { limit: request.limit }))
          .entries,
      };
    }
  }
}

/** Invoked by the operator's CLI (`ml-connector status|ping|connect|replay|audit`), never by the public. */
export async function lambdaHandler(event: unknown): Promise<OperationResponse> {
  const parsed = OperationRequest.safeParse(event);
  if (!parsed.success) return { ok: false, error: { kind: 'bad-request', message: z.prettifyError(parsed.error) } };
  logger.info('operation', { command: parsed.data.command });
  try {
    return { ok: true, result: await run(parsed.data) };
  } catch (error) {
    const kind = error instanceof NeedsReauthError ? 'needs-reauth' : errorKind(error);
    // Our own errors' messages carry no secret; anything else is summarized.
    const message = isConnectorError(error) || error instanceof NeedsReauthError ? error.message : 'internal error';
    logger.error('operation failed', {
      command: parsed.data.command,
      kind,
      error: error instanceof Error ? error.message : 'unknown',
    });
    return { ok: false, error: { kind, message } };
  }
}

// The invocation's deadline bounds the waits inside it (decision 34).
export const handler = middy((event: unknown, context: Context) => withDeadline(context, () => lambdaHandler(event)))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
