import OAuthClient from 'intuit-oauth';
import * as z from 'zod';
import { type QuickBooksSandbox, startQuickBooksSandbox } from '../../local/quickbooks';

/**
 * Intuit's own OAuth client (`intuit-oauth` 4.x) against the QBO sandbox on 127.0.0.1. Its
 * endpoints are static properties with Intuit's https hosts; `setAuthorizeURLs()` is the client's
 * own way to point authorize, token, revoke and userinfo elsewhere, and `OAuthClient.jwks_uri`
 * (a public static) is set the same way, so no request leaves loopback.
 */

const REDIRECT = 'http://127.0.0.1:8787/oauth/quickbooks/callback';
const TokenJson = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  token_type: z.literal('bearer'),
  expires_in: z.literal(3600),
  x_refresh_token_expires_in: z.number().int().positive(),
  id_token: z.string().optional(),
});

let sandbox: QuickBooksSandbox;

beforeAll(async () => {
  sandbox = await startQuickBooksSandbox({ seed: { count: 3, seed: 1 }, app: { redirectUris: [REDIRECT] } });
});
afterAll(() => sandbox.close());

function client(): OAuthClient {
  const description = sandbox.describe();
  const oauth = new OAuthClient({
    clientId: description.clientId,
    clientSecret: description.clientSecret,
    environment: 'sandbox',
    redirectUri: REDIRECT,
  });
  oauth.setAuthorizeURLs({
    authorizeEndpoint: description.authorizeUrl,
    tokenEndpoint: description.tokenUrl,
    revokeEndpoint: description.revokeUrl,
    userInfoEndpoint: description.userInfoUrl,
  });
  OAuthClient.jwks_uri = description.jwksUrl;
  // The API base for makeApiCall(); the client appends relative paths to it.
  OAuthClient.environment = { sandbox: `${sandbox.url}/`, production: `${sandbox.url}/` };
  return oauth;
}

/** The sandbox user's consent, done as a browser would: follow the authorize URL to the redirect. */
async function consent(authorizeUri: string): Promise<string> {
  const response = await fetch(authorizeUri, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = response.headers.get('location');
  if (location === null) throw new Error('the authorize endpoint did not redirect');
  return location;
}

async function connect(oauth: OAuthClient, scope: string[]) {
  const authorizeUri = oauth.authorizeUri({ scope, state: 'state-1' });
  const callback = await consent(authorizeUri);
  const created = await oauth.createToken(callback);
  return { authorizeUri, callback, created };
}

describe('intuit-oauth against the QBO sandbox', () => {
  it('builds the authorize URI for the sandbox endpoint with the scopes, state and redirect', () => {
    const uri = new URL(
      client().authorizeUri({ scope: [OAuthClient.scopes.Accounting, OAuthClient.scopes.OpenId], state: 'xyz' }),
    );
    expect(`${uri.origin}${uri.pathname}`).toBe(sandbox.describe().authorizeUrl);
    expect(uri.searchParams.get('response_type')).toBe('code');
    expect(uri.searchParams.get('client_id')).toBe(sandbox.describe().clientId);
    expect(uri.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(uri.searchParams.get('scope')).toBe('com.intuit.quickbooks.accounting openid');
    expect(uri.searchParams.get('state')).toBe('xyz');
  });

  it('creates a token from the consent callback, with the realm the user chose', async () => {
    const oauth = client();
    const { callback, created } = await connect(oauth, [OAuthClient.scopes.Accounting]);
    expect(new URL(callback).searchParams.get('state')).toBe('state-1');
    const token = TokenJson.parse(created.getJson());
    expect(token.id_token).toBeUndefined();
    expect(oauth.getToken().realmId).toBe(sandbox.describe().realmId);
    expect(oauth.getToken().access_token).toBe(token.access_token);
    expect(oauth.isAccessTokenValid()).toBe(true);
    // The token works against the Accounting API (makeApiCall with a path relative to the environment).
    const info = await oauth.makeApiCall({ url: `v3/company/${oauth.getToken().realmId}/companyinfo/1` });
    expect(
      z.object({ CompanyInfo: z.object({ CompanyName: z.string() }) }).parse(info.json).CompanyInfo.CompanyName,
    ).toBe('Sandbox Company_US_1');
  });

  it('refreshes: a new access token that works, the old refresh token still current within 24 h', async () => {
    const oauth = client();
    const { created } = await connect(oauth, [OAuthClient.scopes.Accounting]);
    const first = TokenJson.parse(created.getJson());
    const refreshed = TokenJson.parse((await oauth.refresh()).getJson());
    expect(refreshed.access_token).not.toBe(first.access_token);
    expect(refreshed.refresh_token).toBe(first.refresh_token);
    expect(oauth.getToken().access_token).toBe(refreshed.access_token);
    const info = await oauth.makeApiCall({ url: `v3/company/${sandbox.describe().realmId}/companyinfo/1` });
    expect(info.status).toBe(200);
  });

  it('revokes: the connection is gone, refresh then fails with invalid_grant', async () => {
    const oauth = client();
    const { created } = await connect(oauth, [OAuthClient.scopes.Accounting]);
    const token = TokenJson.parse(created.getJson());
    const revoked = await oauth.revoke({ refresh_token: token.refresh_token });
    expect(revoked.valid()).toBe(true);
    expect(oauth.getToken().access_token).toBe('');
    // The OAuth server's transaction id comes back in `intuit_tid` (underscore), where the client reads it.
    const refused: unknown = await oauth.refreshUsingToken(token.refresh_token).then(
      () => undefined,
      (error: unknown) => error,
    );
    const failure = z.object({ error: z.string(), intuit_tid: z.string() }).parse(refused);
    expect(failure.error).toBe('invalid_grant');
    expect(failure.intuit_tid).toMatch(/^1-[0-9a-f]+-[0-9a-f]+$/);
    const api = await fetch(`${sandbox.url}/v3/company/${sandbox.describe().realmId}/companyinfo/1`, {
      headers: { authorization: `Bearer ${token.access_token}`, accept: 'application/json' },
    });
    expect(api.status).toBe(401);
  });

  it('validates the RS256 id_token of an openid consent against the JWKS, and reads userinfo', async () => {
    const oauth = client();
    const { created } = await connect(oauth, [
      OAuthClient.scopes.Accounting,
      OAuthClient.scopes.OpenId,
      OAuthClient.scopes.Email,
      OAuthClient.scopes.Profile,
    ]);
    const token = TokenJson.parse(created.getJson());
    const [header, payload] = (token.id_token ?? '')
      .split('.')
      .slice(0, 2)
      .map((part): unknown => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toMatchObject({ alg: 'RS256' });
    const claims = z
      .object({ iss: z.string(), aud: z.array(z.string()), realmid: z.string(), sub: z.string(), exp: z.number() })
      .parse(payload);
    expect(claims.iss).toBe('https://oauth.platform.intuit.com/op/v1');
    expect(claims.aud).toEqual([sandbox.describe().clientId]);
    expect(claims.realmid).toBe(sandbox.describe().realmId);
    await expect(oauth.validateIdToken()).resolves.toBe(true);

    const info = await oauth.getUserInfo();
    const user = z
      .object({ sub: z.string(), email: z.string(), emailVerified: z.boolean(), givenName: z.string() })
      .parse(info.getJson());
    expect(user.sub).toBe(claims.sub);
    expect(user.email).toContain('@');
  });

  it('rejects an id_token whose claims were changed after signing', async () => {
    const oauth = client();
    await connect(oauth, [OAuthClient.scopes.Accounting, OAuthClient.scopes.OpenId]);
    const [header, payload, signature] = oauth.getToken().id_token.split('.');
    const claims = z
      .looseObject({ realmid: z.string() })
      .parse(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()));
    const forged = Buffer.from(JSON.stringify({ ...claims, realmid: '1234567890' })).toString('base64url');
    // Issuer, audience and expiry still pass: only the signature check can refuse it.
    oauth.token.id_token = `${header}.${forged}.${signature}`;
    await expect(oauth.validateIdToken()).rejects.toThrow(/invalid signature/);
  });

  it('answers an unknown Accounting path with a JSON Fault the client reads, not an HTML page', async () => {
    const oauth = client();
    await connect(oauth, [OAuthClient.scopes.Accounting]);
    await expect(
      oauth.makeApiCall({ url: `v3/company/${sandbox.describe().realmId}/nosuchthing` }),
    ).rejects.toMatchObject({ code: '500', fault: { type: 'ValidationFault' } });
  });
});
