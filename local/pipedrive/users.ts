import type { SandboxResponse } from '../shared/http';
import type { ApiContext, ApiRoute } from './core';
import { ok } from './responses';

/**
 * `GET /v1/users/me` (2 tokens): the caller and its company (id, name, domain), as `ml-connector ping` reads it.
 * `GET /v1/users` (20 tokens, scope `users:read`): every user of the company, as `mapping plan` checks an owner.
 */
export function userRoutes(): ApiRoute[] {
  return [
    {
      api: 'v1',
      method: 'GET',
      path: '/users',
      operationId: 'getUsers',
      scopes: ['users:read'],
      handle: allUsers,
    },
    {
      api: 'v1',
      method: 'GET',
      path: '/users/me',
      operationId: 'getCurrentUser',
      scopes: ['base'],
      handle: currentUser,
    },
  ];
}

/** The company's users: user 1 (the API token's) and one per extra API token (users 2, 3, …). */
function allUsers(context: ApiContext): SandboxResponse {
  const count = 1 + context.core.config.extraApiTokens.length;
  return ok(Array.from({ length: count }, (_, index) => user(context, index + 1)));
}

/** `/users/me` is a user (BaseUser) and its company. */
function currentUser(context: ApiContext): SandboxResponse {
  const { config } = context.core;
  return ok({
    ...user(context, context.principal.userId),
    company_id: config.companyId,
    company_name: config.companyName,
    company_domain: config.companyDomain,
    company_country: 'US',
    company_industry: 'Software',
    language: { language_code: 'en', country_code: 'US' },
  });
}

function user({ core, principal, now }: ApiContext, userId: number) {
  const { config } = core;
  const created = new Date(0).toISOString().replace('T', ' ').slice(0, 19);
  return {
    id: userId,
    name: `Sandbox User ${userId}`,
    default_currency: 'USD',
    locale: 'en_US',
    lang: 1,
    email: `user${userId}@${config.companyDomain}.example.com`,
    phone: null,
    activated: true,
    last_login: new Date(now).toISOString().replace('T', ' ').slice(0, 19),
    created,
    modified: created,
    has_created_company: userId === 1,
    access: [{ app: 'sales', admin: userId === 1, permission_set_id: 'sandbox-admin' }],
    active_flag: true,
    timezone_name: 'UTC',
    timezone_offset: '+00:00',
    role_id: 1,
    icon_url: null,
    is_you: userId === principal.userId,
    is_deleted: false,
  };
}
