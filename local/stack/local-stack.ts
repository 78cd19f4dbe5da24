import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FUNCTION_TIMEOUT_SECONDS, type FunctionName } from '../../lib/function-timeouts';
import { startHttpApiFront } from '../aws/http-api-front';
import { startPipedriveSandbox } from '../pipedrive';
import { startQuickBooksSandbox } from '../quickbooks';
import { SandboxClock } from '../shared/clock';
import { REALISTIC_LATENCY } from '../shared/latency';
import { connectLikeABrowser } from './browser-connect';
import { createStorage, startEmulators } from './emulators';
import { handlerEnvironment, redirectUri } from './environment';
import { lambdaContext, loadHandler } from './load-handler';
import { removeLocalState, writeLocalState } from '../../cli/local-state';
import { frontRoutes, type Invoke } from './routes';
import { startEventSources, startSchedules } from './schedules';

export interface LocalStackOptions {
  /** Port of the HTTP front (webhook and OAuth routes); 0 picks one. */
  port?: number;
  /** Ports of the QBO and Pipedrive sandboxes; absent or 0 picks one. */
  qboSandboxPort?: number;
  pipedriveSandboxPort?: number;
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
  /**
   * Seats of the sandbox's Pipedrive company (growth plan; 1 by default): its daily token budget, which
   * the functions are configured with as a deployment would be.
   */
  pipedriveSeats?: number;
  /** How long Pipedrive's Cloudflare 403 stops every call (the stack's `pipedriveBlockMinutes`, default 60). */
  pipedriveBlockMinutes?: number;
  /**
   * Pipedrive organization webhooks (decision 63): the sandbox app is granted the `admin` scope they
   * need and `connect pipedrive` registers one. Off by default here, so runs that count tokens or
   * judge the reconcile alone are not changed by them.
   */
  pipedriveWebhooks?: boolean;
}

const HANDLERS = join(__dirname, '..', '..', 'functions', 'handlers');
/** Each function's handler module, whose name is also the function's name in its Lambda context. */
const HANDLER_MODULES: Readonly<Record<FunctionName, string>> = {
  webhook: 'webhook',
  oauth: 'oauth',
  worker: 'worker',
  cdcPoll: 'cdc-poll',
  tokenUpkeep: 'token-upkeep',
  backfill: 'backfill',
  operations: 'operations',
};

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

function loadHandlers(): Record<FunctionName, Handler> {
  const load = (name: FunctionName) => loadHandler(join(HANDLERS, HANDLER_MODULES[name]));
  return {
    webhook: load('webhook'),
    oauth: load('oauth'),
    worker: load('worker'),
    cdcPoll: load('cdcPoll'),
    tokenUpkeep: load('tokenUpkeep'),
    backfill: load('backfill'),
    operations: load('operations'),
  };
}

/**
 * The connector on this machine (docs/architecture.md#local-stack): the emulators and both
 * sandboxes; an HTTP front for the webhook and OAuth routes; the real handlers, fed by event-source
 * loops and a scheduler.
 */
export async function startLocalStack(options: LocalStackOptions = {}) {
  const log = options.log ?? (() => undefined);
  const emulators = await startEmulators({
    progress: log,
    ...(options.dynamoEndpoint !== undefined ? { dynamoEndpoint: options.dynamoEndpoint } : {}),
    ...(options.sqsEndpoint !== undefined ? { sqsEndpoint: options.sqsEndpoint } : {}),
    ...(options.retryTimeScale !== undefined ? { retryTimeScale: options.retryTimeScale } : {}),
  });
  const clock = new SandboxClock();

  // Filled in once the environment is set (handlers read it when they load); the front starts first.
  const loaded: { handlers?: Record<FunctionName, Handler> } = {};
  const invoke: Invoke = (name, event) => {
    if (!loaded.handlers) throw new Error('the local stack is still starting');
    return loaded.handlers[name](event, lambdaContext(HANDLER_MODULES[name], FUNCTION_TIMEOUT_SECONDS[name]));
  };
  const adminKey = randomBytes(24).toString('base64url');
  const front = await startHttpApiFront(
    frontRoutes(invoke, adminKey, () => loaded.handlers !== undefined),
    { ...(options.port !== undefined ? { port: options.port } : {}), context: () => ({}) },
  );
  const qbo = await startQuickBooksSandbox({
    clock,
    ...(options.qboSandboxPort !== undefined ? { port: options.qboSandboxPort } : {}),
    seed: { count: options.qboSeedCount ?? 25, seed: 42 },
    app: { redirectUris: [redirectUri(front.url, 'quickbooks')] },
    webhooks: { url: `${front.url}/webhooks/quickbooks`, format: 'cloudevents' },
    webhookTicker: true,
    latency: options.sandboxLatency === false ? false : REALISTIC_LATENCY.quickbooks,
  });
  const pipedrive = await startPipedriveSandbox({
    clock,
    ...(options.pipedriveSandboxPort !== undefined ? { port: options.pipedriveSandboxPort } : {}),
    latency: options.sandboxLatency === false ? false : REALISTIC_LATENCY.pipedrive,
    plan: 'growth',
    seats: options.pipedriveSeats ?? 1,
    oauth: {
      clientId: 'pd-local-client',
      clientSecret: 'pd-local-secret',
      redirectUris: [redirectUri(front.url, 'pipedrive')],
      // users:read lets a mapping plan check the owner a document sets (decision 61).
      scope: `base contacts:full search:read contact-fields:full users:read${options.pipedriveWebhooks ? ' admin' : ''}`,
    },
  });
  const storage = await createStorage(
    emulators,
    options.name ? `-${options.name}` : '',
    options.visibilityTimeoutSeconds,
  );

  // The key connection links are signed with, as the OAUTH_START_TOKEN secret is in a deployment.
  const startToken = randomBytes(18).toString('base64url');
  Object.assign(
    process.env,
    handlerEnvironment({
      emulators,
      storage,
      qbo,
      pipedrive,
      frontUrl: front.url,
      startToken,
      ...(options.retryTimeScale !== undefined ? { retryTimeScale: options.retryTimeScale } : {}),
      ...(options.pipedriveBlockMinutes !== undefined ? { pipedriveBlockMinutes: options.pipedriveBlockMinutes } : {}),
      pipedriveWebhooks: options.pipedriveWebhooks ?? false,
    }),
  );
  loaded.handlers = loadHandlers();
  if (options.stateFile) await writeLocalState(options.stateFile, { url: front.url, adminKey, pid: process.pid });
  const onError = (error: unknown) => {
    log(`worker invocation failed: ${error instanceof Error ? error.message : String(error)}`);
  };
  const sources = startEventSources(emulators.sqs, storage, invoke, onError);
  const schedules = startSchedules(invoke, options.pollIntervalMs ?? 15 * 60_000, onError);

  return {
    url: front.url,
    clock,
    qbo,
    pipedrive,
    changesQueueUrl: storage.changesQueueUrl,
    bulkQueueUrl: storage.bulkQueueUrl,
    scheduleQueueUrl: storage.scheduleQueueUrl,
    tableName: storage.tableName,
    /** Connects both systems through the real OAuth routes, as a person would. */
    connect: () => connectLikeABrowser(front.url, startToken, qbo.describe().realmId),
    /** Runs a Lambda the way the schedule or the CLI would. */
    invoke: (name: 'cdcPoll' | 'tokenUpkeep' | 'backfill', event: unknown) => invoke(name, event),
    invocations: () => sources.reduce((sum, source) => sum + source.invocations(), 0),
    /** What the CLI needs to reach this stack (also written to `stateFile`). */
    local: { url: front.url, adminKey },
    close: async () => {
      if (options.stateFile) await removeLocalState(options.stateFile, process.pid);
      schedules.stop();
      await Promise.all(sources.map((source) => source.stop()));
      await Promise.all([front.close(), qbo.close(), pipedrive.close()]);
      await emulators.stop();
    },
  };
}

export type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;
