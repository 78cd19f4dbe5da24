import { ConnectionStore } from '../../../functions/store/connections';
import { ParkingStore } from '../../../functions/store/parking-store';
import { TokenStore } from '../../../functions/store/token-store';
import { SyncMessage } from '../../../functions/sync/sync-message';
import { type FunctionEnvironment, startFunctionEnvironment } from '../../helpers/function-environment';
import { lambdaContext, loadHandler } from '../../helpers/lambda-env';
import { control } from '../../helpers/quickbooks-sandbox';
import { localSqsClient, receiveAsLambdaEvent } from '../../helpers/sqs';

const START_TOKEN = 'operator-start-token';
let env: FunctionEnvironment;
let handler: (event: unknown, context: unknown) => Promise<unknown>;
type Response = { statusCode: number; headers?: Record<string, string>; body?: string };

beforeAll(async () => {
  env = await startFunctionEnvironment();
  const pd = env.pipedrive.describe();
  Object.assign(process.env, {
    PIPEDRIVE_CLIENT_ID: pd.oauth.clientId,
    PIPEDRIVE_CLIENT_SECRET: pd.oauth.clientSecret,
    PIPEDRIVE_REDIRECT_URI: pd.oauth.redirectUris[0],
    PIPEDRIVE_AUTHORIZE_URL: pd.oauth.authorizeUrl,
    PIPEDRIVE_TOKEN_URL: pd.oauth.tokenUrl,
    OAUTH_START_TOKEN: START_TOKEN,
  });
  handler = loadHandler(require.resolve('../../../functions/handlers/oauth'));
});
afterAll(() => env.close());

const get = async (path: string, query: Record<string, string> = {}) =>
  (await handler(
    { version: '2.0', rawPath: path, queryStringParameters: query, requestContext: { http: { method: 'GET', path } } },
    lambdaContext('oauth'),
  )) as Response;

/** Follows the start redirect through the sandbox's consent screen; returns the callback's query. */
async function consent(start: Response): Promise<Record<string, string>> {
  expect(start.statusCode).toBe(302);
  const authorize = await fetch(start.headers?.location ?? '', { redirect: 'manual' });
  return Object.fromEntries(new URL(authorize.headers.get('location') ?? '').searchParams);
}
const exchanges = () => env.qbo.state.counters.get('oauth.code_exchanges');

describe('oauth Lambda', () => {
  it('refuses to start a connection without the operator’s start token (the routes are public)', async () => {
    expect((await get('/oauth/quickbooks/start')).statusCode).toBe(403);
    expect((await get('/oauth/quickbooks/start', { token: 'guess' })).statusCode).toBe(403);
    expect((await get('/oauth/pipedrive/start', { realmId: env.realmId })).statusCode).toBe(403);
    expect((await get('/oauth/quickbooks/start', { token: START_TOKEN })).statusCode).toBe(302);
  });

  it('connects a new QuickBooks company: one-time state, code exchanged once, tokens stored encrypted', async () => {
    const realm = (
      (await control(env.qbo, 'POST', '/realms', { companyName: 'Fresh Books Inc' })).body as { realmId: string }
    ).realmId;
    await control(env.qbo, 'PUT', '/oauth', { consentRealm: realm });
    const query = await consent(await get('/oauth/quickbooks/start', { token: START_TOKEN }));
    expect(query.realmId).toBe(realm);
    const before = exchanges();
    const done = await get('/oauth/quickbooks/callback', query);
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Fresh Books Inc');
    expect(done.headers?.['content-security-policy']).toContain("default-src 'none'");
    expect(await new ConnectionStore(env.table).get(realm)).toMatchObject({
      status: 'active',
      companyName: 'Fresh Books Inc',
    });
    const stored = await new TokenStore(env.table).read(realm, 'quickbooks');
    expect(stored?.ciphertext).toBeDefined();
    expect(stored?.ciphertext).not.toContain(query.code ?? 'x');
    // A double callback (a refresh of the page) does not exchange the code again.
    expect((await get('/oauth/quickbooks/callback', query)).statusCode).toBe(400);
    expect(exchanges()).toBe(before + 1);
  });

  it('refuses unknown state, a declined consent and a realmId the token cannot read, storing nothing', async () => {
    const before = exchanges();
    expect((await get('/oauth/quickbooks/callback', { code: 'AB1x', state: 'forged', realmId: '1' })).statusCode).toBe(
      400,
    );
    const declined = await get('/oauth/quickbooks/callback', { error: 'access_denied', state: 'whatever' });
    expect(declined.body).toContain('not granted');
    await control(env.qbo, 'PUT', '/oauth', { consentRealm: env.realmId });
    const query = await consent(await get('/oauth/quickbooks/start', { token: START_TOKEN }));
    const tampered = await get('/oauth/quickbooks/callback', { ...query, realmId: '123456789' });
    expect(tampered.statusCode).toBe(400);
    expect(tampered.body).toContain('could not be verified');
    expect(await new ConnectionStore(env.table).get('123456789')).toBeUndefined();
    expect(exchanges()).toBe(before + 1);
  });

  it('connects Pipedrive by OAuth to a QuickBooks connection, keeping the api_domain', async () => {
    const query = await consent(await get('/oauth/pipedrive/start', { realmId: env.realmId, token: START_TOKEN }));
    const done = await get('/oauth/pipedrive/callback', query);
    expect(done.statusCode).toBe(200);
    const apiDomain = env.pipedrive.describe().apiBaseUrl;
    expect((await new ConnectionStore(env.table).get(env.realmId))?.pipedrive).toEqual({
      companyId: new URL(apiDomain).host,
      apiDomain,
      plan: 'growth',
      seats: 1,
      auth: 'oauth',
    });
  });

  it('reconnecting QuickBooks reactivates the connection and sends its parked work again', async () => {
    const connections = new ConnectionStore(env.table);
    await connections.setStatus(env.realmId, 'needs_reauth', Date.now(), 'quickbooks: invalid_grant');
    await new ParkingStore(env.table).park(
      { v: 1, realmId: env.realmId, kind: 'customer', id: '99', source: 'webhook', eventId: 'parked-1', enqueuedAt: 1 },
      'm-1',
      Date.now(),
    );
    await control(env.qbo, 'PUT', '/oauth', { consentRealm: env.realmId });
    const done = await get(
      '/oauth/quickbooks/callback',
      await consent(await get('/oauth/quickbooks/start', { token: START_TOKEN })),
    );
    expect(done.body).toContain('1 waiting changes were sent again');
    expect((await connections.get(env.realmId))?.status).toBe('active');
    expect(await new ParkingStore(env.table).count(env.realmId)).toBe(0);
    const requeued = (await receiveAsLambdaEvent(localSqsClient(), env.changesQueueUrl)).Records.map((r) =>
      SyncMessage.parse(JSON.parse(r.body)),
    );
    expect(requeued.map((m) => m.eventId)).toEqual(['parked-1:unparked']);
  });
});
