import { tableNamed } from '../../functions/store/table-client';
import { ConnectionStore } from '../../functions/store/connections';
import { ParkingStore } from '../../functions/store/parking-store';
import type { LocalStack } from '../../local/stack/local-stack';
import { control } from '../helpers/quickbooks-sandbox';
import { startTestStack } from './test-stack';

/** Decision 46: Pipedrive's uninstall DELETE, through the real OAuth route of the local stack. */
describe('a Pipedrive app uninstall', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack(2);
  }, 60_000);
  afterAll(() => stack.close());

  it('is refused without the app Basic auth, then disconnects the Pipedrive side and parks the work', async () => {
    const { realmId } = await stack.connect();
    const connections = new ConnectionStore(tableNamed(stack.tableName));
    const parking = new ParkingStore(tableNamed(stack.tableName));
    const callback = `${stack.url}/oauth/pipedrive/callback`;
    const { clientId, clientSecret } = stack.pipedrive.describe().oauth;
    const notice = JSON.stringify({
      client_id: clientId,
      company_id: stack.pipedrive.describe().companyId,
      user_id: 1,
    });
    const send = (authorization: string | undefined) =>
      fetch(callback, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: notice,
      });
    const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

    // A missing or wrong Basic auth changes nothing.
    expect((await send(undefined)).status).toBe(401);
    expect((await send(basic(clientId, `${clientSecret}x`))).status).toBe(401);
    expect((await send(basic(clientId, clientSecret.slice(0, -1)))).status).toBe(401);
    expect((await send(`Bearer ${clientSecret}`)).status).toBe(401);
    expect(await connections.get(realmId)).toMatchObject({ status: 'active' });

    // The sandbox uninstalls the app as Pipedrive's OAuth server does: a DELETE to the callback URL.
    const uninstall = await fetch(`${stack.pipedrive.describe().controlUrl}/uninstall`, { method: 'POST' });
    expect(await uninstall.json()).toEqual({ callbackUrl: callback, status: 200 });
    const disconnected = await connections.get(realmId);
    expect(disconnected?.status).toBe('needs_reauth');
    expect(disconnected?.statusReason).toMatch(/uninstalled/);

    // A change made after the uninstall is parked until someone installs the app again.
    await control(stack.qbo, 'POST', `/realms/${realmId}/customers`, { DisplayName: 'After Uninstall Co' });
    const deadline = Date.now() + 30_000;
    while ((await parking.count(realmId)) === 0) {
      if (Date.now() > deadline) throw new Error('nothing was parked');
      await stack.qbo.state.webhooks.pump();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await parking.count(realmId)).toBeGreaterThan(0);
  }, 90_000);
});
