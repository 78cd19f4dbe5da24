import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SyncMessage } from '../../functions/sync/sync-message';
import type { LocalStack } from '../../local/stack/local-stack';

export function sqsFor(endpoint: string): SQSClient {
  return new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
}

export const dlqOf = (queueUrl: string) => queueUrl.replace(/\.fifo$/, '-dlq.fifo');

/** Messages waiting, in flight or delayed on a queue. */
export async function depth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes: attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return (
    Number(attributes.ApproximateNumberOfMessages ?? 0) +
    Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/**
 * Waits until nothing is left to do: no webhook waiting in the QBO sandbox, nothing on either queue,
 * no work parked for a rate limit (`parked`), for `settleMs` in a row. False when `timeoutMs` passes first.
 */
export async function waitForQuiet(
  stack: LocalStack,
  sqs: SQSClient,
  timeoutMs: number,
  settleMs = 1500,
  parked: () => Promise<number> = () => Promise.resolve(0),
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let quietSince: number | undefined;
  while (Date.now() < deadline) {
    await stack.qbo.state.webhooks.pump();
    const busy =
      stack.qbo.state.webhooks.backlog().pending +
      (await depth(sqs, stack.changesQueueUrl)) +
      (await depth(sqs, stack.bulkQueueUrl)) +
      (await parked());
    if (busy === 0) {
      quietSince ??= Date.now();
      if (Date.now() - quietSince >= settleMs) return true;
    } else quietSince = undefined;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

export interface DeadLetter {
  queue: 'changes' | 'bulk';
  message: SyncMessage | undefined;
  receiveCount: number;
}

/** Every message on both dead-letter queues (read, and kept invisible so each is read once). */
export async function deadLetters(stack: LocalStack, sqs: SQSClient): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  for (const [queue, url] of [
    ['changes', dlqOf(stack.changesQueueUrl)],
    ['bulk', dlqOf(stack.bulkQueueUrl)],
  ] as const) {
    for (;;) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 600,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const messages = received.Messages ?? [];
      if (messages.length === 0) break;
      for (const message of messages) {
        let body: unknown;
        try {
          body = JSON.parse(message.Body ?? '');
        } catch {
          body = undefined;
        }
        const parsed = SyncMessage.safeParse(body);
        out.push({
          queue,
          message: parsed.success ? parsed.data : undefined,
          receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
        });
      }
    }
  }
  return out;
}
