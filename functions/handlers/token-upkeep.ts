import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { KMSClient } from '@aws-sdk/client-kms';
import middy from '@middy/core';
import { METRICS } from '../shared/metric-names';
import { log, logger, metrics } from '../aws/powertools';
import { tableNamed } from '../store/table-client';
import { upkeepTokens, type UpkeepReport, type UpkeepTarget } from '../connections/token-upkeep';
import { PipedriveOAuthClient } from '../pipedrive/oauth-client';
import { QuickBooksOAuthClient } from '../quickbooks/oauth-client';
import { type Connection, ConnectionStore } from '../store/connections';
import { KmsTokenCipher } from '../store/kms-token-cipher';
import { TokenLifecycle, type TokenRefresher } from '../connections/token-lifecycle';
import { TokenStore } from '../store/token-store';
import { pipedriveOAuthConfig, quickBooksOAuthConfig, RuntimeConfig } from './shared/runtime-config';

const config = RuntimeConfig.parse(process.env);
const table = tableNamed(config.TABLE_NAME);
const connections = new ConnectionStore(table);
const tokens = new TokenStore(table);
const cipher = new KmsTokenCipher(new KMSClient({}), config.KMS_KEY_ID);

async function refresherFor(
  provider: 'quickbooks' | 'pipedrive',
  connection: Connection,
): Promise<TokenRefresher | undefined> {
  if (provider === 'quickbooks') return new QuickBooksOAuthClient(await quickBooksOAuthConfig(config));
  const settings = connection.pipedrive?.auth === 'oauth' ? await pipedriveOAuthConfig(config) : undefined;
  if (!settings) return undefined;
  const oauth = new PipedriveOAuthClient(settings);
  return { refresh: (token) => oauth.refresh(token, connection.pipedrive?.apiDomain) };
}

async function targets(connection: Connection): Promise<UpkeepTarget[]> {
  const out: UpkeepTarget[] = [];
  for (const provider of ['quickbooks', 'pipedrive'] as const) {
    const stored = await tokens.read(connection.realmId, provider);
    const refresher = stored ? await refresherFor(provider, connection) : undefined;
    if (!stored || !refresher) continue;
    const lifecycle = new TokenLifecycle({
      realmId: connection.realmId,
      provider,
      store: tokens,
      cipher,
      refresher,
      connections,
      log,
    });
    out.push({
      realmId: connection.realmId,
      provider,
      stored,
      refresh: () => lifecycle.forceRefresh(),
    });
  }
  return out;
}

export async function lambdaHandler(): Promise<UpkeepReport> {
  const report = await upkeepTokens(await connections.list(), targets, Date.now(), log);
  metrics.addMetric(METRICS.tokenRefreshes, MetricUnit.Count, report.refreshed);
  metrics.addMetric(METRICS.tokenRefreshFailures, MetricUnit.Count, report.failed);
  metrics.addMetric(METRICS.needsReauth, MetricUnit.Count, report.needsReauth);
  if (report.minRefreshTokenLifeMs !== undefined)
    metrics.addMetric(
      METRICS.refreshTokenDaysLeft,
      MetricUnit.Count,
      Math.floor(report.minRefreshTokenLifeMs / 86_400_000),
    );
  logger.info('token upkeep', { ...report });
  return report;
}

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
