import { header, type SandboxRequest, type SandboxResponse } from '../shared/http';
import type { Principal, SandboxCore } from './core';
import { failure, unauthorized } from './responses';

export type AuthResult = { ok: true; principal: Principal } | { ok: false; response: SandboxResponse };

/**
 * Resolves the caller from `Authorization: Bearer …` (OAuth), the `x-api-token` header, or the
 * `api_token` query parameter, in that order ([AUTH], [OAUTH]).
 */
export function authenticate(request: SandboxRequest, core: SandboxCore, now: number): AuthResult {
  const authorization = header(request, 'authorization');
  if (authorization !== undefined) return bearer(authorization, core, now);
  const apiToken =
    header(request, 'x-api-token') ?? (core.config.acceptApiTokenQuery ? request.query.get('api_token') : null);
  if (apiToken === null || apiToken === '') return { ok: false, response: unauthorized() };
  const userId = apiTokenUser(core, apiToken);
  if (userId === undefined) return { ok: false, response: unauthorized() };
  return { ok: true, principal: { kind: 'api_token', userId, key: `api_token:${apiToken}`, scopes: undefined } };
}

function apiTokenUser(core: SandboxCore, token: string): number | undefined {
  if (token === core.config.apiToken) return 1;
  const index = core.config.extraApiTokens.indexOf(token);
  return index >= 0 ? index + 2 : undefined;
}

function bearer(authorization: string, core: SandboxCore, now: number): AuthResult {
  const match = /^Bearer (\S+)$/.exec(authorization);
  // A malformed Authorization header is a 400 on the API proxy ([OAUTHSC]).
  if (!match?.[1]) return { ok: false, response: failure(400, 'Invalid authorization header') };
  const token = core.store.accessTokens.get(match[1]);
  // The exact body for an expired access token is unverified: the v1 401 layout with [OAUTHSC]'s message.
  if (!token || token.revoked || token.expiresAt <= now) {
    return { ok: false, response: unauthorized('Invalid token: access_token is invalid') };
  }
  return {
    ok: true,
    principal: { kind: 'oauth', userId: 1, key: `oauth:${token.refreshToken}`, scopes: token.scope.split(' ') },
  };
}
