import * as z from 'zod';
import { SCOPES } from './quickbooks-documented';
import { type CheckedRequest, FORM_TYPE, jsonBody, noBody, parameters } from './quickbooks-checked-request';

/** Requests to Intuit's OAuth and OpenID endpoints, checked against what FACTS.md §1 documents (decision 54). */

/** FACTS §1.4 l.70-73: token and revoke calls carry Basic client credentials and `Accept: application/json`. */
function oauthHeaders(request: CheckedRequest): void {
  const { authorization, accept } = request.record;
  if (authorization?.scheme !== 'Basic' || !authorization.credential)
    request.problems.push('Authorization must be Basic base64(client_id:client_secret) (FACTS §1.4 l.71)');
  if (accept === undefined || !/^application\/json\b/i.test(accept))
    request.problems.push(`Accept must be application/json, not ${accept ?? 'absent'} (FACTS §1.4 l.73)`);
}

const TOKEN_GRANTS: Readonly<Record<string, readonly string[]>> = {
  // FACTS §1.4 l.75-76.
  authorization_code: ['code', 'redirect_uri'],
  refresh_token: ['refresh_token'],
};

/** FACTS §1.4 l.69-76: POST, Basic, form-encoded `grant_type=…` with the grant's fields. */
function token(request: CheckedRequest): string {
  oauthHeaders(request);
  parameters(request, [], []);
  if (!FORM_TYPE.test(request.record.contentType ?? ''))
    request.problems.push(`Content-Type must be application/x-www-form-urlencoded (FACTS §1.4 l.72)`);
  const form = new URLSearchParams(request.record.body ?? '');
  const grant = form.get('grant_type') ?? '';
  const fields = TOKEN_GRANTS[grant];
  if (fields === undefined) {
    request.problems.push(
      `grant_type ${JSON.stringify(grant)} is not authorization_code or refresh_token (FACTS §1.4 l.75-76)`,
    );
    return 'POST oauth2 token';
  }
  for (const field of fields) if (!form.get(field)) request.problems.push(`${grant}: ${field} is missing (FACTS §1.4)`);
  for (const field of form.keys())
    if (field !== 'grant_type' && !fields.includes(field))
      request.problems.push(`${grant}: ${field} is not a documented field (FACTS §1.4 l.75-76)`);
  return `POST oauth2 token (${grant})`;
}

/** FACTS §1.4 l.82: POST, Basic, JSON `{"token":"…"}` (node-quickbooks posts it form-encoded). */
function revoke(request: CheckedRequest): string {
  oauthHeaders(request);
  parameters(request, [], []);
  const type = request.record.contentType ?? '';
  let value: unknown;
  if (FORM_TYPE.test(type)) value = new URLSearchParams(request.record.body ?? '').get('token');
  else value = z.looseObject({ token: z.unknown() }).safeParse(jsonBody(request, 'FACTS §1.4 l.82')).data?.token;
  if (typeof value !== 'string' || value.length === 0)
    request.problems.push('the body must carry the token to revoke (FACTS §1.4 l.82)');
  return 'POST oauth2 revoke';
}

/** FACTS §1.3 l.61: `GET authorize?client_id=…&response_type=code&scope=…&redirect_uri=…&state=…`. */
function authorize(request: CheckedRequest): string {
  parameters(request, ['client_id', 'response_type', 'scope', 'redirect_uri', 'state'], []);
  if (request.params.get('response_type') !== null && request.params.get('response_type') !== 'code')
    request.problems.push('response_type must be code (FACTS §1.3 l.61)');
  // FACTS §1.2 l.57: space-separated scopes from Intuit's list.
  for (const scope of (request.params.get('scope') ?? '').split(' ').filter((s) => s.length > 0))
    if (!SCOPES.some((known) => known === scope))
      request.problems.push(`scope ${scope} is not one Intuit defines (FACTS §1.2)`);
  // FACTS §1.3 l.61: redirect URIs must be HTTPS. Loopback is the sandbox's own test setup.
  const redirect = request.params.get('redirect_uri') ?? '';
  if (!/^https:\/\//.test(redirect) && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(redirect))
    request.problems.push('redirect_uri must be HTTPS (FACTS §1.3 l.61)');
  return 'GET oauth2 authorize';
}

/**
 * FACTS §1.1 l.44-47: the OpenID discovery documents, JWKS and userinfo, read with GET; userinfo
 * with the user's access token (OpenID Connect's bearer rule; FACTS names only the URL).
 */
const OPENID_PATHS: Readonly<Record<string, string>> = {
  '/.well-known/openid_configuration': 'GET openid discovery',
  '/.well-known/openid_sandbox_configuration': 'GET openid discovery',
  '/op/v1/jwks': 'GET openid jwks',
  '/v1/openid_connect/userinfo': 'GET openid userinfo',
};

function openId(request: CheckedRequest, operation: string): string {
  parameters(request, [], []);
  noBody(request);
  const { authorization } = request.record;
  if (operation === 'GET openid userinfo' && (authorization?.scheme !== 'Bearer' || !authorization.credential))
    request.problems.push('userinfo needs Authorization: Bearer <access token> (FACTS §1.1 l.47)');
  return operation;
}

/** The OAuth or OpenID operation at this path, checked; undefined when the path is none of them. */
export function checkOAuthRequest(request: CheckedRequest, path: string): string | undefined {
  // FACTS §1.1 l.41-43: the paths of Intuit's authorize, token and revoke URLs.
  if (path === '/oauth2/v1/tokens/bearer' && request.method === 'POST') return token(request);
  if (path === '/v2/oauth2/tokens/revoke' && request.method === 'POST') return revoke(request);
  if (path === '/connect/oauth2' && request.method === 'GET') return authorize(request);
  const openIdOperation = OPENID_PATHS[path];
  if (openIdOperation !== undefined && request.method === 'GET') return openId(request, openIdOperation);
  return undefined;
}
