/**
 * Run by local-function-logs.test.ts under `node --import tsx`, as `npm start` runs: loads the
 * webhook and OAuth handlers as the local stack does and invokes them at the same time, with
 * Powertools logging to stdout. Needs no AWS: both log before any call.
 */
import { join } from 'node:path';
import { lambdaContext, loadHandler } from '../../../local/stack/load-handler';

const ROOT = join(__dirname, '..', '..', '..');
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  TABLE_NAME: 'logs-probe',
  CHANGES_QUEUE_URL: 'http://127.0.0.1:9/changes.fifo',
  KMS_KEY_ID: 'logs-probe',
  QBO_CLIENT_ID: 'logs-probe',
  QBO_CLIENT_SECRET: 'logs-probe',
  QBO_REDIRECT_URI: 'https://example.com/oauth/quickbooks/callback',
  PIPEDRIVE_CLIENT_ID: 'logs-probe',
  PIPEDRIVE_CLIENT_SECRET: 'logs-probe',
  PIPEDRIVE_REDIRECT_URI: 'https://example.com/oauth/pipedrive/callback',
  WEBHOOK_VERIFIER_TOKENS: 'logs-probe',
  OAUTH_START_TOKEN: 'logs-probe-start-token-0123456789',
  API_URL: 'https://example.com',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_DISABLED: 'true',
});

const request = (path: string) => ({
  version: '2.0',
  rawPath: path,
  headers: {},
  body: '[]',
  isBase64Encoded: false,
  requestContext: { http: { method: 'GET', path } },
  queryStringParameters: {},
});

const webhook = loadHandler(join(ROOT, 'functions', 'handlers', 'webhook'));
const oauth = loadHandler(join(ROOT, 'functions', 'handlers', 'oauth'));
void Promise.allSettled([
  webhook(request('/webhooks/quickbooks'), lambdaContext('webhook')),
  oauth(request('/oauth/quickbooks/start'), lambdaContext('oauth')),
]);
