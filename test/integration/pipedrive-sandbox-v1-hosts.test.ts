import type { PipedriveSandbox } from '../../local/pipedrive';
import { startTestSandbox } from './pipedrive-sandbox-helpers';

/** Decision 45: v1 under `/api/v1` everywhere, the bare `/v1` only on the API-token host (`api.pipedrive.com`). */
describe('the Pipedrive sandbox serves v1 where the official SDK calls it', () => {
  let sandbox: PipedriveSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.close());

  const get = async (origin: string, path: string) => {
    const response = await fetch(`${origin}${path}`, { headers: { 'x-api-token': sandbox.describe().apiToken } });
    return { status: response.status, body: (await response.json()) as { data?: { id?: number } } };
  };

  it('answers /api/v1 on the company domain and on the API-token host', async () => {
    const { apiBaseUrl, apiTokenBaseUrl } = sandbox.describe();
    expect(apiTokenBaseUrl).not.toBe(apiBaseUrl);
    for (const origin of [apiBaseUrl, apiTokenBaseUrl]) {
      const me = await get(origin, '/api/v1/users/me');
      expect(me).toMatchObject({ status: 200, body: { data: { id: 1 } } });
      expect((await get(origin, '/api/v2/organizations')).status).toBe(200);
    }
  });

  it('answers the bare /v1 only on the API-token host: a company domain says 404', async () => {
    const { apiBaseUrl, apiTokenBaseUrl } = sandbox.describe();
    expect(await get(apiTokenBaseUrl, '/v1/users/me')).toMatchObject({ status: 200, body: { data: { id: 1 } } });
    expect((await get(apiBaseUrl, '/v1/users/me')).status).toBe(404);
    expect((await get(apiBaseUrl, '/v1/organizationFields')).status).toBe(404);
  });
});
