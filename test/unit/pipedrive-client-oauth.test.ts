import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidGrantError, PipedriveOAuthClient } from '../../functions/pipedrive/oauth-client';
import { AuthError, PermanentError, RateLimitedError, TransientError } from '../../functions/shared/errors';

const TOKEN_RESPONSE = readFileSync(
  resolve(__dirname, '../../local/pipedrive/reference/oauth-token-response.json'),
  'utf8',
);
const NOW = Date.UTC(2026, 0, 5, 10, 0, 0);

interface Sent {
  url: string;
  headers: Headers;
  body: URLSearchParams;
}

/** A token endpoint that answers with one scripted reply and records what it was sent. */
function scripted(status: number, body: string, headers: Record<string, string> = {}) {
  const sent: Sent[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    sent.push({
      url: input instanceof Request ? input.url : input.toString(),
      headers: new Headers(init?.headers),
      body: new URLSearchParams(typeof init?.body === 'string' ? init.body : ''),
    });
    return Promise.resolve(new Response(body, { status, headers: { 'content-type': 'application/json', ...headers } }));
  };
  const oauth = new PipedriveOAuthClient(
    {
      clientId: 'client-id',
      clientSecret: 'client-secret',
      redirectUri: 'https://connector.example/cb',
      timeoutMs: 1000,
    },
    fetchImpl,
    () => NOW,
  );
  return { oauth, sent };
}

describe('PipedriveOAuthClient', () => {
  it('builds the authorize URL on oauth.pipedrive.com', () => {
    const url = new URL(scripted(200, '{}').oauth.authorizeUrl('state-1'));
    expect(url.origin + url.pathname).toBe('https://oauth.pipedrive.com/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'client-id',
      redirect_uri: 'https://connector.example/cb',
      state: 'state-1',
    });
  });

  it('exchanges a code with Basic client auth and a form body, returning tokens, expiry and api_domain', async () => {
    const { oauth, sent } = scripted(200, TOKEN_RESPONSE);
    const tokens = await oauth.exchangeCode('the-code');
    expect(sent[0]?.url).toBe('https://oauth.pipedrive.com/oauth/token');
    expect(sent[0]?.headers.get('authorization')).toBe(
      `Basic ${Buffer.from('client-id:client-secret').toString('base64')}`,
    );
    expect(sent[0]?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(sent[0]?.body ?? [])).toEqual({
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: 'https://connector.example/cb',
    });
    expect(tokens).toMatchObject({
      refreshToken: '1:1:2a5496a8bdd0f829dcb09dc8ba82b188f0ea4481',
      scope: 'base',
      accessTokenExpiresAt: NOW + 3599 * 1000,
      refreshTokenExpiresAt: NOW + 60 * 86_400_000,
      apiDomain: 'https://user-company.pipedrive.com',
    });
    expect(tokens.accessToken).toMatch(/^v1u:/);
  });

  it('refreshes with grant_type=refresh_token and keeps the known api_domain when none comes back', async () => {
    const body = JSON.parse(TOKEN_RESPONSE) as Record<string, unknown>;
    delete body.api_domain;
    const { oauth, sent } = scripted(200, JSON.stringify(body));
    const tokens = await oauth.refresh('1:1:old', 'https://acme.pipedrive.com');
    expect(Object.fromEntries(sent[0]?.body ?? [])).toEqual({ grant_type: 'refresh_token', refresh_token: '1:1:old' });
    expect(tokens.apiDomain).toBe('https://acme.pipedrive.com');
  });

  it('refuses tokens whose api_domain is not a Pipedrive host', async () => {
    const body = {
      ...(JSON.parse(TOKEN_RESPONSE) as object),
      api_domain: 'https://user-company.pipedrive.com.evil.example',
    };
    const { oauth } = scripted(200, JSON.stringify(body));
    const error = await oauth.exchangeCode('c').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'invalid_api_domain' });
    expect(String(error)).not.toContain('v1u:');
  });

  it.each([
    [{ error: 'invalid_grant', error_description: 'Invalid grant: refresh_token is invalid' }],
    [{ success: false, message: 'Invalid grant: authorization_code has expired' }],
  ])('invalid_grant (%j) → AuthError with code invalid_grant', async (body) => {
    const error = await scripted(400, JSON.stringify(body))
      .oauth.refresh('1:1:dead')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidGrantError);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'invalid_grant', status: 400 });
  });

  it('classifies the other token endpoint failures', async () => {
    const fail = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      scripted(status, JSON.stringify(body), headers)
        .oauth.refresh('r')
        .catch((e: unknown) => e);
    expect(
      await fail(400, { error: 'invalid_client', error_description: 'Invalid client: client is invalid' }),
    ).toMatchObject({ kind: 'permanent', code: 'invalid_client' });
    expect(await fail(503, { error: 'unavailable' })).toBeInstanceOf(TransientError);
    expect(await fail(429, {}, { 'retry-after': '30' })).toMatchObject({ retryAfterMs: 30_000 });
    expect(await fail(429, {})).toBeInstanceOf(RateLimitedError);
    expect(await fail(400, { error: 'invalid_request' })).toMatchObject({ kind: 'permanent', code: 'invalid_request' });
    // A 200 without tokens is never taken for tokens.
    expect(await fail(200, { success: true })).toBeInstanceOf(TransientError);
  });

  it('revokes with Basic auth', async () => {
    const { oauth, sent } = scripted(200, '{"success":true}');
    await oauth.revoke('1:1:r');
    expect(sent[0]?.url).toBe('https://oauth.pipedrive.com/oauth/revoke');
    expect(Object.fromEntries(sent[0]?.body ?? [])).toEqual({ token: '1:1:r', token_type_hint: 'refresh_token' });
  });
});
