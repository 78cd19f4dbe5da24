import { isConnectorError } from '../shared/errors';
import type { Log } from '../shared/log';
import type { Connection } from '../store/connections';
import type { StoredTokens, TokenProviderName } from '../store/token-store';

export interface UpkeepTarget {
  realmId: string;
  provider: TokenProviderName;
  stored: StoredTokens;
  /** Forces a refresh (single-flight with every other container). */
  refresh(): Promise<void>;
}

export interface UpkeepOptions {
  /** Refresh an access token that has less than this left, so requests never wait for a refresh. */
  accessMarginMs: number;
  /** Keep an idle refresh token alive: refresh when less than this is left of its rolling window. */
  refreshWindowMarginMs: number;
}

export const DEFAULT_UPKEEP_OPTIONS: UpkeepOptions = {
  accessMarginMs: 15 * 60_000,
  refreshWindowMarginMs: 60 * 86_400_000,
};

export interface UpkeepReport {
  checked: number;
  refreshed: number;
  failed: number;
  needsReauth: number;
  /** The shortest time any refresh token has left (ms), for the token-health alarm. */
  minRefreshTokenLifeMs: number | undefined;
}

/**
 * Token upkeep (docs/architecture.md#connect-and-token-refresh): refreshes access tokens that near expiry, keeps idle QBO refresh
 * tokens inside their rolling window, and reports token health. A genuine `invalid_grant` marks the
 * connection `needs_reauth` (the token lifecycle does that) and is counted here.
 */
export async function upkeepTokens(
  connections: readonly Connection[],
  targets: (connection: Connection) => Promise<UpkeepTarget[]>,
  now: number,
  log: Log,
  options: UpkeepOptions = DEFAULT_UPKEEP_OPTIONS,
): Promise<UpkeepReport> {
  const report: UpkeepReport = {
    checked: 0,
    refreshed: 0,
    failed: 0,
    needsReauth: 0,
    minRefreshTokenLifeMs: undefined,
  };
  for (const connection of connections) {
    if (connection.status === 'needs_reauth') {
      report.needsReauth++;
      continue;
    }
    if (connection.status !== 'active') continue;
    for (const target of await targets(connection)) {
      report.checked++;
      const { accessTokenExpiresAt, refreshTokenExpiresAt } = target.stored;
      if (refreshTokenExpiresAt !== undefined) {
        const left = refreshTokenExpiresAt - now;
        report.minRefreshTokenLifeMs = Math.min(report.minRefreshTokenLifeMs ?? left, left);
      }
      const accessSoon = accessTokenExpiresAt !== undefined && accessTokenExpiresAt - now < options.accessMarginMs;
      const windowSoon =
        refreshTokenExpiresAt !== undefined && refreshTokenExpiresAt - now < options.refreshWindowMarginMs;
      if (!accessSoon && !windowSoon) continue;
      try {
        await target.refresh();
        report.refreshed++;
      } catch (error) {
        report.failed++;
        if (isConnectorError(error) && error.code === 'invalid_grant') report.needsReauth++;
        log.warn('token upkeep failed', {
          realmId: target.realmId,
          provider: target.provider,
          kind: isConnectorError(error) ? error.kind : 'unknown',
        });
      }
    }
  }
  return report;
}
