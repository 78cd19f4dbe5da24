import type { SandboxResponse } from '../shared/http';
import type { ApiContext, ApiRoute } from './core';
import { ok } from './responses';

/** `GET /v1/users/me` (2 tokens): the caller and its company (id, name, domain), as `ml-connector ping` reads it. */
export function userRoutes(): ApiRoute[] {
  return [
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

function currentUser({ core, principal, now }: ApiContext): SandboxResponse {
  const { config } = core;
  const created = new Date(0).toISOString().replace('T', ' ').slice(0, 19);
  return ok({
    id: principal.userId,
    name: `Sandbox User ${principal.userId}`,
    default_currency: 'USD',
    locale: 'en_US',
    lang: 1,
    email: `user${principal.userId}@${config.companyDomain}.example.com`,
    phone: null,
    activated: true,
    last_login: new Date(now).toISOString().replace('T', ' ').slice(0, 19),
    created,
    modified: created,
    has_created_company: principal.userId === 1,
    access: [{ app: 'sales', admin: principal.userId === 1, permission_set_id: 'sandbox-admin' }],
    active_flag: true,
    timezone_name: 'UTC',
    timezone_offset: '+00:00',
    role_id: 1,
    icon_url: null,
    is_you: true,
    is_deleted: false,
    company_id: config.companyId,
    company_name: config.companyName,
    company_domain: config.companyDomain,
    company_country: 'US',
    company_industry: 'Software',
    language: { language_code: 'en', country_code: 'US' },
  });
}
