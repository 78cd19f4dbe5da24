import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { newWebhookCredentials } from '../../../functions/connections/pipedrive-webhook-credentials';
import { ConnectionStore } from '../../../functions/store/connections';
import { OrganizationEventMessage } from '../../../functions/sync/organization-event';
import { createTestTable, localDocumentClient } from '../../helpers/dynamodb';
import { loadHandler, useLocalAwsEnvironment } from '../../helpers/lambda-env';
import { createFifoQueue, localSqsClient } from '../../helpers/sqs';

const REALM = '4620816365258922222';
const OTHER_REALM = '4620816365258933333';
const sqs = localSqsClient();

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body?: string }>;
let handler: Handler;
let queueUrl: string;
let credentials: ReturnType<typeof newWebhookCredentials>;
let otherCredentials: ReturnType<typeof newWebhookCredentials>;

beforeAll(async () => {
  const tableName = await createTestTable();
  const connections = new ConnectionStore({ client: localDocumentClient(), name: tableName });
  credentials = newWebhookCredentials();
  otherCredentials = newWebhookCredentials();
  for (const [realm, stored] of [
    [REALM, credentials.stored],
    [OTHER_REALM, otherCredentials.stored],
  ] as const) {
    await connections.create(realm, Date.now());
    await connections.setPipedriveWebhook(realm, { id: 7, ...stored }, Date.now());
  }
  queueUrl = (await createFifoQueue(sqs)).url;
  useLocalAwsEnvironment({
    TABLE_NAME: tableName,
    CHANGES_QUEUE_URL: queueUrl,
    WEBHOOK_VERIFIER_TOKENS: 'unused-verifier-token',
    MAX_WEBHOOK_BYTES: '4096',
  });
  handler = loadHandler(require.resolve('../../../functions/handlers/webhook')) as Handler;
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const httpEvent = (realmId: string, body: string, authorization?: string) => ({
  version: '2.0',
  routeKey: 'POST /webhooks/pipedrive/{realmId}',
  rawPath: `/webhooks/pipedrive/${realmId}`,
  pathParameters: { realmId },
  headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
  body,
  isBase64Encoded: false,
  requestContext: { http: { method: 'POST', path: `/webhooks/pipedrive/${realmId}` } },
});

/** The documented v2 envelope (webhook-v2-envelope.json) of an organization change, ids as strings. */
const delivery = (id: string, overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    meta: {
      action: 'change',
      entity: 'organization',
      company_id: '1234',
      correlation_id: 'c0ffee00-0000-4000-8000-000000000000',
      entity_id: '42',
      id,
      is_bulk_edit: false,
      timestamp: '2026-12-03T00:00:00.000Z',
      type: 'general',
      user_id: '9',
      version: '2.0',
      webhook_id: '7',
      webhook_owner_id: '9',
      change_source: 'app',
      attempt: 1,
      host: 'company.pipedrive.com',
      permitted_user_ids: ['9'],
      ...overrides,
    },
    data: { id: '42', name: 'Acme', custom_fields: { abc123: { value: 1.23, currency: 'USD' } } },
    previous: { custom_fields: { abc123: { value: 12258.8, currency: 'USD' } } },
  });

async function drain(): Promise<OrganizationEventMessage[]> {
  const out: OrganizationEventMessage[] = [];
  for (;;) {
    const page = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
    );
    if (!page.Messages?.length) return out;
    for (const m of page.Messages) {
      out.push(OrganizationEventMessage.parse(JSON.parse(m.Body ?? '{}')));
      // A FIFO group holds back its next message while one is in flight: acknowledge each.
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

describe('the webhook function on the Pipedrive route (decision 63)', () => {
  it.each([
    ['no Authorization header', REALM, undefined],
    ['a wrong password', REALM, () => basic(credentials.user, `${credentials.password}x`)],
    ['another connection’s credentials', REALM, () => basic(otherCredentials.user, otherCredentials.password)],
    ['a connection without a webhook', '999', () => basic(credentials.user, credentials.password)],
    ['a bearer token', REALM, () => `Bearer ${credentials.password}`],
  ])('answers 401 and enqueues nothing for %s', async (_what, realm, authorization) => {
    const response = await handler(httpEvent(realm, delivery('evt-401'), authorization?.()), {});
    expect(response.statusCode).toBe(401);
    expect(await drain()).toEqual([]);
  });

  it.each([
    ['not JSON', '{"meta":'],
    [
      'a v1 payload',
      JSON.stringify({ meta: { id: 'x', action: 'updated', object: 'organization', v: 1 }, current: {} }),
    ],
    ['no organization id', delivery('evt-400', { entity_id: 'not-a-number' })],
  ])('answers 400 and enqueues nothing for %s', async (_what, body) => {
    const response = await handler(httpEvent(REALM, body, basic(credentials.user, credentials.password)), {});
    expect(response.statusCode).toBe(400);
    expect(await drain()).toEqual([]);
  });

  it('acknowledges another entity without enqueueing it', async () => {
    const response = await handler(
      httpEvent(REALM, delivery('evt-deal', { entity: 'deal' }), basic(credentials.user, credentials.password)),
      {},
    );
    expect(response.statusCode).toBe(200);
    expect(await drain()).toEqual([]);
  });

  it('enqueues one organization event per delivery, and a redelivery of the same meta.id once', async () => {
    const authorization = basic(credentials.user, credentials.password);
    const first = await handler(httpEvent(REALM, delivery('evt-good'), authorization), {});
    const retried = await handler(httpEvent(REALM, delivery('evt-good', { attempt: 2 }), authorization), {});
    expect([first.statusCode, retried.statusCode]).toEqual([200, 200]);
    const messages = await drain();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      type: 'pipedrive-organization',
      realmId: REALM,
      event: {
        id: 'evt-good',
        action: 'change',
        orgId: 42,
        current: { name: 'Acme', customFields: { abc123: { value: 1.23, currency: 'USD' } } },
        previousCustomFields: { abc123: { value: 12258.8, currency: 'USD' } },
      },
    });
  });

  it('reads numeric ids and a merge’s merged_to_id as well as strings', async () => {
    const body = JSON.stringify({
      meta: {
        id: 'evt-merge',
        action: 'delete',
        entity: 'organization',
        entity_id: 35,
        version: '2.0',
        merged_to_id: 10,
      },
      data: null,
      previous: { id: 35, name: 'Merged Away' },
    });
    const response = await handler(httpEvent(REALM, body, basic(credentials.user, credentials.password)), {});
    expect(response.statusCode).toBe(200);
    expect((await drain()).map((message) => message.event)).toEqual([
      { id: 'evt-merge', action: 'delete', orgId: 35, mergedToId: 10 },
    ]);
  });
});
