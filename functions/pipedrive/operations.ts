import { TOKEN_COSTS } from './token-costs.generated';

export type ApiVersion = keyof typeof TOKEN_COSTS;
/** `METHOD /path` of an operation in that version's spec. */
export type OperationKey<A extends ApiVersion> = keyof (typeof TOKEN_COSTS)[A] & string;

/**
 * Where each spec's paths live, as the official SDK builds them (decision 45): v2 under `/api/v2`;
 * v1 under `${api_domain}/api/v1` with OAuth, and `https://api.pipedrive.com/v1` with an API token.
 */
export const API_PREFIX = { v2: '/api/v2', v1OAuth: '/api/v1', v1ApiToken: '/v1' } as const;
/** The host the SDK sends API-token v1 calls to. */
export const API_TOKEN_HOST = 'https://api.pipedrive.com';

/** One Pipedrive API operation as the governor and the client see it. */
export interface PipedriveOperation {
  api: ApiVersion;
  method: string;
  /** Path template relative to the version's prefix, e.g. `/organizations/{id}`. */
  path: string;
  /** The operation's `x-token-cost`. */
  cost: number;
  /** Also counted against the Search API burst limit (10 per 2 s). */
  search: boolean;
  /** `v2 GET /organizations/{id}`, for logs and metrics. */
  name: string;
}

/**
 * Which paths are the "Search API" is not listed by Pipedrive; `…/search` and `itemSearch…` are
 * the inference in FACTS §5. Treating them as search only ever makes the limiter stricter.
 */
function isSearch(path: string): boolean {
  return path.endsWith('/search') || path.startsWith('/itemSearch');
}

/** The operation named by a spec key; its cost comes from the generated table. */
export function pipedriveOperation<A extends ApiVersion>(api: A, key: OperationKey<A>): PipedriveOperation {
  const table: Readonly<Record<string, number>> = TOKEN_COSTS[api];
  const cost = table[key];
  const space = key.indexOf(' ');
  if (cost === undefined || space < 0) throw new Error(`no x-token-cost for ${api} ${key}`);
  const path = key.slice(space + 1);
  return { api, method: key.slice(0, space), path, cost, search: isSearch(path), name: `${api} ${key}` };
}

/** The operations the connector uses. */
export const OPERATIONS = {
  listOrganizations: pipedriveOperation('v2', 'GET /organizations'),
  getOrganization: pipedriveOperation('v2', 'GET /organizations/{id}'),
  createOrganization: pipedriveOperation('v2', 'POST /organizations'),
  updateOrganization: pipedriveOperation('v2', 'PATCH /organizations/{id}'),
  deleteOrganization: pipedriveOperation('v2', 'DELETE /organizations/{id}'),
  mergeOrganizations: pipedriveOperation('v1', 'PUT /organizations/{id}/merge'),
  listPersons: pipedriveOperation('v2', 'GET /persons'),
  getPerson: pipedriveOperation('v2', 'GET /persons/{id}'),
  createPerson: pipedriveOperation('v2', 'POST /persons'),
  updatePerson: pipedriveOperation('v2', 'PATCH /persons/{id}'),
  searchByField: pipedriveOperation('v2', 'GET /itemSearch/field'),
  listOrganizationFields: pipedriveOperation('v2', 'GET /organizationFields'),
  createOrganizationField: pipedriveOperation('v2', 'POST /organizationFields'),
  currentUser: pipedriveOperation('v1', 'GET /users/me'),
  listUsers: pipedriveOperation('v1', 'GET /users'),
  /** Webhooks (decision 63): v1 only; an admin's (OAuth scope `admin`). */
  createWebhook: pipedriveOperation('v1', 'POST /webhooks'),
  deleteWebhook: pipedriveOperation('v1', 'DELETE /webhooks/{id}'),
} as const;
