import type { QuickBooksSandbox } from '../../../local/quickbooks';
import { readReference, readReferenceJson } from '../../../local/quickbooks/seed';
import { signWebhookBody } from '../../../local/quickbooks/webhook-signature';
import { json, type RunningServer, serve } from '../../../local/shared/http';
import { control, startTestQuickBooks } from '../../helpers/quickbooks-sandbox';

interface Received {
  contentType: string | undefined;
  signature: string | undefined;
  raw: string;
}

/** A webhook receiver whose answers a test scripts. */
async function startReceiver(): Promise<{ server: RunningServer; received: Received[]; answers: number[] }> {
  const received: Received[] = [];
  const answers: number[] = [];
  const server = await serve((request) => {
    const signature = request.headers['intuit-signature'];
    received.push({
      contentType: request.headers['content-type'],
      signature: Array.isArray(signature) ? signature[0] : signature,
      raw: request.rawBody.toString('utf8'),
    });
    return json(answers.shift() ?? 200, {});
  });
  return { server, received, answers };
}

type Legacy = {
  eventNotifications: {
    realmId: string;
    dataChangeEvent: {
      entities: { name: string; id: string; operation: string; lastUpdated: string; deletedId?: string }[];
    };
  }[];
};
type CloudEvent = {
  id: string;
  type: string;
  intuitentityid: string;
  intuitaccountid: string;
  data?: { deletedid?: string };
};

describe('QBO sandbox webhooks', () => {
  let sandbox: QuickBooksSandbox;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let realm: string;

  beforeEach(async () => {
    receiver = await startReceiver();
    sandbox = await startTestQuickBooks({ webhooks: { url: `${receiver.server.url}/webhooks/quickbooks` } });
    realm = sandbox.describe().realmId;
  });
  afterEach(async () => {
    await sandbox.close();
    await receiver.server.close();
  });

  const createCustomer = async (name: string) =>
    (
      (await control(sandbox, 'POST', `/realms/${realm}/customers`, { DisplayName: name })).body as {
        Customer: { Id: string };
      }
    ).Customer.Id;
  const flush = () => sandbox.state.webhooks.pump();

  it('delivers a change in the legacy format, signed over the raw body with the verifier token', async () => {
    const id = await createCustomer('Webhook Co');
    await flush();
    expect(receiver.received).toHaveLength(1);
    const delivery = receiver.received[0];
    expect(delivery?.contentType).toBe('application/json');
    expect(delivery?.signature).toBe(signWebhookBody(delivery?.raw ?? '', sandbox.describe().verifierToken));
    const body = JSON.parse(delivery?.raw ?? '') as Legacy;
    expect(body.eventNotifications[0]?.realmId).toBe(realm);
    expect(body.eventNotifications[0]?.dataChangeEvent.entities).toEqual([
      { name: 'Customer', id, operation: 'Create', lastUpdated: '2026-07-01T12:00:00.000Z' },
    ]);
    // Same keys as Intuit's documented sample.
    const sample = readReference('webhook-legacy.json') as unknown as Legacy;
    expect(Object.keys(body.eventNotifications[0]?.dataChangeEvent.entities[0] ?? {}).sort()).toEqual(
      Object.keys(sample.eventNotifications[0]?.dataChangeEvent.entities[0] ?? {}).sort(),
    );
  });

  it('delivers CloudEvents as an application/cloudevents+json array, with merges carrying data.deletedid', async () => {
    sandbox.state.webhooks.configure({ format: 'cloudevents' });
    const loser = await createCustomer('Loser Co');
    const survivor = await createCustomer('Survivor Co');
    await flush();
    await control(sandbox, 'POST', `/realms/${realm}/customers/${loser}/merge`, { into: survivor });
    await flush();
    expect(new Set(receiver.received.map((r) => r.contentType))).toEqual(new Set(['application/cloudevents+json']));
    const events = receiver.received.flatMap((r) => JSON.parse(r.raw) as CloudEvent[]);
    expect(events.map((e) => e.type)).toEqual([
      'qbo.customer.created.v1',
      'qbo.customer.created.v1',
      'qbo.customer.merged.v1',
    ]);
    const merged = events[2];
    expect(merged).toMatchObject({ intuitentityid: survivor, intuitaccountid: realm, data: { deletedid: loser } });
    const sample = (readReferenceJson('webhook-cloudevents.json') as unknown as CloudEvent[])[0];
    expect(Object.keys(merged ?? {}).sort()).toEqual(Object.keys(sample ?? {}).sort());
    expect(receiver.received[0]?.signature).toBe(
      signWebhookBody(receiver.received[0]?.raw ?? '', sandbox.describe().verifierToken),
    );
  });

  it('announces invoices, payments, deactivations and updates with their entity and operation', async () => {
    const id = await createCustomer('Books Co');
    await control(sandbox, 'POST', `/realms/${realm}/invoices`, { customerId: id, amount: 100 });
    await control(sandbox, 'POST', `/realms/${realm}/payments`, { customerId: id, amount: 40 });
    await control(sandbox, 'PATCH', `/realms/${realm}/customers/${id}`, { CompanyName: 'Books Co Ltd' });
    await control(sandbox, 'POST', `/realms/${realm}/customers/${id}/deactivate`);
    await flush();
    const entities = receiver.received.flatMap(
      (r) => (JSON.parse(r.raw) as Legacy).eventNotifications[0]?.dataChangeEvent.entities ?? [],
    );
    expect(entities.map((e) => `${e.name} ${e.operation}`)).toEqual([
      'Customer Create',
      'Invoice Create',
      'Payment Create',
      'Invoice Update',
      'Customer Update',
      'Customer Update',
    ]);
  });

  it('gathers the changes of a batching window into one delivery', async () => {
    sandbox.state.webhooks.configure({ batchWindowMs: 60_000 });
    await createCustomer('One');
    await createCustomer('Two');
    await flush();
    expect(receiver.received).toHaveLength(0);
    sandbox.clock.advance(60_000);
    await flush();
    expect(receiver.received).toHaveLength(1);
    expect(
      (JSON.parse(receiver.received[0]?.raw ?? '') as Legacy).eventNotifications[0]?.dataChangeEvent.entities,
    ).toHaveLength(2);
  });

  it("retries a failed delivery on Intuit's schedule and holds later events back until it is acknowledged", async () => {
    receiver.answers.push(500, 503);
    await createCustomer('First');
    await flush();
    expect(receiver.received).toHaveLength(1);
    await createCustomer('Second');
    await flush();
    expect(receiver.received).toHaveLength(1);
    expect(sandbox.state.webhooks.backlog()).toMatchObject({ pending: 2 });

    sandbox.clock.advance(9_999);
    await flush();
    expect(receiver.received).toHaveLength(1);
    sandbox.clock.advance(1);
    await flush();
    expect(receiver.received).toHaveLength(2); // second attempt, answered 503
    sandbox.clock.advance(20_000);
    await flush();
    // Third attempt succeeds; then the held-back event goes out.
    expect(receiver.received).toHaveLength(4);
    expect(receiver.received[0]?.raw).toBe(receiver.received[2]?.raw);
    const last = JSON.parse(receiver.received[3]?.raw ?? '') as Legacy;
    expect(last.eventNotifications[0]?.dataChangeEvent.entities[0]?.id).not.toBe(
      (JSON.parse(receiver.received[0]?.raw ?? '') as Legacy).eventNotifications[0]?.dataChangeEvent.entities[0]?.id,
    );
    const deliveries = (await control(sandbox, 'GET', '/webhooks/deliveries')).body as {
      attempts: { attempt: number; status: number }[];
    };
    expect(deliveries.attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
      [1, 200],
    ]);
  });

  it('treats a receiver that does not answer in time as a failure', async () => {
    sandbox.state.webhooks.configure({ url: 'http://127.0.0.1:9/unreachable' });
    await createCustomer('Nobody home');
    await flush();
    expect(sandbox.state.webhooks.attempts[0]?.error).toBeDefined();
    expect(sandbox.state.webhooks.backlog().pending).toBe(1);
  });

  it('drops events when asked to', async () => {
    sandbox.state.webhooks.configure({ dropProbability: 1 });
    await createCustomer('Lost');
    await flush();
    expect(receiver.received).toHaveLength(0);
    const counters = (await control(sandbox, 'GET', '/counters')).body as Record<string, Record<string, number>>;
    expect(counters['webhook.dropped']?.[realm]).toBe(1);
  });

  it('duplicates a delivery with the same CloudEvents ids when asked to', async () => {
    sandbox.state.webhooks.configure({ format: 'cloudevents', duplicateProbability: 1 });
    await createCustomer('Twice');
    await flush();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]?.raw).toBe(receiver.received[1]?.raw);
  });

  it('reorders the events of a delivery when asked to', async () => {
    sandbox.state.webhooks.configure({ batchWindowMs: 1000, reorderProbability: 1, seed: 3 });
    for (let i = 0; i < 8; i++) await createCustomer(`Ordered ${i}`);
    sandbox.clock.advance(1000);
    await flush();
    const ids =
      (JSON.parse(receiver.received[0]?.raw ?? '') as Legacy).eventNotifications[0]?.dataChangeEvent.entities.map((e) =>
        Number(e.id),
      ) ?? [];
    expect(ids).toHaveLength(8);
    expect(ids).not.toEqual([...ids].sort((a, b) => a - b));
  });

  it('sends one realm per legacy notification, and several realms per CloudEvents POST when configured', async () => {
    const other = ((await control(sandbox, 'POST', '/realms', { companyName: 'Second' })).body as { realmId: string })
      .realmId;
    sandbox.state.webhooks.configure({ batchWindowMs: 1000 });
    await createCustomer('Realm one');
    await control(sandbox, 'POST', `/realms/${other}/customers`, { DisplayName: 'Realm two' });
    sandbox.clock.advance(1000);
    await flush();
    sandbox.clock.advance(1000);
    await flush();
    expect(
      receiver.received.map((r) => (JSON.parse(r.raw) as Legacy).eventNotifications.map((n) => n.realmId)),
    ).toEqual([[realm], [other]]);

    receiver.received.length = 0;
    sandbox.state.webhooks.configure({ format: 'cloudevents', multiRealm: true });
    await createCustomer('Realm one again');
    await control(sandbox, 'POST', `/realms/${other}/customers`, { DisplayName: 'Realm two again' });
    sandbox.clock.advance(1000);
    await flush();
    expect(receiver.received).toHaveLength(1);
    expect((JSON.parse(receiver.received[0]?.raw ?? '') as CloudEvent[]).map((e) => e.intuitaccountid)).toEqual([
      realm,
      other,
    ]);
  });
});
