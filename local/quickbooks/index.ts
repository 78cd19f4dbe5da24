import { type ClockOptions, SandboxClock } from '../shared/clock';
import { withFaults } from '../shared/faults';
import { html, redirect, Router, routerHandler, type RunningServer, serve } from '../shared/http';
import { addAccountingRoutes } from './api-routes';
import { addControlRoutes, CONTROL_PREFIX } from './control-routes';
import { DEFAULT_CONFIG, type QuickBooksSandboxConfig, QuickBooksSandboxState } from './state';

export interface QuickBooksSandboxOptions extends Partial<Omit<QuickBooksSandboxConfig, 'app'>> {
  port?: number;
  host?: string;
  /** A clock to share with the other sandbox, or options for a new one. */
  clock?: SandboxClock | ClockOptions;
  app?: Partial<QuickBooksSandboxConfig['app']>;
  /** Deliver due webhooks on a real-time ticker (the standalone sandbox); tests drive delivery through the clock. */
  webhookTicker?: boolean;
}

/** What a client needs to talk to the sandbox, as `npm run sandbox` prints it. */
export interface QuickBooksSandboxDescription {
  apiBaseUrl: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  realmId: string;
  verifierToken: string;
  controlUrl: string;
}

export interface QuickBooksSandbox {
  url: string;
  port: number;
  clock: SandboxClock;
  state: QuickBooksSandboxState;
  describe(): QuickBooksSandboxDescription;
  close(): Promise<void>;
}

/** Starts the QBO sandbox on loopback (port 0 picks a free port). */
export async function startQuickBooksSandbox(options: QuickBooksSandboxOptions = {}): Promise<QuickBooksSandbox> {
  const clock = options.clock instanceof SandboxClock ? options.clock : new SandboxClock(options.clock);
  const config: QuickBooksSandboxConfig = {
    ...DEFAULT_CONFIG,
    ...options,
    app: { ...DEFAULT_CONFIG.app, ...options.app },
    ledger: { ...DEFAULT_CONFIG.ledger, ...options.ledger },
    cdc: { ...DEFAULT_CONFIG.cdc, ...options.cdc },
  };
  const state = new QuickBooksSandboxState(clock, config);
  const router = new Router();
  // Intuit's OAuth endpoints live on three hosts; the sandbox serves their paths on one.
  router.add('GET', '/connect/oauth2', (request) => state.oauth.authorize(request));
  router.add('POST', '/oauth2/v1/tokens/bearer', (request) => state.oauth.token(request));
  router.add('POST', '/v2/oauth2/tokens/revoke', (request) => state.oauth.revoke(request));
  addAccountingRoutes(router, state);

  const describe = (): QuickBooksSandboxDescription => {
    const url = server.url;
    return {
      apiBaseUrl: url,
      authorizeUrl: `${url}/connect/oauth2`,
      tokenUrl: `${url}/oauth2/v1/tokens/bearer`,
      revokeUrl: `${url}/v2/oauth2/tokens/revoke`,
      clientId: config.app.clientId,
      clientSecret: config.app.clientSecret,
      redirectUris: config.app.redirectUris,
      realmId: config.realmId,
      verifierToken: config.verifierToken,
      controlUrl: `${url}${CONTROL_PREFIX}`,
    };
  };
  addControlRoutes(router, state, describe);
  router.add('GET', '/', () => redirect(CONTROL_PREFIX));

  const handler = routerHandler(router, () => html(404, '<!doctype html><title>404</title><p>Not found</p>'));
  // Faults apply to the emulated Intuit endpoints, never to the control API tests use to remove them.
  const faulted = withFaults(handler, state.faults, (request) => {
    state.counters.increment('faults.injected', request.path);
  });
  const server: RunningServer = await serve(
    (request) => (request.path.startsWith(CONTROL_PREFIX) ? handler(request) : faulted(request)),
    {
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
    },
  );
  if (options.webhookTicker) state.webhooks.startTicker();
  return {
    url: server.url,
    port: server.port,
    clock,
    state,
    describe,
    close: async () => {
      state.webhooks.stop();
      await server.close();
    },
  };
}
