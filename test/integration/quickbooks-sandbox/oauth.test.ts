import type { QuickBooksSandbox } from '../../../local/quickbooks';
import { api, call, control, startTestQuickBooks } from '../../helpers/quickbooks-sandbox';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

describe('QBO sandbox OAuth 2.0', () => {
  let sandbox: QuickBooksSandbox;
  beforeEach(async () => {
    sandbox = await startTestQuickBooks();
  });
  afterEach(() => sandbox.close());

  const info = () => sandbox.describe();
  const basic = (secret = info().clientSecret) =>
    `Basic ${Buffer.from(`${info().clientId}:${secret}`).toString('base64')}`;

  function authorizeUrl(overrides: Record<string, string> = {}): string {
    const url = new URL(info().authorizeUrl);
    url.search = new URLSearchParams({
      client_id: info().clientId,
      response_type: 'code',
      scope: 'com.intuit.quickbooks.accounting',
      redirect_uri: info().redirectUris[0] ?? '',
      state: 'state-123',
      ...overrides,
    }).toString();
    return url.toString();
  }

  async function authorize(): Promise<URL> {
    const result = await call(authorizeUrl());
    expect(result.status).toBe(302);
    return new URL(result.headers.get('location') ?? '');
  }

  function tokenRequest(form: Record<string, string>, authorization = basic()) {
    return call(info().tokenUrl, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    });
  }

  async function connect(): Promise<{ access_token: string; refresh_token: string }> {
    const back = await authorize();
    const result = await tokenRequest({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code') ?? '',
      redirect_uri: info().redirectUris[0] ?? '',
    });
    expect(result.status).toBe(200);
    return result.body as { access_token: string; refresh_token: string };
  }

  const refresh = (refreshToken: string) => tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });

  it('consents at once and redirects to the exact redirect_uri with code, state and realmId', async () => {
    const back = await authorize();
    expect(`${back.origin}${back.pathname}`).toBe(info().redirectUris[0]);
    expect(back.searchParams.get('state')).toBe('state-123');
    expect(back.searchParams.get('realmId')).toBe(info().realmId);
    expect(back.searchParams.get('code')).toMatch(/^AB1/);
  });

  it('refuses, without redirecting, a redirect_uri that is not registered exactly', async () => {
    for (const redirect of [
      `${info().redirectUris[0] ?? ''}/`,
      'https://evil.example.com/callback',
      `${info().redirectUris[0] ?? ''}?x=1`,
    ]) {
      const result = await call(authorizeUrl({ redirect_uri: redirect }));
      expect(result.status).toBe(400);
      expect(result.headers.get('location')).toBeNull();
    }
  });

  it('redirects with error=access_denied when the user declines, and invalid_scope without the accounting scope', async () => {
    await control(sandbox, 'PUT', '/oauth', { consentRealm: null });
    const declined = new URL((await call(authorizeUrl())).headers.get('location') ?? '');
    expect(declined.searchParams.get('error')).toBe('access_denied');
    expect(declined.searchParams.get('code')).toBeNull();
    await control(sandbox, 'PUT', '/oauth', { consentRealm: info().realmId });
    const badScope = new URL((await call(authorizeUrl({ scope: 'openid' }))).headers.get('location') ?? '');
    expect(badScope.searchParams.get('error')).toBe('invalid_scope');
  });

  it('requires HTTP Basic client authentication at the token endpoint', async () => {
    const back = await authorize();
    const form = {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code') ?? '',
      redirect_uri: info().redirectUris[0] ?? '',
    };
    expect((await tokenRequest(form, basic('wrong-secret'))).status).toBe(401);
    expect((await tokenRequest(form, 'Bearer nope')).body).toEqual({ error: 'invalid_client' });
  });

  it('exchanges an authorization code once; a second exchange fails and kills the tokens of the first', async () => {
    const back = await authorize();
    const form = {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code') ?? '',
      redirect_uri: info().redirectUris[0] ?? '',
    };
    const first = await tokenRequest(form);
    expect(first.status).toBe(200);
    const tokens = first.body as { access_token: string };
    expect((await api(sandbox, tokens.access_token, 'companyinfo/1')).status).toBe(200);
    const second = await tokenRequest(form);
    expect(second.status).toBe(400);
    expect(second.body).toMatchObject({ error: 'invalid_grant' });
    expect((await api(sandbox, tokens.access_token, 'companyinfo/1')).status).toBe(401);
  });

  it('refuses a code exchanged with a different redirect_uri, or after it expired', async () => {
    const back = await authorize();
    const mismatch = await tokenRequest({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code') ?? '',
      redirect_uri: info().redirectUris[1] ?? '',
    });
    expect(mismatch.body).toMatchObject({ error: 'invalid_grant' });
    const late = await authorize();
    sandbox.clock.advance(10 * 60 * 1000);
    const expired = await tokenRequest({
      grant_type: 'authorization_code',
      code: late.searchParams.get('code') ?? '',
      redirect_uri: info().redirectUris[0] ?? '',
    });
    expect(expired.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('expires access tokens after 3600 s of sandbox time', async () => {
    const tokens = await connect();
    sandbox.clock.advance(3599 * 1000);
    expect((await api(sandbox, tokens.access_token, 'companyinfo/1')).status).toBe(200);
    sandbox.clock.advance(1000);
    expect((await api(sandbox, tokens.access_token, 'companyinfo/1')).status).toBe(401);
  });

  it('returns the same refresh token within the rotation period and a new one after; the old one then fails', async () => {
    const tokens = await connect();
    sandbox.clock.advance(23 * HOUR);
    const early = (await refresh(tokens.refresh_token)).body as { refresh_token: string; access_token: string };
    expect(early.refresh_token).toBe(tokens.refresh_token);
    expect(early.access_token).not.toBe(tokens.access_token);

    sandbox.clock.advance(2 * HOUR);
    const rotated = await refresh(tokens.refresh_token);
    const next = rotated.body as { refresh_token: string };
    expect(rotated.status).toBe(200);
    expect(next.refresh_token).not.toBe(tokens.refresh_token);

    const reuse = await refresh(tokens.refresh_token);
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual({ error_description: 'Token invalid', error: 'invalid_grant' });
    expect((await refresh(next.refresh_token)).status).toBe(200);
  });

  it('rotates on every refresh when the rotation period is set to 0', async () => {
    await control(sandbox, 'PUT', '/oauth', { rotationPeriodMs: 0 });
    const tokens = await connect();
    const first = (await refresh(tokens.refresh_token)).body as { refresh_token: string };
    const second = (await refresh(first.refresh_token)).body as { refresh_token: string };
    expect(new Set([tokens.refresh_token, first.refresh_token, second.refresh_token]).size).toBe(3);
    expect((await refresh(first.refresh_token)).status).toBe(400);
  });

  it('keeps a refresh token alive on a rolling window and lets an unused one expire', async () => {
    const used = await connect();
    const idle = await connect();
    let current = used.refresh_token;
    for (let i = 0; i < 3; i++) {
      sandbox.clock.advance(60 * DAY);
      const result = await refresh(current);
      expect(result.status).toBe(200);
      current = (result.body as { refresh_token: string }).refresh_token;
    }
    expect((await refresh(idle.refresh_token)).status).toBe(400);
  });

  it('counts refreshes per realm', async () => {
    const tokens = await connect();
    await refresh(tokens.refresh_token);
    await refresh(tokens.refresh_token);
    const counters = (await control(sandbox, 'GET', '/counters')).body as Record<string, Record<string, number>>;
    expect(counters['oauth.refreshes']?.[info().realmId]).toBe(2);
  });

  it('revokes the whole connection when the refresh token is revoked', async () => {
    const tokens = await connect();
    const revoke = await call(info().revokeUrl, {
      method: 'POST',
      headers: { authorization: basic(), 'content-type': 'application/json' },
      body: JSON.stringify({ token: tokens.refresh_token }),
    });
    expect(revoke.status).toBe(200);
    expect((await refresh(tokens.refresh_token)).status).toBe(400);
    expect((await api(sandbox, tokens.access_token, 'companyinfo/1')).status).toBe(401);
  });

  it('refuses a token issued for one realm on another realm with a 403 AuthorizationFault', async () => {
    const tokens = await connect();
    const other = (await control(sandbox, 'POST', '/realms', { companyName: 'Other Co' })).body as { realmId: string };
    const result = await api(sandbox, tokens.access_token, 'companyinfo/1', other.realmId);
    expect(result.status).toBe(403);
    expect(result.body).toMatchObject({ Fault: { type: 'AuthorizationFault', Error: [{ code: '3100' }] } });
  });

  it('expires an access token after a configured number of calls (chaos setting)', async () => {
    await control(sandbox, 'PUT', '/oauth', { accessTokenMaxUses: 2 });
    const tokens = await connect();
    expect((await api(sandbox, tokens.access_token, 'companyinfo/1')).status).toBe(200);
    expect((await api(sandbox, tokens.access_token, 'companyinfo/1')).status).toBe(200);
    expect((await api(sandbox, tokens.access_token, 'companyinfo/1')).status).toBe(401);
  });

  it('lists every token it issued, for a log scan to look for', async () => {
    const tokens = await connect();
    const issued = sandbox.state.oauth.issuedSecrets();
    expect(issued).toEqual(expect.arrayContaining([tokens.access_token, tokens.refresh_token]));
    expect(issued.some((secret) => secret.startsWith('AB1'))).toBe(true);
  });
});
