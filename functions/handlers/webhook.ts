import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from '../shared/zod-mini';
import { METRICS } from '../shared/metric-names';
import { logger, metrics } from '../aws/powertools';
import { readSecretList } from '../aws/secrets';
import { SqsMessageQueue } from '../aws/sqs-queue';
import { tableNamed } from '../store/table-client';
import { acceptWebhook } from '../quickbooks/webhook-intake';
import { dispatchUnits, earlyPollUnit } from '../deferred-work/scheduled-units';
import { ConnectionStore } from '../store/connections';
import type { SyncMessage } from '../sync/sync-message';
import { storedWebhookCredentials } from '../store/webhook-credentials';
import { acceptPipedriveWebhook } from '../connections/pipedrive-webhook-intake';

/** Configuration, parsed once per container. */
const Config = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  CHANGES_QUEUE_URL: z.string().check(z.minLength(1)),
  /** Where a delivery asks for an early CDC poll of its realm (decisions 65, 66); absent, each event is a message. */
  SCHEDULE_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  /**
   * From this many events of one realm in a delivery, an early poll reads them instead of a message
   * per event. 1: every delivery, as polls close together share one CDC read (decision 66).
   */
  WEBHOOK_POLL_AT_EVENTS: z._default(z.coerce.number().check(z.int(), z.positive()), 1),
  // The deployed limit (lib/functions.ts MAX_WEBHOOK_BYTES) is also the default, so the local stack matches it.
  MAX_WEBHOOK_BYTES: z._default(z.coerce.number().check(z.int(), z.positive()), 512 * 1024),
  WEBHOOK_STALE_AFTER_HOURS: z._default(z.coerce.number().check(z.positive()), 72),
  /** Intuit waits 3 s for the answer; the rest of a delivery that does not fit is left to the CDC poll (decision 56). */
  WEBHOOK_SEND_BUDGET_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 2000),
});
const config = Config.parse(process.env);
// The queue URL is a path on the resolved endpoint (AWS_ENDPOINT_URL_SQS locally), not an endpoint of its own.
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const queue = new SqsMessageQueue(sqs, config.CHANGES_QUEUE_URL);
const scheduleQueueUrl = config.SCHEDULE_QUEUE_URL;
const pollSoon = scheduleQueueUrl
  ? async (realmId: string, key: string, messages: readonly SyncMessage[], receivedAt: number): Promise<void> => {
      await dispatchUnits(sqs, scheduleQueueUrl, [earlyPollUnit(realmId, key, messages, receivedAt)]);
    }
  : undefined;
const table = tableNamed(config.TABLE_NAME);
const connections = new ConnectionStore(table);

/** API Gateway HTTP API (payload 2.0): only what the handler reads. */
const HttpEvent = z.looseObject({
  rawPath: z._default(z.string(), '/webhooks/quickbooks'),
  pathParameters: z._default(z.record(z.string(), z.optional(z.string())), {}),
  body: z.optional(z.string()),
  isBase64Encoded: z._default(z.boolean(), false),
  headers: z._default(z.record(z.string(), z.optional(z.string())), {}),
});

/** Known realms, refreshed at most once a minute: the webhook path must stay well under Intuit's 3 s. */
let realmCache: { realms: Set<string>; until: number } | undefined;
async function isKnownRealm(realmId: string): Promise<boolean> {
  if (!realmCache || realmCache.until < Date.now()) {
    realmCache = { realms: new Set(await connections.realmIds()), until: Date.now() + 60_000 };
  }
  if (realmCache.realms.has(realmId)) return true;
  // A connection made in the last minute: look once more before dropping its events.
  return connections.exists(realmId);
}

export async function lambdaHandler(event: unknown): Promise<APIGatewayProxyStructuredResultV2> {
  const parsed = HttpEvent.safeParse(event);
  if (!parsed.success) return { statusCode: 400, body: '{"error":"not an HTTP API event"}' };
  const { body = '', isBase64Encoded, headers, rawPath, pathParameters } = parsed.data;
  if (rawPath.startsWith('/webhooks/pipedrive/'))
    return pipedriveWebhook(
      pathParameters.realmId ?? '',
      Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8'),
      headers,
    );
  const signature = Object.entries(headers).find(([name]) => name.toLowerCase() === 'intuit-signature')?.[1];
  const outcome = await acceptWebhook(
    { rawBody: Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8'), signature },
    {
      verifierTokens: await readSecretList(process.env, 'WEBHOOK_VERIFIER_TOKENS'),
      queue,
      isKnownRealm,
      now: Date.now,
      maxBodyBytes: config.MAX_WEBHOOK_BYTES,
      staleAfterMs: config.WEBHOOK_STALE_AFTER_HOURS * 3_600_000,
      sendBudgetMs: config.WEBHOOK_SEND_BUDGET_MS,
      ...(pollSoon ? { pollSoon, pollAtEvents: config.WEBHOOK_POLL_AT_EVENTS } : {}),
    },
  );
  const { counts } = outcome;
  metrics.addMetric(METRICS.webhookEventsReceived, MetricUnit.Count, counts.received);
  metrics.addMetric(METRICS.enqueued, MetricUnit.Count, counts.enqueued);
  if (outcome.rejection) metrics.addMetric(METRICS.webhookRejected, MetricUnit.Count, 1);
  if (outcome.rejection === 'too-large')
    logger.warn('webhook delivery over MAX_WEBHOOK_BYTES acknowledged; the CDC poll reads its changes', {
      bytes: body.length,
    });
  if (counts.unknownRealm > 0) metrics.addMetric(METRICS.webhookUnknownRealm, MetricUnit.Count, counts.unknownRealm);
  if (counts.stale > 0) metrics.addMetric(METRICS.webhookStale, MetricUnit.Count, counts.stale);
  if (counts.leftToPoll > 0) {
    metrics.addMetric(METRICS.webhookLeftToPoll, MetricUnit.Count, counts.leftToPoll);
    logger.warn("webhook events left to the CDC poll: sending them would not fit in Intuit's 3 s", {
      leftToPoll: counts.leftToPoll,
    });
  }
  if (counts.polledEarly > 0)
    logger.info('webhook events left to an early CDC poll', { polledEarly: counts.polledEarly });
  if (counts.unreadable > 0) {
    metrics.addMetric(METRICS.webhookUnreadable, MetricUnit.Count, counts.unreadable);
    // The audit of what was dropped: how many and how big, never the body (it may carry customer data).
    logger.warn('webhook items unreadable', { unreadable: counts.unreadable, bytes: body.length });
  }
  logger.info('webhook handled', { status: outcome.status, rejection: outcome.rejection, counts, bytes: body.length });
  return { statusCode: outcome.status, headers: { 'content-type': 'application/json' }, body: outcome.body };
}

/** A Pipedrive organization webhook (decision 63): Basic auth, then the payload, then one message. */
async function pipedriveWebhook(
  realmId: string,
  body: Buffer,
  headers: Record<string, string | undefined>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const authorization = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const outcome = await acceptPipedriveWebhook(
    { realmId, authorization, body: body.toString('utf8') },
    {
      credentialsOf: (realm) => (realm === '' ? Promise.resolve(undefined) : storedWebhookCredentials(table, realm)),
      queue,
      now: Date.now,
      maxBodyBytes: config.MAX_WEBHOOK_BYTES,
    },
  );
  if (outcome.status === 401 || outcome.status === 400)
    metrics.addMetric(METRICS.pipedriveWebhookRejected, MetricUnit.Count, 1);
  // Never the body nor the credentials: the organization id is in the queued event, not here.
  logger.info('Pipedrive webhook handled', { realmId, status: outcome.status, rejection: outcome.rejection });
  return {
    statusCode: outcome.status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(outcome.status === 200 ? { ok: true } : { error: outcome.rejection }),
  };
}

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
