import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { KMSClient } from '@aws-sdk/client-kms';
import middy from '@middy/core';
import { METRICS } from '../shared/metric-names';
import { log, logger, metrics } from '../aws/powertools';
import { tableNamed } from '../store/table-client';
import { upkeepTokens, type UpkeepReport, type UpkeepTarget } from '../connections/token-upkeep';
import { type Connection, ConnectionStore } from '../store/connections';
import { KmsTokenCipher } from '../store/kms-token-cipher';
import type { TokenLifecycle } from '../connections/token-lifecycle';
import { TokenLifecycles } from '../connections/token-lifecycles';
import { TokenStore } from '../store/token-store';
import { pipedriveOAuthConfig, quickBooksOAuthConfig, RuntimeConfig } from './shared/runtime-config';

const config = RuntimeConfig.parse(process.env);
const table = tableNamed(config.TABLE_NAME);
const connections = new ConnectionStore(table);
const tokens = new TokenStore(table);
const cipher = new KmsTokenCipher(new KMSClient({}), config.KMS_KEY_ID);

let lifecycles: Promise<TokenLifecycles> | undefined;

/** Built on first use: it needs the client secrets, which are read once and cached. */
function tokenLifecycles(): Promise<TokenLifecycles> {
  lifecycles ??= (async () =>
    new TokenLifecycles({
      tokens,
      connections,
      cipher,
      qboOAuth: await quickBooksOAuthConfig(config),
      pipedriveOAuth: await pipedriveOAuthConfig(config),
      log,
    }))();
  return lifecycles;
}

/** The lifecycle of a provider's tokens, when this function can refresh them (Pipedrive: OAuth only). */
async function lifecycleFor(
  provider: 'quickbooks' | 'pipedrive',
  connection: Connection,
): Promise<TokenLifecycle | undefined> {
  const built = await tokenLifecycles();
  if (provider === 'quickbooks') return built.quickbooks(connection.realmId);
  if (connection.pipedrive?.auth !== 'oauth' || !built.refreshesPipedrive) return undefined;
  return built.pipedrive(connection.realmId, connection.pipedrive.apiDomain);
}

async function targets(connection: Connection): Promise<UpkeepTarget[]> {
  const out: UpkeepTarget[] = [];
  for (const provider of ['quickbooks', 'pipedrive'] as const) {
    const stored = await tokens.read(connection.realmId, provider);
    const lifecycle = stored ? await lifecycleFor(provider, connection) : undefined;
    if (!stored || !lifecycle) continue;
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
