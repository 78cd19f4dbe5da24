import { v1, v2 } from 'pipedrive';
import { type PipedriveSandbox, startPipedriveSandbox } from '../../local/pipedrive';
import { installOAuth, v1Scenario } from './pipedrive-sdk-scenarios';

/**
 * The SDK's v1 calls under OAuth. It builds `${api_domain}/api/v1/…` for an OAuth token (its
 * OAuth2Configuration sets `basePath` so), and an OAuth company domain serves v1 only there
 * (issue #12, decision on v1 paths): merge, organization fields and users/me must answer on it.
 */

const REDIRECT = 'http://127.0.0.1:3000/oauth/pipedrive/callback';
let sandbox: PipedriveSandbox;

beforeEach(async () => {
  sandbox = await startPipedriveSandbox({ plan: 'growth', seats: 1 });
});
afterEach(() => sandbox.close());

it('the pipedrive SDK with OAuth: v1 merge, organization fields and users/me at the api_domain', async () => {
  const options = {
    clientId: sandbox.config.oauth.clientId,
    clientSecret: sandbox.config.oauth.clientSecret,
    redirectUri: REDIRECT,
    host: sandbox.url,
  };
  const oauthV1 = new v1.OAuth2Configuration(options);
  await installOAuth(oauthV1);
  expect(oauthV1.basePath).toBe(`${sandbox.url}/api/v1`);
  // v2 calls (to make the organizations to merge) share the grant: the same token, the v2 base.
  const v2Config = new v2.Configuration({ accessToken: oauthV1.getAccessToken, basePath: `${sandbox.url}/api/v2` });
  await v1Scenario(
    sandbox,
    new v1.Configuration({ accessToken: oauthV1.getAccessToken, basePath: oauthV1.basePath }),
    v2Config,
  );
});
