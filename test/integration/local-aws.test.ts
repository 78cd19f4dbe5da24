import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startHttpApiFront } from '../../local/aws/http-api-front';
import { startSqsEventSource } from '../../local/aws/sqs-event-source';
import { createFifoQueue, localSqsClient } from '../helpers/sqs';

describe('the local SQS event source', () => {
  const sqs = localSqsClient();

  it('deletes what the handler processed and lets reported failures come back until the DLQ takes them', async () => {
    // A 1 s visibility timeout: fauxqs does not release a FIFO group on ChangeMessageVisibility(0), so the
    // failed record comes back by the queue's own timer (the only wait in this test).
    const { url, dlqUrl } = await createFifoQueue(sqs, { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: ['ok-1', 'ok-2', 'poison'].map((body, i) => ({
          Id: `m${i}`,
          MessageBody: body,
          MessageGroupId: body,
          MessageDeduplicationId: body,
        })),
      }),
    );
    const seen: string[] = [];
    const source = startSqsEventSource({
      sqs,
      queueUrl: url,
      batchSize: 10,
      maxConcurrency: 2,
      waitTimeSeconds: 1,
      context: () => ({}),
      handler: (event) => {
        seen.push(...event.Records.map((r) => r.body));
        return Promise.resolve({
          batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({
            itemIdentifier: r.messageId,
          })),
        });
      },
    });
    let dead: string[] = [];
    for (let i = 0; i < 10 && dead.length === 0; i++) {
      const page = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      dead = (page.Messages ?? []).map((m) => m.Body ?? '');
    }
    await source.stop();
    expect(dead).toEqual(['poison']);
    expect(seen.filter((body) => body.startsWith('ok')).sort()).toEqual(['ok-1', 'ok-2']);
    expect(seen.filter((body) => body === 'poison').length).toBeGreaterThanOrEqual(2);
  });
});

describe('the local HTTP API front', () => {
  it('turns requests into payload-2.0 events (binary bodies base64) and results into responses', async () => {
    const events: APIGatewayProxyEventV2[] = [];
    const front = await startHttpApiFront(
      [
        {
          method: 'POST',
          path: '/webhooks/quickbooks',
          handler: (event) => {
            events.push(event);
            return Promise.resolve({ statusCode: 202, headers: { 'x-seen': 'yes' }, body: '{"ok":true}' });
          },
        },
        {
          method: 'GET',
          path: '/oauth/{provider}/{step}',
          handler: (event) => Promise.resolve({ statusCode: 200, body: JSON.stringify(event.pathParameters) }),
        },
      ],
      { context: () => ({}) },
    );
    try {
      const posted = await fetch(`${front.url}/webhooks/quickbooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json', 'Intuit-Signature': 'sig' },
        body: '[{"id":"1"}]',
      });
      expect(posted.status).toBe(202);
      expect(posted.headers.get('x-seen')).toBe('yes');
      expect(events[0]).toMatchObject({
        version: '2.0',
        rawPath: '/webhooks/quickbooks',
        isBase64Encoded: false,
        body: '[{"id":"1"}]',
        headers: { 'intuit-signature': 'sig' },
      });
      await fetch(`${front.url}/webhooks/quickbooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from([0, 1, 2]),
      });
      expect(events[1]).toMatchObject({ isBase64Encoded: true, body: 'AAEC' });
      const oauth = await fetch(`${front.url}/oauth/quickbooks/callback?code=x&state=y`);
      expect(await oauth.json()).toEqual({ provider: 'quickbooks', step: 'callback' });
      expect((await fetch(`${front.url}/nowhere`)).status).toBe(404);
    } finally {
      await front.close();
    }
  });
});
