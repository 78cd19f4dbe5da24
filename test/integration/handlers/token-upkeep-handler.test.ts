import { ConnectionStore } from '../../../functions/store/connections';
import { TokenStore } from '../../../functions/store/token-store';
import { type FunctionEnvironment, startFunctionEnvironment } from '../../helpers/function-environment';
import { lambdaContext, loadHandler } from '../../helpers/lambda-env';
import { control } from '../../helpers/quickbooks-sandbox';

let env: FunctionEnvironment;
let handler: (event: unknown, context: unknown) => Promise<unknown>;
type Report = {
  checked: number;
  refreshed: number;
  failed: number;
  needsReauth: number;
  minRefreshTokenLifeMs?: number;
};

beforeAll(async () => {
  env = await startFunctionEnvironment();
  handler = loadHandler(require.resolve('../../../functions/handlers/token-upkeep'));
});
afterAll(() => env.close());

async function setExpiry(accessInMs: number, refreshInMs?: number): Promise<void> {
  const store = new TokenStore(env.table);
  const stored = await store.read(env.realmId, 'quickbooks');
  await store.replace(
    env.realmId,
    'quickbooks',
    {
      ciphertext: stored?.ciphertext ?? '',
      accessTokenExpiresAt: Date.now() + accessInMs,
      ...(refreshInMs !== undefined ? { refreshTokenExpiresAt: Date.now() + refreshInMs } : {}),
    },
    Date.now(),
  );
}
const refreshes = () => env.qbo.state.counters.get('oauth.refreshes', env.realmId);

describe('token-upkeep Lambda', () => {
  it('leaves fresh tokens alone', async () => {
    await setExpiry(3_000_000, 90 * 86_400_000);
    expect(await handler({}, lambdaContext('token-upkeep'))).toMatchObject({ checked: 1, refreshed: 0 });
  });

  it('refreshes an access token about to expire, and an idle refresh token near the end of its window', async () => {
    const before = refreshes();
    await setExpiry(5 * 60_000, 90 * 86_400_000);
    expect(await handler({}, lambdaContext('token-upkeep'))).toMatchObject({ refreshed: 1, failed: 0 });
    await setExpiry(3_000_000, 20 * 86_400_000);
    const report = (await handler({}, lambdaContext('token-upkeep'))) as Report;
    expect(report.refreshed).toBe(1);
    expect(refreshes()).toBe(before + 2);
    const stored = await new TokenStore(env.table).read(env.realmId, 'quickbooks');
    expect((stored?.refreshTokenExpiresAt ?? 0) - Date.now()).toBeGreaterThan(90 * 86_400_000);
  });

  it('reports a dead grant as a failure and marks the connection needs_reauth', async () => {
    await control(env.qbo, 'POST', '/oauth/revoke-realm', { realmId: env.realmId });
    await setExpiry(60_000, 90 * 86_400_000);
    expect(await handler({}, lambdaContext('token-upkeep'))).toMatchObject({ failed: 1, needsReauth: 1 });
    expect((await new ConnectionStore(env.table).get(env.realmId))?.status).toBe('needs_reauth');
  });
});
