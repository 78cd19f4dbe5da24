import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PipedriveClient } from '../../functions/pipedrive/client';
import type { PipedriveSandbox } from '../../local/pipedrive';
import { guardPipedriveConformance } from '../helpers/pipedrive-conformance-guard';
import { client, createField, startTestSandbox, type Client } from './pipedrive-sandbox-helpers';

const conformance = guardPipedriveConformance();

interface Received {
  authorization: string | undefined;
  body: {
    meta: Record<string, unknown>;
    data: Record<string, unknown> | null;
    previous: Record<string, unknown> | null;
  };
}

/** A subscription URL that records what it is sent and answers `status()`. */
async function receiver(
  status: () => number,
): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        authorization: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
      });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/pipedrive/9130`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

let sandbox: PipedriveSandbox;
let api: Client;
beforeEach(async () => {
  sandbox = await startTestSandbox({ plan: 'growth' });
  api = client(sandbox);
});
afterEach(() => sandbox.close());

const subscribe = (url: string, overrides: Record<string, unknown> = {}) =>
  api.post<{ id: number }>('/api/v1/webhooks', {
    subscription_url: url,
    event_action: '*',
    event_object: 'organization',
    name: 'ml-connector 9130',
    http_auth_user: 'ml-connector',
    http_auth_password: 's3cret',
    version: '2.0',
    ...overrides,
  });

describe('the Pipedrive sandbox’s webhooks (decision 63)', () => {
  it('creates, lists and deletes webhooks as the v1 spec says', async () => {
    const created = await subscribe('https://example.org/hook');
    expect(created.status).toBe(201);
    expect((await api.get<{ id: number }[]>('/api/v1/webhooks')).body.data.map((webhook) => webhook.id)).toEqual([
      created.body.data.id,
    ]);
    expect((await api.delete(`/api/v1/webhooks/${created.body.data.id}`)).status).toBe(200);
    expect((await api.get<unknown[]>('/api/v1/webhooks')).body.data).toEqual([]);
    expect((await api.delete(`/api/v1/webhooks/${created.body.data.id}`)).status).toBe(404);
  });

  it('delivers the documented v2 payload with Basic auth for a create, a change, a delete and a merge', async () => {
    const hook = await receiver(() => 200);
    try {
      const key = await createField(api, { field_name: 'QuickBooks ID', field_type: 'varchar' });
      await subscribe(hook.url);
      const org = (
        await api.post<{ id: number }>('/api/v2/organizations', { name: 'Acme', custom_fields: { [key]: '9130:30' } })
      ).body.data.id;
      const other = (await api.post<{ id: number }>('/api/v2/organizations', { name: 'Sales team' })).body.data.id;
      await api.patch(`/api/v2/organizations/${org}`, { name: 'Acme Inc' });
      await api.put(`/api/v1/organizations/${org}/merge`, { merge_with_id: other });
      const gone = (await api.post<{ id: number }>('/api/v2/organizations', { name: 'Junk' })).body.data.id;
      await api.delete(`/api/v2/organizations/${gone}`);
      await sandbox.webhooks.settled();

      expect(
        hook.received.every(
          (delivery) => delivery.authorization === `Basic ${Buffer.from('ml-connector:s3cret').toString('base64')}`,
        ),
      ).toBe(true);
      expect(hook.received.map(({ body }) => [body.meta.action, body.meta.entity_id])).toEqual([
        ['create', String(org)],
        ['create', String(other)],
        ['change', String(org)],
        // A merge: the loser's delete naming the survivor, then the survivor's change.
        ['delete', String(org)],
        ['change', String(other)],
        ['create', String(gone)],
        ['delete', String(gone)],
      ]);
      const [create, , change, mergeDelete, mergeChange, , remove] = hook.received.map(({ body }) => body);
      expect(create?.meta).toMatchObject({
        entity: 'organization',
        version: '2.0',
        attempt: 1,
      });
      expect(typeof create?.meta.company_id).toBe('string');
      expect(create?.data).toMatchObject({ id: String(org), name: 'Acme', custom_fields: { [key]: '9130:30' } });
      expect(create?.data).not.toHaveProperty('address');
      expect(create?.previous).toBeNull();
      // `previous` holds only what changed.
      expect(change?.previous).toEqual({ name: 'Acme' });
      expect(mergeDelete).toMatchObject({
        meta: { merged_to_id: String(other) },
        data: null,
        previous: { name: 'Acme Inc' },
      });
      expect(mergeChange?.meta).toMatchObject({ merged_from_id: String(org) });
      expect(mergeChange?.data).toMatchObject({ custom_fields: { [key]: '9130:30' } });
      expect(remove).toMatchObject({ data: null, previous: { id: String(gone), name: 'Junk' } });
      expect(new Set(hook.received.map(({ body }) => body.meta.id)).size).toBe(hook.received.length);
    } finally {
      await hook.close();
    }
  });

  it('retries a failed delivery after 3, 30 and 150 s on the sandbox clock, with the same meta.id', async () => {
    const hook = await receiver(() => 500);
    try {
      await subscribe(hook.url);
      await api.post('/api/v2/organizations', { name: 'Acme' });
      await sandbox.webhooks.settled();
      expect(hook.received).toHaveLength(1);
      for (const [seconds, attempts] of [
        [2, 1],
        [1, 2],
        [30, 3],
        [150, 4],
        [1_000, 4],
      ] as const) {
        sandbox.clock.advance(seconds * 1000);
        await sandbox.webhooks.settled();
        expect(hook.received).toHaveLength(attempts);
      }
      expect(hook.received.map(({ body }) => body.meta.attempt)).toEqual([1, 2, 3, 4]);
      expect(new Set(hook.received.map(({ body }) => body.meta.id)).size).toBe(1);
    } finally {
      await hook.close();
    }
  });

  it('accepts the webhook requests the connector’s client sends (spec-checked)', async () => {
    const pipedrive = new PipedriveClient(
      { apiDomain: sandbox.url, allowHosts: [new URL(sandbox.url).host], timeoutMs: 5_000 },
      { kind: 'api-token', apiToken: sandbox.describe().apiToken },
      { run: (_operation, send) => send() },
    );
    const id = await pipedrive.createOrganizationWebhook({
      subscriptionUrl: 'https://connector.example/webhooks/pipedrive/9130',
      name: 'ml-connector 9130',
      httpAuthUser: 'ml-connector',
      httpAuthPassword: 'random',
    });
    expect([...sandbox.webhooks.subscriptions.values()]).toEqual([
      expect.objectContaining({ id, eventObject: 'organization', eventAction: '*', version: '2.0' }),
    ]);
    await pipedrive.deleteWebhook(id);
    expect(sandbox.webhooks.subscriptions.size).toBe(0);
    conformance.expectConforming();
  });
});
