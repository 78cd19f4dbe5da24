import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { mintLinkToken, sameSecret } from '../../functions/platform/connection-links';
import { startLocalKms } from '../kms';
import { startSqsEventSource, type RunningEventSource } from '../aws/sqs-event-source';
import { startLoopbackFauxqs } from '../aws/fauxqs';
import { startHttpApiFront } from '../aws/http-api-front';
import { startSqsTimeProxy } from '../aws/sqs-time-proxy';
import { createConnectorTable } from '../dynamodb/create-table';
import { startDynamoDbLocal } from '../dynamodb/dynamodb-local';
import { startPipedriveSandbox } from '../pipedrive';
import { startQuickBooksSandbox } from '../quickbooks';
import { REALISTIC_LATENCY } from '../shared/latency';
import { SandboxClock } from '../shared/clock';
import { HealthReport, healthQueryFrom } from '../../functions/operations/health-report';
import { renderHealthPage } from '../../functions/operations/health-page';
import { FUNCTION_TIMEOUT_SECONDS, type FunctionName } from '../../lib/function-timeouts';
import { lambdaContext, loadHandler } from './load-handler';
import { removeLocalState, writeLocalState } from './local-state';

/** The same settings as the stack's event-source mappings (lib/): realtime before bulk. */
export const EVENT_SOURCES = {
  changes: { batchSize: 10, maxConcurrency: 5 },
  bulk: { batchSize: 10, maxConcurrency: 2 },
  /** One connection's poll or reconcile per invocation (decision 38); the stack allows 10 at once. */
  schedule: { batchSize: 1, maxConcurrency: 2 },
} as const;

export interface LocalStackOptions {
  /** Port of the HTTP front (webhook and OAuth routes); 0 picks one. */
  port?: number;
  qboSeedCount?: number;
  /** How often the CDC poll runs (the stack's default is 15 minutes). */
  pollIntervalMs?: number;
  log?: (line: string) => void;
  /** Use running emulators instead of starting them (the tests share theirs). */
  dynamoEndpoint?: string;
  sqsEndpoint?: string;
  /** Suffix for the table and queue names, so several stacks can share emulators. */
  name?: string;
  /** Where to tell the CLI how to reach this stack (`npx ml-connector …` without `--stack`); nothing is written without it. */
  stateFile?: string;
  /** The queues' visibility timeout (the stack's is 360 s); a chaos run shortens it so failed batches return in seconds. */
  visibilityTimeoutSeconds?: number;
  /** Compresses the retry delays the worker sets on failed messages by this factor (1: real time). */
  retryTimeScale?: number;
  /**
   * Whether the sandboxes wait like the vendors' servers before each answer (REALISTIC_LATENCY;
   * default true), so sequential clients meet QBO's 10/s throttle as they would live, not at 0 ms.
   */
  sandboxLatency?: boolean;
  /** How long Pipedrive's Cloudflare 403 stops every call (the stack's `pipedriveBlockMinutes`, default 60). */
  pipedriveBlockMinutes?: number;
}

const HANDLERS = join(__dirname, '..', '..', 'functions', 'handlers');

/**
 * The connector on this machine (ARCHITECTURE §2 "local stack"): DynamoDB Local, the SQS emulator,
 * the local KMS and both sandboxes; an HTTP front for the webhook and OAuth routes; the real handlers,
 * fed by event-source loops and a scheduler.
 */
export async function startLocalStack(options: LocalStackOptions = {}) {
  const log = options.log ?? (() => undefined);
  const dynamo = options.dynamoEndpoint
    ? { endpoint: options.dynamoEndpoint, stop: () => Promise.resolve() }
    : await startDynamoDbLocal({ progress: log });
  const fauxqs = options.sqsEndpoint ? undefined : await startLoopbackFauxqs();
  const sqsEndpoint = options.sqsEndpoint ?? `http://127.0.0.1:${fauxqs?.port ?? 0}`;
  const suffix = options.name ? `-${options.name}` : '';
  const kms = await startLocalKms();
  const clock = new SandboxClock();

  type HandlerName = FunctionName;
  // The CLI invokes functions through the front, as it would through Lambda's Invoke API; a random key
  // (in the state file, readable only by this user) keeps other local processes out.
  const adminKey = randomBytes(24).toString('base64url');
  const invokable: Record<string, HandlerName> = {
    operations: 'operations',
    backfill: 'backfill',
    'cdc-poll': 'cdcPoll',
    'token-upkeep': 'tokenUpkeep',
  };
  // Filled in once the environment is set (handlers read it when they load); the front starts first.
  const loaded: {
    handlers?: Record<HandlerName, (event: unknown, context: unknown) => Promise<unknown>>;
  } = {};
  /**
   * The sync-health page: the same page `ml-connector health` serves for a deployed stack, from the
   * same operations-function answer (decision 48).
   */
  const health = async (query: Record<string, string | undefined>, format: 'html' | 'json') => {
    if (!loaded.handlers) return { statusCode: 503, body: 'starting' };
    const params = new URLSearchParams(
      Object.entries(query).flatMap(([key, value]): [string, string][] => (value === undefined ? [] : [[key, value]])),
    );
    const answer = await call('operations', 'operations')({ command: 'health', ...healthQueryFrom(params) });
    const parsed = z.object({ ok: z.literal(true), result: HealthReport }).safeParse(answer);
    if (!parsed.success)
      return { statusCode: 500, body: 'the operations function did not answer with a health report' };
    const report = parsed.data.result;
    return format === 'json'
      ? { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(report) }
      : { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: renderHealthPage(report) };
  };
  const call = (name: HandlerName, functionName: string) => (event: unknown) => {
    if (!loaded.handlers) throw new Error('the local stack is still starting');
    return loaded.handlers[name](event, lambdaContext(functionName, FUNCTION_TIMEOUT_SECONDS[name]));
  };
  const front = await startHttpApiFront(
    [
      { method: 'POST', path: '/webhooks/quickbooks', handler: (event) => call('webhook', 'webhook')(event) },
      { method: 'GET', path: '/oauth/{provider}/{step}', handler: (event) => call('oauth', 'oauth')(event) },
      // Pipedrive's app-uninstall notice (decision 46).
      { method: 'DELETE', path: '/oauth/pipedrive/callback', handler: (event) => call('oauth', 'oauth')(event) },
      { method: 'GET', path: '/health', handler: (event) => health(event.queryStringParameters ?? {}, 'html') },
      { method: 'GET', path: '/health.json', handler: (event) => health(event.queryStringParameters ?? {}, 'json') },
      {
        method: 'POST',
        path: '/_local/invoke/{function}',
        handler: async (event) => {
          const target = invokable[event.pathParameters?.function ?? ''];
          if (!sameSecret(event.headers['x-local-admin-key'] ?? '', adminKey))
            return { statusCode: 403, body: 'forbidden' };
          if (!target) return { statusCode: 404, body: 'no such function' };
          let payload: unknown;
          try {
            payload = JSON.parse(event.body ?? '{}');
          } catch {
            return { statusCode: 400, body: 'the payload is not JSON' };
          }
          try {
            const result = await call(target, target)(payload);
            return {
              statusCode: 200,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(result ?? null),
            };
          } catch (error) {
            // As Lambda reports an unhandled error: its type and message, no stack.
            const errorType = error instanceof Error ? error.name : 'Error';
            const errorMessage = error instanceof Error ? error.message : String(error);
            return {
              statusCode: 200,
              headers: { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' },
              body: JSON.stringify({ errorType, errorMessage }),
            };
          }
        },
      },
    ],
    { ...(options.port !== undefined ? { port: options.port } : {}), context: () => ({}) },
  );
  const qboRedirect = `${front.url}/oauth/quickbooks/callback`;
  const pipedriveRedirect = `${front.url}/oauth/pipedrive/callback`;
  const qbo = await startQuickBooksSandbox({
    clock,
    seed: { count: options.qboSeedCount ?? 25, seed: 42 },
    app: { redirectUris: [qboRedirect] },
    webhooks: { url: `${front.url}/webhooks/quickbooks`, format: 'cloudevents' },
    webhookTicker: true,
    latency: options.sandboxLatency === false ? false : REALISTIC_LATENCY.quickbooks,
  });
  const pipedrive = await startPipedriveSandbox({
    clock,
    latency: options.sandboxLatency === false ? false : REALISTIC_LATENCY.pipedrive,
    plan: 'growth',
    seats: 1,
    oauth: {
      clientId: 'pd-local-client',
      clientSecret: 'pd-local-secret',
      redirectUris: [pipedriveRedirect],
      scope: 'base contacts:full search:read contact-fields:full',
    },
  });

  const tableName = `ml-connector-local${suffix}`;
  await createConnectorTable(
    new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    tableName,
  );
  const sqs = new SQSClient({
    endpoint: sqsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
  const queue = async (name: string) => {
    await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq.fifo`, Attributes: { FifoQueue: 'true' } }));
    const created = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}.fifo`,
        Attributes: {
          FifoQueue: 'true',
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 360),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${name}-dlq.fifo`,
            maxReceiveCount: 5,
          }),
        },
      }),
    );
    return created.QueueUrl ?? '';
  };
  const changesQueueUrl = await queue(`ml-connector-changes${suffix}`);
  const bulkQueueUrl = await queue(`ml-connector-bulk${suffix}`);
  const scheduleQueueUrl = await queue(`ml-connector-schedule${suffix}`);

  // The handlers reach SQS through the time-compressing proxy when retries are to come back sooner.
  const sqsProxy =
    options.retryTimeScale !== undefined && options.retryTimeScale !== 1
      ? await startSqsTimeProxy(sqsEndpoint, options.retryTimeScale)
      : undefined;
  const qboInfo = qbo.describe();
  // The key connection links are signed with, as the OAUTH_START_TOKEN secret is in a deployment.
  const startToken = randomBytes(18).toString('base64url');
  const pdInfo = pipedrive.describe();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: sqsProxy?.url ?? sqsEndpoint,
    // The scheduled functions' wait after a QBO 429 is compressed like the queue's retry delays.
    QBO_THROTTLE_WAIT_SCALE: String(options.retryTimeScale ?? 1),
    PIPEDRIVE_BLOCK_MINUTES: String(options.pipedriveBlockMinutes ?? 60),
    AWS_ENDPOINT_URL_KMS: kms.url,
    POWERTOOLS_SERVICE_NAME: 'ml-connector-local',
    POWERTOOLS_METRICS_NAMESPACE: 'MlConnectorLocal',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    TABLE_NAME: tableName,
    CHANGES_QUEUE_URL: changesQueueUrl,
    BULK_QUEUE_URL: bulkQueueUrl,
    SCHEDULE_QUEUE_URL: scheduleQueueUrl,
    KMS_KEY_ID: kms.keyArn,
    QBO_API_BASE_URL: qboInfo.apiBaseUrl,
    QBO_AUTHORIZE_URL: qboInfo.authorizeUrl,
    QBO_TOKEN_URL: qboInfo.tokenUrl,
    QBO_REVOKE_URL: qboInfo.revokeUrl,
    QBO_CLIENT_ID: qboInfo.clientId,
    QBO_CLIENT_SECRET: qboInfo.clientSecret,
    QBO_REDIRECT_URI: qboRedirect,
    QBO_APP_URL: 'https://app.sandbox.qbo.intuit.com',
    WEBHOOK_VERIFIER_TOKENS: qboInfo.verifierToken,
    OAUTH_START_TOKEN: startToken,
    API_URL: front.url,
    CHANGES_DLQ_URL: changesQueueUrl.replace(/\.fifo$/, '-dlq.fifo'),
    BULK_DLQ_URL: bulkQueueUrl.replace(/\.fifo$/, '-dlq.fifo'),
    PIPEDRIVE_CLIENT_ID: pdInfo.oauth.clientId,
    PIPEDRIVE_CLIENT_SECRET: pdInfo.oauth.clientSecret,
    PIPEDRIVE_REDIRECT_URI: pipedriveRedirect,
    PIPEDRIVE_AUTHORIZE_URL: pdInfo.oauth.authorizeUrl,
    PIPEDRIVE_TOKEN_URL: pdInfo.oauth.tokenUrl,
    PIPEDRIVE_ALLOW_HOSTS: [pdInfo.apiBaseUrl, pdInfo.apiTokenBaseUrl].map((url) => new URL(url).host).join(','),
    // API-token v1 calls go where the SDK sends them: the sandbox's `api.pipedrive.com` (decision 45).
    PIPEDRIVE_API_TOKEN_HOST: pdInfo.apiTokenBaseUrl,
  });
  loaded.handlers = {
    webhook: loadHandler(join(HANDLERS, 'webhook')),
    oauth: loadHandler(join(HANDLERS, 'oauth')),
    worker: loadHandler(join(HANDLERS, 'worker')),
    cdcPoll: loadHandler(join(HANDLERS, 'cdc-poll')),
    tokenUpkeep: loadHandler(join(HANDLERS, 'token-upkeep')),
    backfill: loadHandler(join(HANDLERS, 'backfill')),
    operations: loadHandler(join(HANDLERS, 'operations')),
  };
  if (options.stateFile) await writeLocalState(options.stateFile, { url: front.url, adminKey, pid: process.pid });
  const onError = (error: unknown) => {
    log(`worker invocation failed: ${error instanceof Error ? error.message : String(error)}`);
  };
  const sources: RunningEventSource[] = [
    startSqsEventSource({
      sqs,
      queueUrl: changesQueueUrl,
      handler: call('worker', 'worker'),
      ...EVENT_SOURCES.changes,
      context: () => ({}),
      onError,
    }),
    startSqsEventSource({
      sqs,
      queueUrl: bulkQueueUrl,
      handler: call('worker', 'worker'),
      ...EVENT_SOURCES.bulk,
      context: () => ({}),
      onError,
    }),
    startSqsEventSource({
      sqs,
      queueUrl: scheduleQueueUrl,
      handler: call('cdcPoll', 'cdc-poll'),
      ...EVENT_SOURCES.schedule,
      context: () => ({}),
      onError,
    }),
  ];
  const timers = [
    setInterval(
      // As EventBridge does: the poll fans out into one unit per connection on the schedule queue.
      () => void call('cdcPoll', 'cdc-poll')({ mode: 'poll', fanOut: true }).catch(onError),
      options.pollIntervalMs ?? 15 * 60_000,
    ),
    setInterval(() => void call('tokenUpkeep', 'token-upkeep')({}).catch(onError), 60 * 60_000),
  ];
  for (const timer of timers) timer.unref();

  /** Connects both systems the way a person would: through the real OAuth routes, following redirects like a browser. */
  const connect = async (): Promise<{ realmId: string }> => {
    const follow = async (url: string): Promise<string> => {
      let next = url;
      for (let hop = 0; hop < 5; hop++) {
        const response = await fetch(next, { redirect: 'manual' });
        const location = response.headers.get('location');
        if (!location) {
          if (response.status !== 200)
            throw new Error(
              `connecting failed at ${new URL(next).pathname}: HTTP ${response.status} ${await response.text()}`,
            );
          return next;
        }
        next = new URL(location, next).toString();
      }
      throw new Error('too many redirects');
    };
    // Signed, single-use links, as `ml-connector connect` has the operations function mint them.
    const link = (provider: 'quickbooks' | 'pipedrive', realmId?: string) =>
      `${front.url}/oauth/${provider}/start?link=${mintLinkToken(startToken, { provider, ...(realmId ? { realmId } : {}) }, Date.now()).token}`;
    const done = await follow(link('quickbooks'));
    const realmId = new URL(done).searchParams.get('realmId') ?? qboInfo.realmId;
    await follow(link('pipedrive', realmId));
    return { realmId };
  };

  return {
    url: front.url,
    clock,
    qbo,
    pipedrive,
    changesQueueUrl,
    bulkQueueUrl,
    tableName,
    connect,
    /** Runs a Lambda the way the schedule or the CLI would. */
    invoke: (name: 'cdcPoll' | 'tokenUpkeep' | 'backfill', event: unknown) => call(name, name)(event),
    invocations: () => sources.reduce((sum, source) => sum + source.invocations(), 0),
    /** What the CLI needs to reach this stack (also written to `stateFile`). */
    local: { url: front.url, adminKey },
    close: async () => {
      if (options.stateFile) await removeLocalState(options.stateFile, process.pid);
      for (const timer of timers) clearInterval(timer);
      await Promise.all(sources.map((source) => source.stop()));
      await Promise.all([front.close(), qbo.close(), pipedrive.close(), kms.close()]);
      await sqsProxy?.close();
      await fauxqs?.stop();
      await dynamo.stop();
    },
  };
}

export type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;
