import { v1, v2 } from 'pipedrive';
import { type PipedriveSandbox, startPipedriveSandbox } from '../../local/pipedrive';
import { installOAuth, v1Scenario, v2Scenario } from './pipedrive-sdk-scenarios';

/**
 * Pipedrive's official Node SDK (`pipedrive` 33.x) against the sandbox on 127.0.0.1: v1 and v2
 * with an API token, v2 with OAuth. (The SDK's OAuth v1 calls go to `${api_domain}/api/v1`; they
 * are in pipedrive-sdk-oauth-v1.test.ts.)
 */

const REDIRECT = 'http://127.0.0.1:3000/oauth/pipedrive/callback';
let sandbox: PipedriveSandbox;

beforeEach(async () => {
  sandbox = await startPipedriveSandbox({ plan: 'growth', seats: 1 });
  sandbox.control.seed({ random: { count: 5, seed: 3 } });
});
afterEach(() => sandbox.close());

describe('the pipedrive SDK with an API token', () => {
  it('v2: organizations, persons, fields, search and itemSearch', async () => {
    // The SDK sends the token in `x-api-token`; basePath is the v2 server of the company.
    await v2Scenario(
      sandbox,
      new v2.Configuration({ apiKey: sandbox.config.apiToken, basePath: `${sandbox.url}/api/v2` }),
    );
  });

  it('v1: merge, organization fields and users/me', async () => {
    // `https://api.pipedrive.com/v1` is the SDK's default v1 base for API tokens; here the sandbox's `/v1`.
    await v1Scenario(
      sandbox,
      new v1.Configuration({ apiKey: sandbox.config.apiToken, basePath: `${sandbox.apiTokenUrl}/v1` }),
      new v2.Configuration({ apiKey: sandbox.config.apiToken, basePath: `${sandbox.url}/api/v2` }),
    );
  });
});

describe('the pipedrive SDK with OAuth', () => {
  it('installs through the authorize redirect and calls v2 at the api_domain it was given', async () => {
    const oauth2 = new v2.OAuth2Configuration({
      clientId: sandbox.config.oauth.clientId,
      clientSecret: sandbox.config.oauth.clientSecret,
      redirectUri: REDIRECT,
      host: sandbox.url,
    });
    await installOAuth(oauth2);
    expect(oauth2.basePath).toBe(`${sandbox.url}/api/v2`);
    expect((await oauth2.getAccessToken()).length).toBeGreaterThan(0);
    await v2Scenario(sandbox, new v2.Configuration({ accessToken: oauth2.getAccessToken, basePath: oauth2.basePath }));
  });

  it('refreshes the token and keeps calling with the new one', async () => {
    const oauth2 = new v2.OAuth2Configuration({
      clientId: sandbox.config.oauth.clientId,
      clientSecret: sandbox.config.oauth.clientSecret,
      redirectUri: REDIRECT,
      host: sandbox.url,
    });
    await installOAuth(oauth2);
    const before = await oauth2.getAccessToken();
    const refreshed = await oauth2.tokenRefresh();
    expect(refreshed.access_token).not.toBe(before);
    expect(await oauth2.getAccessToken()).toBe(refreshed.access_token);
    const api = new v2.OrganizationsApi(
      new v2.Configuration({ accessToken: oauth2.getAccessToken, basePath: oauth2.basePath }),
    );
    const page = await api.getOrganizations({ limit: 1 });
    expect(page.success).toBe(true);
    expect(page.data).toHaveLength(1);
  });
});
