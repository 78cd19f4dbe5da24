import type { PipedriveSandbox } from '../pipedrive';
import type { QuickBooksSandbox } from '../quickbooks';
import { deadLetterQueueUrl, type Emulators, type LocalStorage } from './emulators';

export interface EnvironmentSources {
  emulators: Emulators;
  storage: LocalStorage;
  qbo: QuickBooksSandbox;
  pipedrive: PipedriveSandbox;
  /** The HTTP front's URL: the webhook and OAuth routes hang off it. */
  frontUrl: string;
  /** The key connection links are signed with, as the OAUTH_START_TOKEN secret is in a deployment. */
  startToken: string;
  retryTimeScale?: number;
  pipedriveBlockMinutes?: number;
  /** Whether `connect pipedrive` registers the organization webhook (decision 63). */
  pipedriveWebhooks?: boolean;
}

export const redirectUri = (frontUrl: string, provider: 'quickbooks' | 'pipedrive') =>
  `${frontUrl}/oauth/${provider}/callback`;

/** What lib/functions.ts gives the Lambda functions, pointed at the emulators and the sandboxes. */
export function handlerEnvironment(sources: EnvironmentSources): Record<string, string> {
  const { emulators, storage, frontUrl } = sources;
  const qboInfo = sources.qbo.describe();
  const pdInfo = sources.pipedrive.describe();
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: emulators.handlerSqsEndpoint,
    // The scheduled functions' wait after a QBO 429 is compressed like the queue's retry delays.
    QBO_THROTTLE_WAIT_SCALE: String(sources.retryTimeScale ?? 1),
    PIPEDRIVE_BLOCK_MINUTES: String(sources.pipedriveBlockMinutes ?? 60),
    PIPEDRIVE_WEBHOOKS: sources.pipedriveWebhooks ? 'on' : 'off',
    AWS_ENDPOINT_URL_KMS: emulators.kms.url,
    POWERTOOLS_SERVICE_NAME: 'ml-connector-local',
    POWERTOOLS_METRICS_NAMESPACE: 'MlConnectorLocal',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    TABLE_NAME: storage.tableName,
    CHANGES_QUEUE_URL: storage.changesQueueUrl,
    BULK_QUEUE_URL: storage.bulkQueueUrl,
    SCHEDULE_QUEUE_URL: storage.scheduleQueueUrl,
    KMS_KEY_ID: emulators.kms.keyArn,
    QBO_API_BASE_URL: qboInfo.apiBaseUrl,
    QBO_AUTHORIZE_URL: qboInfo.authorizeUrl,
    QBO_TOKEN_URL: qboInfo.tokenUrl,
    QBO_REVOKE_URL: qboInfo.revokeUrl,
    QBO_CLIENT_ID: qboInfo.clientId,
    QBO_CLIENT_SECRET: qboInfo.clientSecret,
    QBO_REDIRECT_URI: redirectUri(frontUrl, 'quickbooks'),
    QBO_APP_URL: 'https://app.sandbox.qbo.intuit.com',
    WEBHOOK_VERIFIER_TOKENS: qboInfo.verifierToken,
    OAUTH_START_TOKEN: sources.startToken,
    API_URL: frontUrl,
    CHANGES_DLQ_URL: deadLetterQueueUrl(storage.changesQueueUrl),
    BULK_DLQ_URL: deadLetterQueueUrl(storage.bulkQueueUrl),
    PIPEDRIVE_CLIENT_ID: pdInfo.oauth.clientId,
    PIPEDRIVE_CLIENT_SECRET: pdInfo.oauth.clientSecret,
    PIPEDRIVE_REDIRECT_URI: redirectUri(frontUrl, 'pipedrive'),
    PIPEDRIVE_WEBHOOK_URL: new URL('/webhooks/pipedrive/', frontUrl).toString(),
    PIPEDRIVE_AUTHORIZE_URL: pdInfo.oauth.authorizeUrl,
    PIPEDRIVE_TOKEN_URL: pdInfo.oauth.tokenUrl,
    PIPEDRIVE_REVOKE_URL: pdInfo.oauth.revokeUrl,
    PIPEDRIVE_ALLOW_HOSTS: [pdInfo.apiBaseUrl, pdInfo.apiTokenBaseUrl].map((url) => new URL(url).host).join(','),
    // API-token v1 calls go where the SDK sends them: the sandbox's `api.pipedrive.com` (decision 45).
    PIPEDRIVE_API_TOKEN_HOST: pdInfo.apiTokenBaseUrl,
    // The deployment's settings describe the Pipedrive company it connects to, as an operator's would.
    PIPEDRIVE_PLAN: pdInfo.plan,
    PIPEDRIVE_SEATS: String(pdInfo.seats),
  };
}
