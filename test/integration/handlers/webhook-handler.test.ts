import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createHmac } from 'node:crypto';
import { ConnectionStore } from '../../../functions/store/connections';
import { SyncMessage } from '../../../functions/sync/sync-message';
import { createTestTable, localDocumentClient } from '../../helpers/dynamodb';
import {
  captureOutput,
  captureStdout,
  lambdaContext,
  loadHandler,
  useLocalAwsEnvironment,
} from '../../helpers/lambda-env';
import { createFifoQueue, localSqsClient } from '../../helpers/sqs';

const TOKENS = 'old-verifier-token,new-verifier-token';
const REALM = '4620816365258911111';
const sign = (body: string, token = 'new-verifier-token') => createHmac('sha256', token).update(body).digest('base64');
const sqs = localSqsClient();

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body?: string }>;
let handler: Handler;
let queueUrl: string;

beforeAll(async () => {
  const tableName = await createTestTable();
  await new ConnectionStore({ client: localDocumentClient(), name: tableName }).create(REALM, Date.now());
  queueUrl = (await createFifoQueue(sqs)).url;
  useLocalAwsEnvironment({
    TABLE_NAME: tableName,
    CHANGES_QUEUE_URL: queueUrl,
    WEBHOOK_VERIFIER_TOKENS: TOKENS,
    MAX_WEBHOOK_BYTES: '4096',
  });
  handler = loadHandler(require.resolve('../../../functions/handlers/webhook')) as Handler;
});

const httpEvent = (body: string, headers: Record<string, string>, isBase64Encoded = false) => ({
  version: '2.0',
  routeKey: 'POST /webhooks/quickbooks',
  rawPath: '/webhooks/quickbooks',
  headers,
  body: isBase64Encoded ? Buffer.from(body).toString('base64') : body,
  isBase64Encoded,
  requestContext: { http: { method: 'POST', path: '/webhooks/quickbooks' } },
});

async function drain(): Promise<SyncMessage[]> {
  const out: SyncMessage[] = [];
  for (;;) {
    const page = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
    );
    if (!page.Messages?.length) return out;
    for (const m of page.Messages) out.push(SyncMessage.parse(JSON.parse(m.Body ?? '{}')));
  }
}

const legacyBody = (id: string) =>
  JSON.stringify({
    eventNotifications: [
      {
        realmId: REALM,
        dataChangeEvent: {
          entities: [{ name: 'Customer', id, operation: 'Update', lastUpdated: new Date().toISOString() }],
        },
      },
    ],
  });

describe('webhook Lambda', () => {
  it('verifies a base64-encoded body over its raw bytes and enqueues the change', async () => {
    const body = legacyBody('41');
    const response = await handler(
      httpEvent(body, { 'content-type': 'application/json', 'intuit-signature': sign(body) }, true),
      lambdaContext('webhook'),
    );
    expect(response).toMatchObject({ statusCode: 200, body: '{"accepted":1}' });
    expect((await drain()).map((m) => [m.realmId, m.id, m.source])).toEqual([[REALM, '41', 'webhook']]);
  });

  it('takes CloudEvents sent as application/cloudevents+json, signed with the older of two tokens', async () => {
    const body = JSON.stringify([
      {
        specversion: '1.0',
        id: 'ce-1',
        source: 'intuit.x',
        type: 'qbo.customer.created.v1',
        time: new Date().toISOString(),
        intuitentityid: '42',
        intuitaccountid: REALM,
      },
    ]);
    const response = await handler(
      httpEvent(body, {
        'Content-Type': 'application/cloudevents+json',
        'Intuit-Signature': sign(body, 'old-verifier-token'),
      }),
      lambdaContext('webhook'),
    );
    expect(response.statusCode).toBe(200);
    expect((await drain()).map((m) => m.id)).toEqual(['42']);
  });

  it('answers 401 to a bad signature and acknowledges a signed oversized body, enqueuing nothing', async () => {
    const body = legacyBody('43');
    expect(
      (await handler(httpEvent(body, { 'intuit-signature': sign(body, 'wrong') }), lambdaContext('webhook')))
        .statusCode,
    ).toBe(401);
    const big = JSON.stringify({ eventNotifications: [], padding: 'x'.repeat(5000) });
    expect(
      (await handler(httpEvent(big, { 'intuit-signature': sign(big, 'wrong') }), lambdaContext('webhook'))).statusCode,
    ).toBe(401);
    // Refused, Intuit would send it again for ever and hold back every later event (decision 56).
    expect(
      (await handler(httpEvent(big, { 'intuit-signature': sign(big) }), lambdaContext('webhook'))).statusCode,
    ).toBe(200);
    expect(await drain()).toEqual([]);
  });

  it('acknowledges events of a realm it does not serve', async () => {
    const body = legacyBody('44').replace(REALM, '999');
    expect(
      (await handler(httpEvent(body, { 'intuit-signature': sign(body) }), lambdaContext('webhook'))).statusCode,
    ).toBe(200);
    expect(await drain()).toEqual([]);
  });

  it('logs what happened without the body or the signature, and publishes EMF metrics', async () => {
    const good = legacyBody('45');
    const bad = legacyBody('43');
    const { output: text } = await captureStdout(async () => {
      await handler(httpEvent(good, { 'intuit-signature': sign(good) }), lambdaContext('webhook'));
      await handler(httpEvent(bad, { 'intuit-signature': sign(bad, 'wrong') }), lambdaContext('webhook'));
    });
    await drain();
    expect(text).toContain('"message":"webhook handled"');
    expect(text).toContain('"WebhookEventsReceived"');
    expect(text).not.toContain('eventNotifications');
    expect(text).not.toContain(sign(legacyBody('43'), 'wrong'));
  });

  it('acknowledges a signed item with an id that is not a QBO id as unreadable, audited without the body', async () => {
    const body = legacyBody('45 😀 ' + 'x'.repeat(150));
    const { result, output } = await captureOutput(() =>
      handler(httpEvent(body, { 'intuit-signature': sign(body) }), lambdaContext('webhook')),
    );
    expect(result.statusCode).toBe(200);
    expect(await drain()).toEqual([]);
    expect(output).toContain('webhook items unreadable');
    expect(output).toContain('"WebhookUnreadableItems":1');
    expect(output).not.toContain('😀');
  });
});
