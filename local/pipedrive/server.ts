import { withFaults } from '../shared/faults';
import { Router, type RouteHandler, type SandboxRequest, type SandboxResponse } from '../shared/http';
import { withLatency } from '../shared/latency';
import { authenticate } from './auth';
import { controlRouter, type SandboxControl } from './control';
import type { ApiRoute, Exchange, SandboxCore } from './core';
import { fieldRoutes } from './fields';
import { admit } from './limits';
import { mergeRoutes } from './merge';
import { authorize, revoke, token } from './oauth';
import { organizationRoutes } from './organizations';
import { personRoutes } from './persons';
import { failure } from './responses';
import { searchRoutes } from './search';
import { userRoutes } from './users';
import { webhookRoutes } from './webhooks';

/**
 * Where each spec is served. v1 is under `/api/v1` on every host; the bare `/v1` only on the API-token
 * host (`api.pipedrive.com`, where the official SDK sends API-token v1 calls), never on an OAuth
 * company domain (decision 45).
 */
export const API_PREFIX = { v2: '/api/v2', v1: '/api/v1' } as const;
export const API_TOKEN_HOST_V1_PREFIX = '/v1';

/** Which of Pipedrive's hosts a listener plays: a company domain (OAuth's `api_domain`) or `api.pipedrive.com`. */
export type SandboxHost = 'company-domain' | 'api-token-host';

/** Every API operation the sandbox serves. Search routes come first so `/organizations/search` is not an id. */
export function apiRoutes(): ApiRoute[] {
  return [
    ...searchRoutes(),
    ...organizationRoutes(),
    ...personRoutes(),
    ...fieldRoutes(),
    ...mergeRoutes(),
    ...userRoutes(),
    ...webhookRoutes(),
  ];
}

type Operation = NonNullable<Exchange['operation']>;

/** Auth, scope, limits and charging around one operation. */
function runApi(core: SandboxCore, route: ApiRoute, request: SandboxRequest): SandboxResponse {
  const now = core.clock.now();
  core.counters.increment('requests', `${route.api} ${route.method} ${route.path}`);
  const auth = authenticate(request, core, now);
  if (!auth.ok) return auth.response;
  const { principal } = auth;
  if (principal.scopes && !route.scopes.some((scope) => principal.scopes?.includes(scope))) {
    return failure(403, 'Scope and URL mismatch');
  }
  const admission = admit(core, principal, route, now);
  if (!admission.ok) return admission.response;
  const response = route.handle({ core, request, principal, now });
  return { ...response, headers: { ...admission.headers, ...response.headers } };
}

function oauthOperation(request: SandboxRequest): Operation | undefined {
  if (request.path === '/oauth/authorize') {
    return { api: 'v1', method: 'GET', path: '/oauth/authorize', operationId: 'authorize' };
  }
  if (request.path !== '/oauth/token') return undefined;
  const refresh = new URLSearchParams(request.rawBody.toString('utf8')).get('grant_type') === 'refresh_token';
  return { api: 'v1', method: 'POST', path: '/oauth/token', operationId: refresh ? 'refresh-tokens' : 'get-tokens' };
}

/** The whole sandbox: control API, OAuth server and API behind injected faults, with exchange observers. */
export function createHandler(
  core: SandboxCore,
  control: SandboxControl,
  notify: (exchange: Exchange) => void,
  host: SandboxHost = 'company-domain',
): RouteHandler {
  const api = new Router();
  const operations = new Map<RouteHandler, Operation>();
  for (const route of apiRoutes()) {
    const handler: RouteHandler = (request) => runApi(core, route, request);
    operations.set(handler, { api: route.api, method: route.method, path: route.path, operationId: route.operationId });
    const template = route.path.replace(/\{(\w+)\}/g, ':$1');
    api.add(route.method, API_PREFIX[route.api] + template, handler);
    if (route.api === 'v1' && host === 'api-token-host')
      api.add(route.method, API_TOKEN_HOST_V1_PREFIX + template, handler);
  }
  const oauth = new Router()
    .add('GET', '/oauth/authorize', (request) => authorize(core, request))
    .add('POST', '/oauth/token', (request) => token(core, request))
    .add('POST', '/oauth/revoke', (request) => revoke(core, request));
  const controls = controlRouter(control, core);

  const dispatch = (router: Router, request: SandboxRequest) => {
    const found = router.match(request.method, request.path);
    if (found === undefined) return failure(404, 'Unknown method .');
    if (found === 'method-not-allowed') return failure(405, 'Method not allowed');
    return found.handler({ ...request, params: found.params });
  };
  const faulted = new WeakSet<SandboxRequest>();
  const served = withLatency(
    withFaults(
      (request) => dispatch(request.path.startsWith('/oauth/') ? oauth : api, request),
      core.faults,
      (request) => {
        faulted.add(request);
        core.counters.increment('faults', `${request.method} ${request.path}`);
      },
    ),
    core.latency,
  );

  return async (request) => {
    if (request.path.startsWith('/_sandbox/')) return dispatch(controls, request);
    const response = await served(request);
    core.counters.increment('responses', String(response.status));
    const found = api.match(request.method, request.path);
    const operation = faulted.has(request)
      ? undefined
      : typeof found === 'object'
        ? operations.get(found.handler)
        : oauthOperation(request);
    notify({ request, response, operation, faulted: faulted.has(request) || response.reset === true });
    return response;
  };
}
