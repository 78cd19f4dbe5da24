import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { drainDeadLetters } from '../../functions/aws/dead-letters';
import { createFifoQueue, localSqsClient } from '../helpers/sqs';

const sqs = localSqsClient();

async function deadLetter(url: string, realmId: string, id: string, eventId: string): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: JSON.stringify({ v: 1, realmId, kind: 'customer', id, source: 'cdc', eventId, enqueuedAt: 1 }),
      MessageGroupId: `${realmId}#${id}`,
      MessageDeduplicationId: eventId,
    }),
  );
}

describe('dead letters', () => {
  it('lists each dead message by customer without removing it, then moves all back in their groups', async () => {
    const { url: source, dlqUrl: dlq } = await createFifoQueue(sqs);
    for (const id of ['1', '2', '3']) await deadLetter(dlq, 'r1', id, `e-${id}`);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlq,
        MessageBody: 'not json',
        MessageGroupId: 'odd',
        MessageDeduplicationId: 'odd',
      }),
    );
    const queues = [{ name: 'changes DLQ', url: dlq, sourceUrl: source }];

    const listed = await drainDeadLetters(sqs, queues, { move: false });
    expect(listed.map((m) => m.id ?? 'unreadable').sort()).toEqual(['1', '2', '3', 'unreadable']);
    expect(listed.every((m) => m.queue === 'changes DLQ' && m.receiveCount >= 1)).toBe(true);

    const moved = await drainDeadLetters(sqs, queues, { move: true });
    expect(moved).toHaveLength(4);
    const back = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: source,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    expect((back.Messages ?? []).map((m) => m.Attributes?.MessageGroupId).sort()).toEqual([
      'odd',
      'r1#1',
      'r1#2',
      'r1#3',
    ]);
    const left = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10 }));
    expect(left.Messages ?? []).toEqual([]);
  });
});
