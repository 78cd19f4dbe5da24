import type { PipedriveSandbox } from '../../local/pipedrive';
import { client, startTestSandbox } from './pipedrive-sandbox-helpers';

const REDIRECT = 'http://127.0.0.1:3000/oauth/pipedrive/callback';
let sandbox: PipedriveSandbox;

beforeEach(async () => {
  sandbox = await startTestSandbox({ oauth: { clientId: 'cid', clientSecret: 'secret', redirectUris: [REDIRECT] } });
});
afterEach(() => sandbox.close());

async function authorize(redirectUri = REDIRECT, state = 'st-1'): Promise<Response> {
  const url = new URL(sandbox.describe().oauth.authorizeUrl);
  url.search = new URLSearchParams({ client_id: 'cid', redirect_uri: redirectUri, state }).toString();
  return fetch(url, { redirect: 'manual' });
}

async function codeFromAuthorize(): Promise<string> {
  const response = await authorize();
  const location = new URL(response.headers.get('location') ?? '');
  return location.searchParams.get('code') ?? '';
}

interface TokenBody {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
  scope: string;
  api_domain: string;
  error?: string;
  message?: string;
}

async function tokenRequest(form: Record<string, string>, basic: string | null = 'cid:secret') {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic !== null) headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  const response = await fetch(sandbox.describe().oauth.tokenUrl, {
    method: 'POST',
    headers,
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as TokenBody };
}

describe('OAuth authorize', () => {
  it('consents at once and redirects to the exact redirect URI with code and state', async () => {
    const response = await authorize();
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('st-1');
    expect(location.searchParams.get('code')).toMatch(/^[0-9a-f]{40}$/);
  });

  it('refuses a redirect URI that is not registered verbatim, and an unknown client', async () => {
    expect((await authorize(`${REDIRECT}/`)).status).toBe(400);
    expect((await authorize('http://127.0.0.1:3000/oauth/pipedrive/callback?x=1')).status).toBe(400);
    const unknown = await fetch(
      `${sandbox.url}/oauth/authorize?client_id=other&redirect_uri=${encodeURIComponent(REDIRECT)}`,
      {
        redirect: 'manual',
      },
    );
    expect(unknown.status).toBe(400);
  });
});

describe('OAuth token', () => {
  it('exchanges a code once, with the documented response shape and api_domain = the sandbox', async () => {
    const code = await codeFromAuthorize();
    const first = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(
      ['access_token', 'api_domain', 'expires_in', 'refresh_token', 'scope', 'token_type'].sort(),
    );
    expect(first.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, api_domain: sandbox.url });
    expect((await client(sandbox, { bearer: first.body.access_token }).get('/api/v2/organizations')).status).toBe(200);

    const replay = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    // A replayed code revokes what it issued.
    expect((await client(sandbox, { bearer: first.body.access_token }).get('/api/v2/organizations')).status).toBe(401);
  });

  it('rejects an expired code (5 minutes), a wrong redirect_uri and bad client credentials', async () => {
    const expiring = await codeFromAuthorize();
    sandbox.clock.advance(5 * 60 * 1000);
    const expired = await tokenRequest({ grant_type: 'authorization_code', code: expiring, redirect_uri: REDIRECT });
    expect(expired).toMatchObject({ status: 400, body: { message: 'Invalid grant: authorization_code has expired' } });

    const code = await codeFromAuthorize();
    expect((await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: 'http://x/' })).status).toBe(
      400,
    );
    const fresh = await codeFromAuthorize();
    const badClient = await tokenRequest(
      { grant_type: 'authorization_code', code: fresh, redirect_uri: REDIRECT },
      'cid:nope',
    );
    expect(badClient).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
    expect((await tokenRequest({ code: fresh })).body.message).toBe('Missing parameter: grant_type');
  });

  it('accepts client credentials in the body (allowed, not recommended)', async () => {
    const code = await codeFromAuthorize();
    const reply = await tokenRequest(
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'cid', client_secret: 'secret' },
      null,
    );
    expect(reply.status).toBe(200);
  });

  it('expires access tokens after 3599 s of sandbox time; refresh returns the same refresh token', async () => {
    const code = await codeFromAuthorize();
    const { body: grant } = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    const api = client(sandbox, { bearer: grant.access_token });
    sandbox.clock.advance(3598_999);
    expect((await api.get('/api/v2/organizations')).status).toBe(200);
    sandbox.clock.advance(1);
    const expired = await api.get('/api/v2/organizations');
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ success: false, error: 'Invalid token: access_token is invalid', errorCode: 401 });

    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: grant.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBe(grant.refresh_token);
    expect(refreshed.body.access_token).not.toBe(grant.access_token);
    expect((await client(sandbox, { bearer: refreshed.body.access_token }).get('/api/v2/organizations')).status).toBe(
      200,
    );
  });

  it('lets a refresh token lapse after 60 unused days, each use renewing the window', async () => {
    const grant = sandbox.control.grantOAuth();
    const day = 24 * 3600 * 1000;
    sandbox.clock.advance(59 * day);
    expect((await tokenRequest({ grant_type: 'refresh_token', refresh_token: grant.refresh_token })).status).toBe(200);
    sandbox.clock.advance(59 * day);
    expect((await tokenRequest({ grant_type: 'refresh_token', refresh_token: grant.refresh_token })).status).toBe(200);
    sandbox.clock.advance(60 * day);
    const lapsed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: grant.refresh_token });
    expect(lapsed).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', message: 'Invalid grant: refresh_token is invalid' },
    });
  });

  it('costs no API tokens', async () => {
    const grant = sandbox.control.grantOAuth();
    await tokenRequest({ grant_type: 'refresh_token', refresh_token: grant.refresh_token });
    expect(sandbox.control.counters().tokensSpentToday).toBe(0);
  });
});

describe('API authentication', () => {
  it('accepts the x-api-token header and the api_token query parameter; 401 with the reference body otherwise', async () => {
    const token = sandbox.describe().apiToken;
    expect(token).toMatch(/^[0-9a-f]{40}$/);
    expect((await client(sandbox, { apiToken: token }).get('/api/v2/organizations')).status).toBe(200);
    expect((await client(sandbox, { queryToken: token }).get('/api/v2/organizations')).status).toBe(200);
    for (const auth of [{ apiToken: 'wrong' }, { none: true as const }, { queryToken: 'wrong' }]) {
      const reply = await client(sandbox, auth).get('/api/v2/organizations');
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ success: false, error: 'unauthorized access', errorCode: 401 });
    }
  });

  it('answers a malformed Authorization header with 400', async () => {
    const response = await fetch(`${sandbox.url}/api/v2/organizations`, { headers: { authorization: 'Token abc' } });
    expect(response.status).toBe(400);
  });

  it('enforces OAuth scopes (403 "Scope and URL mismatch")', async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({
      oauth: { clientId: 'cid', clientSecret: 'secret', redirectUris: [REDIRECT], scope: 'base contacts:read' },
    });
    const api = client(sandbox, { bearer: sandbox.control.grantOAuth().access_token });
    expect((await api.get('/api/v2/organizations')).status).toBe(200);
    const denied = await api.post('/api/v2/organizations', { name: 'X' });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe('Scope and URL mismatch');
  });
});
