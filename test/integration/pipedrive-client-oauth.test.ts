import { BudgetGovernor } from '../../functions/pipedrive/budget-governor';
import { type AccessTokenSource, PipedriveClient } from '../../functions/pipedrive/client';
import { PipedriveOAuthClient, type PipedriveTokens } from '../../functions/pipedrive/oauth-client';
import { AuthError, TransientError } from '../../functions/shared/errors';
import { T0 } from './pipedrive-sandbox-helpers';

import { sandboxHost, usePipedriveClientSandbox, REDIRECT_URI } from './pipedrive-client-sandbox';

describe('PipedriveClient against the Pipedrive sandbox: OAuth', () => {
  const fixture = usePipedriveClientSandbox();
  const { start, sandbox, governorDeps } = fixture;

  describe('OAuth', () => {
    /** The token lifecycle's part in this test: refresh on rejection through the OAuth client. */
    class RefreshingTokens implements AccessTokenSource {
      refreshes = 0;
      constructor(
        private readonly oauth: PipedriveOAuthClient,
        public tokens: PipedriveTokens,
      ) {}
      accessToken(): Promise<string> {
        return Promise.resolve(this.tokens.accessToken);
      }
      async refreshAfterRejection(rejected: string): Promise<string> {
        expect(rejected).toBe(this.tokens.accessToken);
        this.refreshes++;
        this.tokens = await this.oauth.refresh(this.tokens.refreshToken, this.tokens.apiDomain);
        return this.tokens.accessToken;
      }
    }

    function oauthClient(allowApiHosts: string[]) {
      const { oauth } = sandbox().describe();
      return new PipedriveOAuthClient(
        {
          clientId: oauth.clientId,
          clientSecret: oauth.clientSecret,
          redirectUri: REDIRECT_URI,
          authorizeUrl: oauth.authorizeUrl,
          tokenUrl: oauth.tokenUrl,
          revokeUrl: `${sandbox().url}/oauth/revoke`,
          timeoutMs: 2000,
          allowApiHosts,
        },
        fetch,
        () => sandbox().clock.now(),
      );
    }

    async function authorize(oauth: PipedriveOAuthClient): Promise<string> {
      const consent = await fetch(oauth.authorizeUrl('state-123'), { redirect: 'manual' });
      const location = new URL(consent.headers.get('location') ?? '');
      expect(location.searchParams.get('state')).toBe('state-123');
      return location.searchParams.get('code') ?? '';
    }

    it('exchanges a code, calls api_domain with the bearer token, and refreshes once on a 401 mid-sequence', async () => {
      await start();
      const oauth = oauthClient([sandboxHost(sandbox())]);
      const tokens = await oauth.exchangeCode(await authorize(oauth));
      expect(tokens.apiDomain).toBe(sandbox().url);
      expect(tokens.accessTokenExpiresAt).toBe(T0 + 3599 * 1000);
      const source = new RefreshingTokens(oauth, tokens);
      const governor = new BudgetGovernor(
        { companyId: `oauth-${sandbox().port}`, plan: 'growth', seats: 1, auth: 'oauth' },
        governorDeps(),
      );
      const client = new PipedriveClient(
        { apiDomain: tokens.apiDomain, allowHosts: [sandboxHost(sandbox())], timeoutMs: 2000 },
        { kind: 'oauth', tokens: source },
        governor,
      );
      const organization = await client.createOrganization({ name: 'Acme' });
      expect(source.refreshes).toBe(0);
      // The access token dies after 3599 s of sandbox time.
      sandbox().clock.advance(3600 * 1000);
      expect((await client.getOrganization(organization.id)).name).toBe('Acme');
      expect(source.refreshes).toBe(1);
      expect(source.tokens.accessTokenExpiresAt).toBe(sandbox().clock.now() + 3599 * 1000);
      expect(await client.updateOrganization(organization.id, { name: 'Acme Inc.' })).toMatchObject({
        name: 'Acme Inc.',
      });
      expect(source.refreshes).toBe(1);
      expect(sandbox().counters.get('oauth_token_requests', 'refresh_token')).toBe(1);
    });

    it('a 401 right after a refresh is transient (the grant is alive), not an auth error that locks the connection', async () => {
      await start();
      const oauth = oauthClient([sandboxHost(sandbox())]);
      const source = new RefreshingTokens(oauth, await oauth.exchangeCode(await authorize(oauth)));
      const client = new PipedriveClient(
        { apiDomain: sandbox().url, allowHosts: [sandboxHost(sandbox())], timeoutMs: 2000 },
        { kind: 'oauth', tokens: source },
        new BudgetGovernor(
          { companyId: `oauth401-${sandbox().port}`, plan: 'growth', seats: 1, auth: 'oauth' },
          governorDeps(),
        ),
      );
      sandbox().control.addFault({
        path: '^/api/v2/organizations',
        status: 401,
        body: { success: false, error: 'unauthorized access', errorCode: 401 },
        count: 2,
      });
      const error = await client.getOrganization(1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect(error).not.toBeInstanceOf(AuthError);
      expect(source.refreshes).toBe(1);
    });

    it('refuses tokens whose api_domain is not a Pipedrive host (the sandbox’s, when not allowed)', async () => {
      await start();
      const oauth = oauthClient([]);
      await expect(oauth.exchangeCode(await authorize(oauth))).rejects.toMatchObject({
        kind: 'permanent',
        code: 'invalid_api_domain',
      });
      expect(
        () =>
          new PipedriveClient(
            { apiDomain: 'https://acme.pipedrive.com.evil.example', timeoutMs: 1000 },
            { kind: 'api-token', apiToken: 't' },
            { run: () => Promise.reject(new Error('never called')) },
          ),
      ).toThrow(/api_domain/);
    });

    it('a dead refresh token → AuthError with code invalid_grant', async () => {
      await start();
      const oauth = oauthClient([sandboxHost(sandbox())]);
      const tokens = await oauth.exchangeCode(await authorize(oauth));
      await oauth.revoke(tokens.refreshToken);
      await expect(oauth.refresh(tokens.refreshToken)).rejects.toMatchObject({ kind: 'auth', code: 'invalid_grant' });
    });
  });
});
