import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { SqsMessageQueue } from '../../functions/aws/sqs-queue';
import { queued, SyncMessage } from '../../functions/sync/sync-message';
import { createFifoQueue, localSqsClient } from '../helpers/sqs';

const message = (id: string, eventId = `e-${id}`): SyncMessage => ({
  v: 1,
  realmId: 'r1',
  kind: 'customer',
  id,
  source: 'webhook',
  eventId,
  enqueuedAt: 1,
});

describe('SqsMessageQueue against the SQS emulator', () => {
  const client = localSqsClient();

  it('sends every message in batches of ten, grouped per customer, and drops redeliveries of the same event', async () => {
    const { url } = await createFifoQueue(client);
    const queue = new SqsMessageQueue(client, url);
    await queue.send(Array.from({ length: 23 }, (_, i) => queued(message(String(i)))));
    await queue.send([queued(message('0'))]);
    const received: SyncMessage[] = [];
    for (let i = 0; i < 10 && received.length < 23; i++) {
      const page = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      for (const m of page.Messages ?? []) received.push(SyncMessage.parse(JSON.parse(m.Body ?? '{}')));
    }
    expect(received.map((m) => m.id).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 23 }, (_, i) => String(i)),
    );
  });

  it("keeps each customer's messages in order while batches go out side by side", async () => {
    const { url } = await createFifoQueue(client);
    const queue = new SqsMessageQueue(client, url);
    // 40 customers with 5 events each, interleaved as a webhook delivery lists them.
    const sent = Array.from({ length: 200 }, (_, n) => message(String(n % 40), `e-${String(n)}`));
    await queue.send(sent.map(queued));
    const received: SyncMessage[] = [];
    for (let i = 0; i < 200 && received.length < 200; i++) {
      const page = await client.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
      );
      for (const m of page.Messages ?? []) {
        received.push(SyncMessage.parse(JSON.parse(m.Body ?? '{}')));
        // A FIFO group gives its next message only once this one is gone.
        await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    expect(received).toHaveLength(200);
    const order = (messages: SyncMessage[], id: string) => messages.filter((m) => m.id === id).map((m) => m.eventId);
    for (let id = 0; id < 40; id++) expect(order(received, String(id))).toEqual(order(sent, String(id)));
  });

  it('fails (so the webhook answers 500) when the queue does not exist', async () => {
    const queue = new SqsMessageQueue(client, 'http://127.0.0.1:1/000000000000/missing.fifo');
    await expect(queue.send([queued(message('1'))])).rejects.toThrow();
  });
});
