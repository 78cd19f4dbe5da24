import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from '../shared/zod-mini';
import { escapeHtml } from '../shared/html';
import { METRICS } from '../shared/metric-names';
import type { OAuthOutcome } from '../connections/oauth-outcome';
import { handlePipedriveUninstall } from '../connections/pipedrive-uninstall';
import { log, logger, metrics } from '../aws/powertools';
import { SqsMessageQueue } from '../aws/sqs-queue';
import { tableNamed } from '../store/table-client';
import { ConnectionStore } from '../store/connections';
import { oauthFlowFor, pipedriveOAuthConfig, PipedrivePlanSettings, RuntimeConfig } from './shared/runtime-config';

const config = z.extend(RuntimeConfig, PipedrivePlanSettings).parse(process.env);
const oauthFlow = oauthFlowFor(
  config,
  new SqsMessageQueue(new SQSClient({ useQueueUrlAsEndpoint: false }), config.CHANGES_QUEUE_URL),
);

const HttpEvent = z.looseObject({
  rawPath: z.string(),
  queryStringParameters: z._default(z.record(z.string(), z.optional(z.string())), {}),
});
const Route = z.tuple([z.literal('oauth'), z.enum(['quickbooks', 'pipedrive']), z.enum(['start', 'callback'])]);

/** A small page that says what happened; no script, nothing from the request echoed unescaped. */
function render(outcome: OAuthOutcome): APIGatewayProxyStructuredResultV2 {
  if (outcome.status === 302 && outcome.location)
    return { statusCode: 302, headers: { location: outcome.location, 'cache-control': 'no-store' }, body: '' };
  const body = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(outcome.title)}</title><body style="font-family:system-ui;max-width:40rem;margin:4rem auto"><h1>${escapeHtml(outcome.title)}</h1><p>${escapeHtml(outcome.detail)}</p><p><small>ml-connector</small></p></body></html>`;
  return {
    statusCode: outcome.status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    },
    body,
  };
}

/** Pipedrive's app-uninstall notice: `DELETE /oauth/pipedrive/callback` with Basic auth (decision 46). */
const UninstallEvent = z.looseObject({
  rawPath: z.literal('/oauth/pipedrive/callback'),
  requestContext: z.looseObject({ http: z.looseObject({ method: z.literal('DELETE') }) }),
  headers: z._default(z.record(z.string(), z.optional(z.string())), {}),
  body: z.optional(z.string()),
  isBase64Encoded: z._default(z.boolean(), false),
});

async function uninstall(event: z.infer<typeof UninstallEvent>): Promise<APIGatewayProxyStructuredResultV2> {
  const body = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const outcome = await handlePipedriveUninstall(
    {
      connections: new ConnectionStore(tableNamed(config.TABLE_NAME)),
      oauth: await pipedriveOAuthConfig(config),
      now: Date.now,
      log,
    },
    { authorization: event.headers.authorization, body },
  );
  // The NeedsReauth alarm fires now rather than at the next hourly token upkeep.
  if (outcome.disconnected.length > 0)
    metrics.addMetric(METRICS.needsReauth, MetricUnit.Count, outcome.disconnected.length);
  return { statusCode: outcome.status, headers: { 'cache-control': 'no-store' }, body: '' };
}

export async function lambdaHandler(event: unknown): Promise<APIGatewayProxyStructuredResultV2> {
  const uninstallEvent = UninstallEvent.safeParse(event);
  if (uninstallEvent.success) return uninstall(uninstallEvent.data);
  const parsed = HttpEvent.safeParse(event);
  const route = parsed.success ? Route.safeParse(parsed.data.rawPath.split('/').filter(Boolean)) : undefined;
  if (!parsed.success || !route?.success)
    return render({
      status: 400,
      title: 'Unknown page',
      detail: 'Use /oauth/quickbooks/start or /oauth/pipedrive/start.',
    });
  const [, provider, step] = route.data;
  const query = parsed.data.queryStringParameters;
  const oauth = await oauthFlow();
  // Never log the query: it carries the authorization code.
  logger.info('oauth request', { provider, step });
  return render(step === 'start' ? await oauth.start(provider, query.link) : await oauth.callback(provider, query));
}

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
