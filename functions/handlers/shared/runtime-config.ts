import { setTimeout as delay } from 'node:timers/promises';
import { KMSClient } from '@aws-sdk/client-kms';
import * as z from '../../shared/zod-mini';
import type { PipedriveOAuthConfig } from '../../pipedrive/oauth-client';
import { ConnectionClientFactory } from '../../connections/connection-clients';
import type { QuickBooksOAuthConfig } from '../../quickbooks/oauth-client';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../../shared/metric-names';
import { log, metrics } from '../../aws/powertools';
import { RateLimitedError } from '../../shared/errors';
import { fitsBeforeDeadline } from '../../shared/invocation-deadline';
import { linkSigningKey, readSecret } from '../../aws/secrets';
import { OAuthFlow } from '../../connections/oauth-flow';
import { PipedriveCommands, type PipedriveCommandsConfig } from '../../connections/pipedrive-commands';
import { registerOrganizationWebhook, removeOrganizationWebhook } from '../../connections/pipedrive-webhooks';
import { ConnectionStore, PipedrivePlan } from '../../store/connections';
import type { MappingOptions } from '../../sync/mapping';
import type { PipedriveRules } from '../../sync/pipedrive-rules';
import type { MessageQueue } from '../../sync/sync-message';
import { tableNamed } from '../../store/table-client';
import { KmsTokenCipher } from '../../store/kms-token-cipher';

/** The configuration every function that talks to QBO and Pipedrive shares, parsed once per container. */
export const RuntimeConfig = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  CHANGES_QUEUE_URL: z.string().check(z.minLength(1)),
  BULK_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  KMS_KEY_ID: z.string().check(z.minLength(1)),
  QBO_API_BASE_URL: z._default(z.url(), 'https://quickbooks.api.intuit.com'),
  QBO_AUTHORIZE_URL: z._default(z.url(), 'https://appcenter.intuit.com/connect/oauth2'),
  QBO_TOKEN_URL: z._default(z.url(), 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer'),
  QBO_REVOKE_URL: z._default(z.url(), 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke'),
  QBO_CLIENT_ID: z.string().check(z.minLength(1)),
  QBO_REDIRECT_URI: z.url(),
  PIPEDRIVE_CLIENT_ID: z.optional(z.string().check(z.minLength(1))),
  PIPEDRIVE_REDIRECT_URI: z.optional(z.url()),
  PIPEDRIVE_AUTHORIZE_URL: z.optional(z.url()),
  PIPEDRIVE_TOKEN_URL: z.optional(z.url()),
  PIPEDRIVE_REVOKE_URL: z.optional(z.url()),
  /** Comma-separated hosts besides *.pipedrive.com; only the local stack sets it. */
  PIPEDRIVE_ALLOW_HOSTS: z._default(z.string(), ''),
  /** Where API-token v1 calls go (decision 45); only the local stack changes it, to the sandbox's API-token host. */
  PIPEDRIVE_API_TOKEN_HOST: z.optional(z.url()),
  BUDGET_SHARE: z._default(z.coerce.number().check(z.gt(0), z.maximum(1)), 0.5),
  /** How long Pipedrive's Cloudflare 403 stops every call to the company (decision 32). */
  PIPEDRIVE_BLOCK_MINUTES: z._default(z.coerce.number().check(z.positive(), z.maximum(1440)), 60),
  HTTP_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 10_000),
  /** Shortens the wait after a QBO 429 (a local run that compresses time sets it; 1 in a deployment). */
  QBO_THROTTLE_WAIT_SCALE: z._default(z.coerce.number().check(z.positive(), z.maximum(1)), 1),
  /** Pipedrive organization webhooks (decision 63): `off` leaves Pipedrive's side to the daily reconcile. */
  PIPEDRIVE_WEBHOOKS: z._default(z.enum(['on', 'off']), 'on'),
  /** The HTTP API's Pipedrive webhook route, ending in `/`; the realm id is appended. */
  PIPEDRIVE_WEBHOOK_URL: z.optional(z.url()),
});
export type RuntimeConfig = z.infer<typeof RuntimeConfig>;

/** How customers map (the worker and the backfill must agree): `RuntimeConfig.extend(MappingSettings)`. */
export const MappingSettings = {
  SUB_CUSTOMERS: z._default(z.enum(['rollup', 'separate', 'skip']), 'rollup'),
  QBO_APP_URL: z._default(z.url(), 'https://app.qbo.intuit.com'),
  HOME_CURRENCY: z._default(z.string().check(z.length(3)), 'USD'),
};

/** The mapping options those settings give. */
export function mappingOptions(config: z.infer<z.ZodMiniObject<typeof MappingSettings>>): MappingOptions {
  return { subCustomers: config.SUB_CUSTOMERS, qboAppUrl: config.QBO_APP_URL, homeCurrency: config.HOME_CURRENCY };
}

/** What is done about a rep's deletions, edits and moved persons (decision 62): the worker and the reconcile agree. */
export const PipedriveRuleSettings = {
  PIPEDRIVE_DELETED_RULE: z._default(z.enum(['exclude', 'recreate']), 'exclude'),
  PIPEDRIVE_DRIFT_RULE: z._default(z.enum(['rewrite', 'report']), 'rewrite'),
  PIPEDRIVE_PERSON_RULE: z._default(z.enum(['report', 'restore']), 'report'),
};

export function pipedriveRules(config: z.infer<z.ZodMiniObject<typeof PipedriveRuleSettings>>): PipedriveRules {
  return {
    deleted: config.PIPEDRIVE_DELETED_RULE,
    drift: config.PIPEDRIVE_DRIFT_RULE,
    persons: config.PIPEDRIVE_PERSON_RULE,
  };
}

/** The Pipedrive plan a new connection starts with (the functions that connect accounts). */
export const PipedrivePlanSettings = {
  PIPEDRIVE_PLAN: z._default(PipedrivePlan, 'growth'),
  PIPEDRIVE_SEATS: z._default(z.coerce.number().check(z.int(), z.positive()), 1),
};
type OAuthFlowConfig = RuntimeConfig & z.infer<z.ZodMiniObject<typeof PipedrivePlanSettings>>;

export function allowedPipedriveHosts(config: RuntimeConfig): string[] {
  return config.PIPEDRIVE_ALLOW_HOSTS.split(',')
    .map((host) => host.trim())
    .filter(Boolean);
}

/** Intuit's OAuth settings, with the client secret read once (Secrets Manager, or env locally). */
export async function quickBooksOAuthConfig(config: RuntimeConfig): Promise<QuickBooksOAuthConfig> {
  return {
    clientId: config.QBO_CLIENT_ID,
    clientSecret: await readSecret(process.env, 'QBO_CLIENT_SECRET'),
    redirectUri: config.QBO_REDIRECT_URI,
    authorizeUrl: config.QBO_AUTHORIZE_URL,
    tokenUrl: config.QBO_TOKEN_URL,
    revokeUrl: config.QBO_REVOKE_URL,
    timeoutMs: config.HTTP_TIMEOUT_MS,
  };
}

/** Pipedrive's OAuth settings; undefined when the deployment connects Pipedrive by API token only. */
export async function pipedriveOAuthConfig(config: RuntimeConfig): Promise<PipedriveOAuthConfig | undefined> {
  if (!config.PIPEDRIVE_CLIENT_ID || !config.PIPEDRIVE_REDIRECT_URI) return undefined;
  const secret = await readSecret(process.env, 'PIPEDRIVE_CLIENT_SECRET').catch(() => undefined);
  if (!secret) return undefined;
  return {
    clientId: config.PIPEDRIVE_CLIENT_ID,
    clientSecret: secret,
    redirectUri: config.PIPEDRIVE_REDIRECT_URI,
    ...(config.PIPEDRIVE_AUTHORIZE_URL ? { authorizeUrl: config.PIPEDRIVE_AUTHORIZE_URL } : {}),
    ...(config.PIPEDRIVE_TOKEN_URL ? { tokenUrl: config.PIPEDRIVE_TOKEN_URL } : {}),
    ...(config.PIPEDRIVE_REVOKE_URL ? { revokeUrl: config.PIPEDRIVE_REVOKE_URL } : {}),
    timeoutMs: config.HTTP_TIMEOUT_MS,
    allowApiHosts: allowedPipedriveHosts(config),
  };
}

/** How long a worker's QBO call waits for the shared limiter before its message is deferred instead. */
export const WORKER_LIMITER_WAIT_MS = 5000;

/** The client factory, built on first use (it needs secrets) and kept for the container's life. */
export function clientFactoryFor(
  config: RuntimeConfig,
  options: { waitOutQboThrottling?: boolean } = {},
): () => Promise<ConnectionClientFactory> {
  let factory: Promise<ConnectionClientFactory> | undefined;
  return () => {
    factory ??= (async () =>
      new ConnectionClientFactory(
        tableNamed(config.TABLE_NAME),
        new KmsTokenCipher(new KMSClient({}), config.KMS_KEY_ID),
        {
          qboApiBaseUrl: config.QBO_API_BASE_URL,
          qboOAuth: await quickBooksOAuthConfig(config),
          pipedriveOAuth: await pipedriveOAuthConfig(config),
          pipedriveAllowHosts: allowedPipedriveHosts(config),
          ...(config.PIPEDRIVE_API_TOKEN_HOST ? { pipedriveApiTokenHost: config.PIPEDRIVE_API_TOKEN_HOST } : {}),
          budgetShare: config.BUDGET_SHARE,
          pipedriveBlockMs: config.PIPEDRIVE_BLOCK_MINUTES * 60_000,
          timeoutMs: config.HTTP_TIMEOUT_MS,
          // Every container's QBO calls share one limiter per company (decision 33). The worker waits only
          // briefly for it and defers its message otherwise; functions with minutes to run wait longer.
          qboSharedLimiter: {
            maxWaitMs: options.waitOutQboThrottling
              ? Math.max(15_000, 90_000 * config.QBO_THROTTLE_WAIT_SCALE)
              : WORKER_LIMITER_WAIT_MS,
            throttleWaitScale: config.QBO_THROTTLE_WAIT_SCALE,
          },
          // Functions with minutes to run wait out a QBO 429 (twice at most) instead of failing the whole run,
          // when the wait fits in the time the invocation has left (decision 34).
          ...(options.waitOutQboThrottling
            ? {
                qboRateLimitedRetries: {
                  attempts: 2,
                  sleep: async (ms: number) => {
                    const scaled = ms * config.QBO_THROTTLE_WAIT_SCALE;
                    if (!fitsBeforeDeadline(scaled))
                      throw new RateLimitedError(
                        'QuickBooks throttled the request; the wait does not fit in this run',
                        {
                          system: 'quickbooks',
                          retryAfterMs: scaled,
                        },
                      );
                    await delay(scaled);
                  },
                },
              }
            : {}),
          onTokenRefreshed: () => {
            metrics.addMetric(METRICS.tokenRefreshes, MetricUnit.Count, 1);
          },
        },
        log,
      ))();
    return factory;
  };
}

/**
 * Connecting accounts (`OAuthFlow`), built on first use (it needs the client secrets, read once and
 * cached) and kept for the container's life; the link-signing key is read through its own cache
 * (decision 39).
 */
export function oauthFlowFor(config: OAuthFlowConfig, changes: MessageQueue): () => Promise<OAuthFlow> {
  let flow: Promise<OAuthFlow> | undefined;
  return () => {
    flow ??= (async () =>
      new OAuthFlow(
        tableNamed(config.TABLE_NAME),
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
          ...webhookRegistration(config),
        },
        log,
      ))();
    return flow;
  };
}

/** The operator's Pipedrive commands (connect with an API token, disconnect), built on first use like `OAuthFlow`. */
export function pipedriveCommandsFor(config: OAuthFlowConfig, changes: MessageQueue): () => Promise<PipedriveCommands> {
  let commands: Promise<PipedriveCommands> | undefined;
  return () => {
    commands ??= (async () =>
      new PipedriveCommands(
        tableNamed(config.TABLE_NAME),
        new KmsTokenCipher(new KMSClient({}), config.KMS_KEY_ID),
        changes,
        {
          timeoutMs: config.HTTP_TIMEOUT_MS,
          pipedrive: await pipedriveOAuthConfig(config),
          pipedrivePlan: config.PIPEDRIVE_PLAN,
          pipedriveSeats: config.PIPEDRIVE_SEATS,
          onConnectionChanged: () => {
            metrics.addMetric(METRICS.connectionsChanged, MetricUnit.Count, 1);
          },
          pipedriveAllowHosts: allowedPipedriveHosts(config),
          ...webhookRegistration(config),
        },
        log,
      ))();
    return commands;
  };
}

/**
 * Registering a connection's webhook at connect (decision 63), when they are on and the route known;
 * removing it on a disconnect whatever the setting, as one registered before may remain.
 */
function webhookRegistration(
  config: RuntimeConfig,
): Pick<PipedriveCommandsConfig, 'registerWebhook' | 'removeWebhook'> {
  const base = config.PIPEDRIVE_WEBHOOK_URL;
  const clients = clientFactoryFor(config);
  const connections = new ConnectionStore(tableNamed(config.TABLE_NAME));
  const removeWebhook = async (realmId: string) =>
    removeOrganizationWebhook(realmId, {
      connections,
      pipedrive: await (await clients()).pipedriveOnly(realmId),
      now: Date.now,
      log,
    });
  if (config.PIPEDRIVE_WEBHOOKS === 'off' || base === undefined) return { removeWebhook };
  return {
    removeWebhook,
    registerWebhook: async (realmId) => {
      const pipedrive = await (await clients()).pipedriveOnly(realmId);
      if (!pipedrive) return { registered: false, reason: 'not connected' };
      return registerOrganizationWebhook(realmId, `${base}${encodeURIComponent(realmId)}`, {
        connections,
        pipedrive,
        now: Date.now,
        log,
      });
    },
  };
}
