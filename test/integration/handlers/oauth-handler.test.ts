import { mintLinkToken } from '../../../functions/connections/connection-links';
import { ConnectionChanges } from '../../../functions/store/connection-changes';
import { ConnectionStore } from '../../../functions/store/connections';
import { ParkingStore } from '../../../functions/store/parking-store';
import { TokenStore } from '../../../functions/store/token-store';
import { SyncMessage } from '../../../functions/sync/sync-message';
import { type FunctionEnvironment, startFunctionEnvironment } from '../../helpers/function-environment';
import { captureStdout, lambdaContext, loadHandler } from '../../helpers/lambda-env';
import { control } from '../../helpers/quickbooks-sandbox';
import { localSqsClient, receiveAsLambdaEvent } from '../../helpers/sqs';

const START_TOKEN = 'operator-start-token';
let env: FunctionEnvironment;
let handler: (event: unknown, context: unknown) => Promise<unknown>;
let operations: (event: unknown, context: unknown) => Promise<unknown>;
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
    API_URL: 'https://connector.example/',
  });
  handler = loadHandler(require.resolve('../../../functions/handlers/oauth'));
  operations = loadHandler(require.resolve('../../../functions/handlers/operations'));
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

/** A connection link as `ml-connector connect` gets it: minted by the operations function. */
async function mintedLink(
  provider: 'quickbooks' | 'pipedrive',
  options: { realmId?: string; replace?: boolean } = {},
): Promise<{ path: string; link: string }> {
  const answer = (await operations({ command: 'connect-url', provider, ...options }, lambdaContext('operations'))) as {
    ok: boolean;
    result: { url: string };
  };
  expect(answer.ok).toBe(true);
  const url = new URL(answer.result.url);
  return { path: url.pathname, link: url.searchParams.get('link') ?? '' };
}
const open = async (provider: 'quickbooks' | 'pipedrive', options: { realmId?: string; replace?: boolean } = {}) => {
  const { path, link } = await mintedLink(provider, options);
  return get(path, { link });
};

describe('oauth Lambda', () => {
  it('refuses to start a connection without a signed link (the routes are public); the start token alone opens nothing', async () => {
    expect((await get('/oauth/quickbooks/start')).statusCode).toBe(403);
    expect((await get('/oauth/quickbooks/start', { token: 'guess' })).statusCode).toBe(403);
    expect((await get('/oauth/quickbooks/start', { token: START_TOKEN })).statusCode).toBe(403);
    expect((await get('/oauth/pipedrive/start', { realmId: env.realmId, token: START_TOKEN })).statusCode).toBe(403);
    const forged = mintLinkToken('another-key', { provider: 'quickbooks' }, Date.now()).token;
    expect((await get('/oauth/quickbooks/start', { link: forged })).statusCode).toBe(403);
    // A QuickBooks link does not open the Pipedrive route.
    expect((await get('/oauth/pipedrive/start', { link: (await mintedLink('quickbooks')).link })).statusCode).toBe(403);
    // The realm comes from the signed link: a tampered payload breaks the signature.
    const { link } = await mintedLink('pipedrive', { realmId: env.realmId });
    const [payload = '', signature = ''] = link.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const tampered = `${Buffer.from(JSON.stringify({ ...claims, replace: true })).toString('base64url')}.${signature}`;
    expect((await get('/oauth/pipedrive/start', { link: tampered })).statusCode).toBe(403);
    expect((await open('quickbooks')).statusCode).toBe(302);
  });

  it('a link works once: used twice it is refused with a page that says so', async () => {
    const { path, link } = await mintedLink('quickbooks');
    expect((await get(path, { link })).statusCode).toBe(302);
    const again = await get(path, { link });
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain('already used');
  });

  it('an expired link is refused with a page that says so', async () => {
    const stale = mintLinkToken(START_TOKEN, { provider: 'quickbooks' }, Date.now() - 16 * 60_000).token;
    const refused = await get('/oauth/quickbooks/start', { link: stale });
    expect(refused.statusCode).toBe(410);
    expect(refused.body).toContain('expired');
  });

  it('a rotated key takes effect: links signed with the old key stop working', async () => {
    const old = await mintedLink('quickbooks');
    process.env.OAUTH_START_TOKEN = 'rotated-start-token';
    try {
      expect((await get(old.path, { link: old.link })).statusCode).toBe(403);
      expect((await open('quickbooks')).statusCode).toBe(302);
    } finally {
      process.env.OAUTH_START_TOKEN = START_TOKEN;
    }
  });

  it('connects a new QuickBooks company: one-time state, code exchanged once, tokens stored encrypted', async () => {
    const realm = (
      (await control(env.qbo, 'POST', '/realms', { companyName: 'Fresh Books Inc' })).body as { realmId: string }
    ).realmId;
    await control(env.qbo, 'PUT', '/oauth', { consentRealm: realm });
    const query = await consent(await open('quickbooks'));
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
    const query = await consent(await open('quickbooks'));
    const tampered = await get('/oauth/quickbooks/callback', { ...query, realmId: '123456789' });
    expect(tampered.statusCode).toBe(400);
    expect(tampered.body).toContain('could not be verified');
    expect(await new ConnectionStore(env.table).get('123456789')).toBeUndefined();
    expect(exchanges()).toBe(before + 1);
  });

  it('connects Pipedrive by OAuth to a QuickBooks connection, keeping the api_domain', async () => {
    // A QuickBooks connection with no Pipedrive company yet.
    const realmId = '777000111';
    await new ConnectionStore(env.table).create(realmId, Date.now(), 'Not Yet In Pipedrive');
    const query = await consent(await open('pipedrive', { realmId }));
    const done = await get('/oauth/pipedrive/callback', query);
    expect(done.statusCode).toBe(200);
    const apiDomain = env.pipedrive.describe().apiBaseUrl;
    expect((await new ConnectionStore(env.table).get(realmId))?.pipedrive).toEqual({
      companyId: new URL(apiDomain).host,
      apiDomain,
      plan: 'growth',
      seats: 1,
      auth: 'oauth',
      // Pipedrive's numeric company id, which its uninstall notice names (decision 46).
      companyNumber: env.pipedrive.describe().companyId,
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
      await consent(await open('quickbooks', { realmId: env.realmId })),
    );
    expect(done.body).toContain('1 waiting changes were sent again');
    expect((await connections.get(env.realmId))?.status).toBe('active');
    expect(await new ParkingStore(env.table).count(env.realmId)).toBe(0);
    const requeued = (await receiveAsLambdaEvent(localSqsClient(), env.changesQueueUrl)).Records.map((r) =>
      SyncMessage.parse(JSON.parse(r.body)),
    );
    expect(requeued.map((m) => m.eventId)).toEqual(['parked-1:unparked']);
  });

  it('never exchanges an authorization code twice: a replay with a fresh state is refused and the connection stays live', async () => {
    const realm = (
      (await control(env.qbo, 'POST', '/realms', { companyName: 'Replay Target Ltd' })).body as { realmId: string }
    ).realmId;
    await control(env.qbo, 'PUT', '/oauth', { consentRealm: realm });
    const first = await consent(await open('quickbooks'));
    expect((await get('/oauth/quickbooks/callback', first)).statusCode).toBe(200);
    const before = exchanges();
    // A fresh, valid state carrying the code that was already used.
    const fresh = await consent(await open('quickbooks'));
    const replay = await get('/oauth/quickbooks/callback', { ...fresh, code: first.code ?? '' });
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('already used');
    expect(exchanges()).toBe(before);
    expect((await new ConnectionStore(env.table).get(realm))?.status).toBe('active');
    // The tokens the first exchange issued still work (Intuit would have revoked them on a second exchange).
    const ping = (await operations({ command: 'ping', realmId: realm }, lambdaContext('operations'))) as {
      ok: boolean;
      result?: { quickbooks: { ok: boolean } };
    };
    expect(ping).toMatchObject({ ok: true, result: { quickbooks: { ok: true } } });
  });

  it('a link minted for one realm cannot connect another, unless minted with --replace (audited)', async () => {
    const other = (
      (await control(env.qbo, 'POST', '/realms', { companyName: 'Elsewhere Books' })).body as { realmId: string }
    ).realmId;
    await control(env.qbo, 'PUT', '/oauth', { consentRealm: other });
    const before = exchanges();
    const refused = await get(
      '/oauth/quickbooks/callback',
      await consent(await open('quickbooks', { realmId: env.realmId })),
    );
    expect(refused.statusCode).toBe(409);
    expect(exchanges()).toBe(before);
    expect(await new ConnectionStore(env.table).get(other)).toBeUndefined();
    const allowed = await get(
      '/oauth/quickbooks/callback',
      await consent(await open('quickbooks', { realmId: env.realmId, replace: true })),
    );
    expect(allowed.statusCode).toBe(200);
    expect(await new ConnectionChanges(env.table).history(other)).toEqual([
      expect.objectContaining({ change: 'quickbooks-realm', from: env.realmId, to: other }),
    ]);
  });

  it('moves a connection to another Pipedrive company only with a --replace link, recording and counting it', async () => {
    const connections = new ConnectionStore(env.table);
    const current = (await connections.get(env.realmId))?.pipedrive;
    if (!current) throw new Error('the environment connects Pipedrive');
    const elsewhere = {
      ...current,
      companyId: 'victim-company.pipedrive.com',
      apiDomain: 'https://victim-company.pipedrive.com',
    };
    await connections.setPipedrive(env.realmId, elsewhere, Date.now());
    const tokensBefore = await new TokenStore(env.table).read(env.realmId, 'pipedrive');

    const refused = await get(
      '/oauth/pipedrive/callback',
      await consent(await open('pipedrive', { realmId: env.realmId })),
    );
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('victim-company.pipedrive.com');
    expect((await connections.get(env.realmId))?.pipedrive).toEqual(elsewhere);
    expect(await new TokenStore(env.table).read(env.realmId, 'pipedrive')).toEqual(tokensBefore);
    expect(await new ConnectionChanges(env.table).history(env.realmId)).toEqual([]);

    const query = await consent(await open('pipedrive', { realmId: env.realmId, replace: true }));
    const { result: moved, output } = await captureStdout(() => get('/oauth/pipedrive/callback', query));
    expect(moved.statusCode).toBe(200);
    const companyId = new URL(env.pipedrive.describe().apiBaseUrl).host;
    expect((await connections.get(env.realmId))?.pipedrive?.companyId).toBe(companyId);
    expect(await new ConnectionChanges(env.table).history(env.realmId)).toEqual([
      expect.objectContaining({ change: 'pipedrive-company', from: 'victim-company.pipedrive.com', to: companyId }),
    ]);
    expect(output).toContain('ConnectionsReplaced');
  });
});
