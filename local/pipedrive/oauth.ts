import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { formBody, header, json, redirect, type SandboxRequest, type SandboxResponse } from '../shared/http';
import type { SandboxCore } from './core';
import { AUTHORIZATION_CODE_TTL_MS, issueAccessToken, issueGrant, revokeGrant } from './oauth-tokens';

/**
 * OAuth errors. [OAUTHSC] gives the messages (`Invalid grant: …`, `Invalid client: client is
 * invalid`, `Missing parameter: grant_type`) as 400s but not the JSON layout, which is unverified:
 * the sandbox sends the RFC 6749 `error` code beside Pipedrive's message.
 */
function oauthError(error: string, message: string, status = 400): SandboxResponse {
  return json(status, { success: false, error, error_description: message, message });
}

const AuthorizeQuery = z.object({
  client_id: z.string().min(1),
  redirect_uri: z.string().min(1),
  state: z.string().optional(),
  response_type: z.literal('code').optional(),
});

/** `GET /oauth/authorize`: consents at once and redirects with `code` and `state`. */
export function authorize(core: SandboxCore, request: SandboxRequest): SandboxResponse {
  const query = AuthorizeQuery.safeParse(Object.fromEntries(request.query));
  if (!query.success) return oauthError('invalid_request', 'Missing parameter: client_id or redirect_uri');
  const { client_id: clientId, redirect_uri: redirectUri, state } = query.data;
  if (clientId !== core.config.oauth.clientId) return oauthError('invalid_client', 'Invalid client: client is invalid');
  // Never redirect to a URI that is not registered verbatim.
  if (!core.config.oauth.redirectUris.includes(redirectUri)) {
    return oauthError('invalid_request', 'Invalid redirect_uri: does not match the registered callback URL');
  }
  const code = randomBytes(20).toString('hex');
  const now = core.clock.now();
  core.store.authorizationCodes.set(code, {
    clientId,
    redirectUri,
    scope: core.config.oauth.scope,
    expiresAt: now + AUTHORIZATION_CODE_TTL_MS,
    used: false,
    issuedRefreshToken: null,
  });
  const target = new URL(redirectUri);
  target.searchParams.set('code', code);
  if (state !== undefined) target.searchParams.set('state', state);
  return redirect(target.toString());
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Client authentication: HTTP Basic, or (allowed, "not recommended") the form body ([OAUTH]). */
function clientOf(core: SandboxCore, request: SandboxRequest, form: URLSearchParams): string | undefined {
  const authorization = header(request, 'authorization');
  let id = form.get('client_id');
  let secret = form.get('client_secret');
  if (authorization !== undefined) {
    const basic = /^Basic (\S+)$/.exec(authorization);
    const decoded = basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    id = decoded.slice(0, colon);
    secret = decoded.slice(colon + 1);
  }
  const { clientId, clientSecret } = core.config.oauth;
  return id === clientId && secret !== null && sameSecret(secret, clientSecret) ? clientId : undefined;
}

/** `POST /oauth/token`: `authorization_code` and `refresh_token` grants; costs no API tokens. */
export function token(core: SandboxCore, request: SandboxRequest): SandboxResponse {
  if (!/^application\/x-www-form-urlencoded\b/i.test(header(request, 'content-type') ?? '')) {
    return oauthError('invalid_request', 'Invalid request: body must be application/x-www-form-urlencoded');
  }
  const form = formBody(request);
  const clientId = clientOf(core, request, form);
  if (clientId === undefined) return oauthError('invalid_client', 'Invalid client: client is invalid');
  const grantType = form.get('grant_type');
  const now = core.clock.now();
  if (grantType === null || grantType === '') return oauthError('invalid_request', 'Missing parameter: grant_type');
  core.counters.increment('oauth_token_requests', grantType);
  if (grantType === 'authorization_code') return exchangeCode(core, form, clientId, now);
  if (grantType === 'refresh_token') return refresh(core, form, clientId, now);
  return oauthError('unsupported_grant_type', `Unsupported grant type: ${grantType}`);
}

function exchangeCode(core: SandboxCore, form: URLSearchParams, clientId: string, now: number): SandboxResponse {
  const code = form.get('code');
  if (code === null || code === '') return oauthError('invalid_request', 'Missing parameter: code');
  const grant = core.store.authorizationCodes.get(code);
  if (!grant || grant.clientId !== clientId) {
    return oauthError('invalid_grant', 'Invalid grant: authorization code is invalid');
  }
  if (grant.used) {
    // A replayed code revokes what it issued (RFC 6749 §4.1.2): the stricter choice.
    if (grant.issuedRefreshToken !== null) revokeGrant(core, grant.issuedRefreshToken);
    return oauthError('invalid_grant', 'Invalid grant: authorization code is invalid');
  }
  grant.used = true;
  if (grant.expiresAt <= now) return oauthError('invalid_grant', 'Invalid grant: authorization_code has expired');
  if (form.get('redirect_uri') !== grant.redirectUri) {
    return oauthError('invalid_grant', 'Invalid grant: redirect_uri does not match');
  }
  const issued = issueGrant(core, clientId, grant.scope, now);
  grant.issuedRefreshToken = issued.refresh_token;
  return json(200, issued);
}

function refresh(core: SandboxCore, form: URLSearchParams, clientId: string, now: number): SandboxResponse {
  const refreshToken = form.get('refresh_token');
  if (refreshToken === null || refreshToken === '') {
    return oauthError('invalid_request', 'Missing parameter: refresh_token');
  }
  const grant = core.store.refreshTokens.get(refreshToken);
  // Unused for 60 days, revoked, or another client's: the user must reinstall the app ([OAUTH]).
  if (!grant || grant.revoked || grant.clientId !== clientId || grant.expiresAt <= now) {
    return oauthError('invalid_grant', 'Invalid grant: refresh_token is invalid');
  }
  return json(200, issueAccessToken(core, refreshToken, clientId, grant.scope, now));
}

/** `POST /oauth/revoke` with `token` and optional `token_type_hint` (SDK `configuration.ts`). */
export function revoke(core: SandboxCore, request: SandboxRequest): SandboxResponse {
  const form = formBody(request);
  if (clientOf(core, request, form) === undefined)
    return oauthError('invalid_client', 'Invalid client: client is invalid');
  const value = form.get('token');
  if (value === null || value === '') return oauthError('invalid_request', 'Missing parameter: token');
  const access = core.store.accessTokens.get(value);
  if (access) access.revoked = true;
  if (core.store.refreshTokens.has(value)) revokeGrant(core, value);
  return json(200, { success: true });
}
