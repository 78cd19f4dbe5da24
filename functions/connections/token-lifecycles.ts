import { PipedriveOAuthClient, type PipedriveOAuthConfig } from '../pipedrive/oauth-client';
import { QuickBooksOAuthClient, type QuickBooksOAuthConfig } from '../quickbooks/oauth-client';
import type { Log } from '../shared/log';
import type { ConnectionStore } from '../store/connections';
import type { TokenCipher } from '../store/token-cipher';
import type { TokenStore } from '../store/token-store';
import { NeedsReauthError, TokenLifecycle, type TokenRefresher } from './token-lifecycle';

interface TokenLifecyclesDependencies {
  tokens: TokenStore;
  connections: ConnectionStore;
  cipher: TokenCipher;
  qboOAuth: QuickBooksOAuthConfig;
  /** Undefined when the deployment connects Pipedrive by API token only. */
  pipedriveOAuth: PipedriveOAuthConfig | undefined;
  now?: () => number;
  log: Log;
  /** Counts refreshes done on the way (the clients' lifecycles; token upkeep counts its own). */
  onRefreshed?: (provider: 'quickbooks' | 'pipedrive') => void;
}

/**
 * Builds a connection's token lifecycles (the refresh protocol, decision 9) with their refreshers:
 * the one place both the clients of a connection and the token upkeep get them from.
 */
export class TokenLifecycles {
  private readonly now: () => number;

  constructor(private readonly deps: TokenLifecyclesDependencies) {
    this.now = deps.now ?? Date.now;
  }

  /** Whether Pipedrive tokens can be refreshed here at all (OAuth configured). */
  get refreshesPipedrive(): boolean {
    return this.deps.pipedriveOAuth !== undefined;
  }

  quickbooks(realmId: string): TokenLifecycle {
    return this.lifecycle(realmId, 'quickbooks', new QuickBooksOAuthClient(this.deps.qboOAuth, fetch, this.now));
  }

  /** A Pipedrive OAuth connection's tokens are refreshed at its own API domain. */
  pipedrive(realmId: string, apiDomain: string): TokenLifecycle {
    const oauth = this.deps.pipedriveOAuth;
    return this.lifecycle(realmId, 'pipedrive', {
      refresh: (token) => {
        if (!oauth) throw new NeedsReauthError('Pipedrive OAuth is not configured', { system: 'pipedrive' });
        return new PipedriveOAuthClient(oauth, fetch, this.now).refresh(token, apiDomain);
      },
    });
  }

  private lifecycle(realmId: string, provider: 'quickbooks' | 'pipedrive', refresher: TokenRefresher): TokenLifecycle {
    const { tokens, cipher, connections, log, onRefreshed } = this.deps;
    return new TokenLifecycle({
      realmId,
      provider,
      store: tokens,
      cipher,
      refresher,
      connections,
      now: this.now,
      log,
      ...(onRefreshed ? { onRefreshed } : {}),
    });
  }
}
