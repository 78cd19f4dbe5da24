import { ConnectionStore } from '../../functions/store/connections';
import { LinkStore } from '../../functions/store/link-store';
import { ParkingStore } from '../../functions/store/parking-store';
import { tableNamed } from '../../functions/store/table-client';
import { TokenStore } from '../../functions/store/token-store';
import { guardPipedriveConformance } from '../helpers/pipedrive-conformance-guard';
import { control } from '../helpers/quickbooks-sandbox';
import { openInBrowser, startCliStack } from './cli-stack';
import { untilWithin } from '../helpers/until';

const conformance = guardPipedriveConformance();

type Started = Awaited<ReturnType<typeof startCliStack>>;

const until = untilWithin(90_000);

/** Issue 19 item 3 (decision 63): the webhook `connect pipedrive` registered is removed on disconnect. */
describe('ml-connector disconnect pipedrive on the local stack', () => {
  let started: Started;
  beforeAll(async () => {
    started = await startCliStack(1, { pipedriveWebhooks: true });
  }, 60_000);
  afterAll(() => started.stack.close());

  it('deletes the webhook, revokes the grant, forgets the credential and parks changes; connecting again resumes them', async () => {
    const { stack, cli } = started;
    const { realmId } = await stack.connect();
    const table = tableNamed(stack.tableName);
    const connections = new ConnectionStore(table);
    const webhooks = stack.pipedrive.webhooks.subscriptions;
    const [registered] = [...webhooks.values()];
    expect(registered).toBeDefined();
    expect((await connections.get(realmId))?.pipedriveWebhook?.id).toBe(registered?.id);

    expect((await cli('status')).out).toContain('organization webhook registered');

    // A script must say --yes: nothing changes without it.
    const unconfirmed = await cli('disconnect', 'pipedrive');
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.err).toContain('--yes');
    expect(webhooks.size).toBe(1);
    expect((await connections.get(realmId))?.status).toBe('active');

    const disconnected = await cli('disconnect', 'pipedrive', '--yes', '--json');
    expect(disconnected.code).toBe(0);
    expect(JSON.parse(disconnected.out)).toEqual({ realmId, webhookRemoved: true, grantRevoked: true });
    // Deleted in Pipedrive (`DELETE /v1/webhooks/{id}`), the grant revoked at its OAuth server, nothing kept here.
    expect(webhooks.size).toBe(0);
    expect([...stack.pipedrive.store.refreshTokens.values()].every((grant) => grant.revoked)).toBe(true);
    expect(await new TokenStore(table).read(realmId, 'pipedrive')).toBeUndefined();
    const paused = await connections.get(realmId);
    expect(paused).toMatchObject({
      status: 'paused',
      statusReason: expect.stringContaining('connect pipedrive') as unknown,
    });
    expect(paused?.pipedriveWebhook).toBeUndefined();
    // The old webhook's credentials open nothing any more.
    const delivery = await fetch(new URL(`/webhooks/pipedrive/${realmId}`, stack.url), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${registered?.httpAuthUser}:${registered?.httpAuthPassword}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ meta: { action: 'change', entity: 'organization', entity_id: '1', id: 'x' } }),
    });
    expect(delivery.status).toBe(401);
    const status = await cli('status');
    expect(status.out).toContain('connect pipedrive');
    expect(status.out).toContain('no organization webhook');

    // A QuickBooks change meanwhile waits parked; nothing is written into Pipedrive.
    const organizations = stack.pipedrive.store.organizations.size;
    const created = await control(stack.qbo, 'POST', `/realms/${realmId}/customers`, {
      DisplayName: 'While Disconnected Co',
    });
    const customerId = (created.body as { Customer: { Id: string } }).Customer.Id;
    const parking = new ParkingStore(table);
    await until(async () => {
      await stack.qbo.state.webhooks.pump();
      return (await parking.count(realmId)) > 0;
    }, 'the change parked');
    expect(stack.pipedrive.store.organizations.size).toBe(organizations);

    // Connecting Pipedrive again makes the connection active, registers a new webhook and sends the change on.
    const connect = await cli('connect', 'pipedrive', '--json');
    expect(connect.code).toBe(0);
    await openInBrowser((JSON.parse(connect.out) as { url: string }).url);
    expect((await connections.get(realmId))?.status).toBe('active');
    expect(webhooks.size).toBe(1);
    const links = new LinkStore(table);
    await until(async () => (await links.get(realmId, customerId))?.state === 'synced', 'the parked change synced');
    expect(await parking.count(realmId)).toBe(0);
    conformance.expectConforming();
  }, 180_000);
});
