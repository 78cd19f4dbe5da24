import { type ClockOptions, SandboxClock } from '../shared/clock';
import { withFaults } from '../shared/faults';
import {
  html,
  json,
  redirect,
  Router,
  routerHandler,
  type RunningServer,
  type SandboxRequest,
  type SandboxResponse,
  serve,
} from '../shared/http';
import { Latency, type LatencyProfile, withLatency } from '../shared/latency';
import { addAccountingRoutes, unsupportedAccountingRequest } from './api-routes';
import { addControlRoutes, CONTROL_PREFIX } from './control-routes';
import { transactionId } from './oauth';
import { INTUIT_ISSUER, OPENID_PATHS } from './openid';
import { DEFAULT_CONFIG, type QuickBooksSandboxConfig, QuickBooksSandboxState } from './state';

export interface QuickBooksSandboxOptions extends Partial<Omit<QuickBooksSandboxConfig, 'app'>> {
  port?: number;
  host?: string;
  /** A clock to share with the other sandbox, or options for a new one. */
  clock?: SandboxClock | ClockOptions;
  app?: Partial<QuickBooksSandboxConfig['app']>;
  /** Deliver due webhooks on a real-time ticker (the standalone sandbox); tests drive delivery through the clock. */
  webhookTicker?: boolean;
  /** Real per-request latency of the emulated Intuit endpoints; off unless given (see REALISTIC_LATENCY). */
  latency?: LatencyProfile | false;
}

/** What a client needs to talk to the sandbox, as `npm run sandbox` prints it. */
export interface QuickBooksSandboxDescription {
  apiBaseUrl: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  userInfoUrl: string;
  jwksUrl: string;
  discoveryUrl: string;
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
  latency: Latency;
  describe(): QuickBooksSandboxDescription;
  close(): Promise<void>;
}

/** A request to the emulated Intuit endpoints, its answer, and the sandbox clock's time when it arrived. */
export interface QuickBooksExchange {
  request: SandboxRequest;
  response: SandboxResponse;
  /** Epoch ms on the sandbox clock (tests may run it fast or move it). */
  at: number;
}

/** Observers of every sandbox this process starts (the conformance recorder); see observeEveryQuickBooksSandbox. */
const everySandbox = new Set<(exchange: QuickBooksExchange, sandbox: { url: string }) => void>();

/** What observers threw (the conformance guard fails on any). */
export const observerFailures: string[] = [];

/**
 * Calls `listener` after every answer of the emulated Intuit endpoints (API, OAuth, OpenID; not the
 * control API) of every QBO sandbox started in this process, including those a local stack or a
 * chaos run starts inside; returns an unsubscribe function.
 */
export function observeEveryQuickBooksSandbox(
  listener: (exchange: QuickBooksExchange, sandbox: { url: string }) => void,
): () => void {
  everySandbox.add(listener);
  return () => everySandbox.delete(listener);
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
  const latency = new Latency(options.latency ?? false);
  const router = new Router();
  // Intuit's OAuth endpoints live on several hosts; the sandbox serves their paths on one.
  router.add('GET', '/connect/oauth2', (request) => state.oauth.authorize(request));
  router.add('POST', '/oauth2/v1/tokens/bearer', (request) => state.oauth.token(request));
  router.add('POST', '/v2/oauth2/tokens/revoke', (request) => state.oauth.revoke(request));
  router.add('GET', OPENID_PATHS.userinfo, (request) => state.oauth.userInfo(request));
  router.add('GET', OPENID_PATHS.jwks, () => json(200, state.oauth.openId.jwks(), { intuit_tid: transactionId() }));
  const discovery = () => json(200, discoveryDocument(server.url), { intuit_tid: transactionId() });
  router.add('GET', OPENID_PATHS.discovery, discovery);
  router.add('GET', OPENID_PATHS.sandboxDiscovery, discovery);
  addAccountingRoutes(router, state);

  const describe = (): QuickBooksSandboxDescription => {
    const url = server.url;
    return {
      apiBaseUrl: url,
      authorizeUrl: `${url}/connect/oauth2`,
      tokenUrl: `${url}/oauth2/v1/tokens/bearer`,
      revokeUrl: `${url}/v2/oauth2/tokens/revoke`,
      userInfoUrl: `${url}${OPENID_PATHS.userinfo}`,
      jwksUrl: `${url}${OPENID_PATHS.jwks}`,
      discoveryUrl: `${url}${OPENID_PATHS.sandboxDiscovery}`,
      clientId: config.app.clientId,
      clientSecret: config.app.clientSecret,
      redirectUris: config.app.redirectUris,
      realmId: config.realmId,
      verifierToken: config.verifierToken,
      controlUrl: `${url}${CONTROL_PREFIX}`,
    };
  };
  addControlRoutes(router, state, describe, latency);
  router.add('GET', '/', () => redirect(CONTROL_PREFIX));

  const routed = routerHandler(
    router,
    (request) =>
      unsupportedAccountingRequest(state, request) ?? html(404, '<!doctype html><title>404</title><p>Not found</p>'),
  );
  // A known path with an unknown method is a QBO fault too, not the router's 405.
  const handler: typeof routed = (request) =>
    request.path.startsWith(CONTROL_PREFIX) || router.match(request.method, request.path) !== 'method-not-allowed'
      ? routed(request)
      : (unsupportedAccountingRequest(state, request) ?? routed(request));
  // Faults and latency apply to the emulated Intuit endpoints, never to the control API tests use to remove them.
  const faulted = withLatency(
    withFaults(handler, state.faults, (request) => {
      state.counters.increment('faults.injected', request.path);
    }),
    latency,
  );
  const observed = async (request: SandboxRequest): Promise<SandboxResponse> => {
    const at = clock.now();
    const response = await faulted(request);
    // An observer never changes the answer, even when it fails.
    for (const listener of everySandbox)
      try {
        listener({ request, response, at }, { url: server.url });
      } catch (error) {
        observerFailures.push(error instanceof Error ? error.message : String(error));
      }
    return response;
  };
  const server: RunningServer = await serve(
    (request) => (request.path.startsWith(CONTROL_PREFIX) ? handler(request) : observed(request)),
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
    latency,
    describe,
    close: async () => {
      state.webhooks.stop();
      await server.close();
    },
  };
}

/** The OpenID discovery document (FACTS §1.1), pointing at the sandbox; the issuer stays Intuit's. */
function discoveryDocument(url: string): object {
  return {
    issuer: INTUIT_ISSUER,
    authorization_endpoint: `${url}/connect/oauth2`,
    token_endpoint: `${url}/oauth2/v1/tokens/bearer`,
    userinfo_endpoint: `${url}${OPENID_PATHS.userinfo}`,
    revocation_endpoint: `${url}/v2/oauth2/tokens/revoke`,
    jwks_uri: `${url}${OPENID_PATHS.jwks}`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'email', 'profile', 'address', 'phone'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    claims_supported: ['aud', 'exp', 'iat', 'iss', 'realmid', 'sub'],
  };
}
