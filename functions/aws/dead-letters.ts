import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { SyncMessage } from '../sync/sync-message';
import { TransientError } from '../shared/errors';

/** A dead-letter queue and the queue its messages came from. */
export interface DeadLetterQueue {
  name: string;
  url: string;
  sourceUrl: string;
}

/** What an operator needs to know about a dead message, without its body (which may hold a customer record). */
export interface DeadLetter {
  queue: string;
  realmId: string | undefined;
  kind: string | undefined;
  id: string | undefined;
  source: string | undefined;
  receiveCount: number;
  sentAt: string | undefined;
}

function describe(queue: string, message: Message): DeadLetter {
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    body = undefined;
  }
  const parsed = SyncMessage.safeParse(body);
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    queue,
    realmId: parsed.success ? parsed.data.realmId : undefined,
    kind: parsed.success ? parsed.data.kind : undefined,
    id: parsed.success ? parsed.data.id : undefined,
    source: parsed.success ? parsed.data.source : undefined,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : undefined,
  };
}

/**
 * Lists (`move: false`) or moves back to their source queue (`move: true`) the messages of each
 * dead-letter queue: same message group, a fresh deduplication id, deleted from the DLQ only after
 * the send succeeded. SQS has no peek: listing hides what it reads while it reads, then makes it
 * visible again.
 */
export async function drainDeadLetters(
  sqs: SQSClient,
  queues: readonly DeadLetterQueue[],
  options: { move: boolean; max?: number },
): Promise<DeadLetter[]> {
  const found: DeadLetter[] = [];
  const max = options.max ?? 1000;
  for (const queue of queues) {
    const seen = new Set<string>();
    const listed: Message[] = [];
    while (found.length < max) {
      const { Messages: messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 60,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'],
        }),
      );
      const fresh = messages.filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) if (message.MessageId) seen.add(message.MessageId);
      if (options.move) await moveBack(sqs, queue, fresh);
      else listed.push(...fresh);
      found.push(...fresh.map((message) => describe(queue.name, message)));
    }
    for (let i = 0; i < listed.length; i += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queue.url,
          Entries: listed.slice(i, i + 10).map((message, index) => ({
            Id: `m${index}`,
            ReceiptHandle: message.ReceiptHandle ?? '',
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
  return found;
}

async function moveBack(sqs: SQSClient, queue: DeadLetterQueue, messages: readonly Message[]): Promise<void> {
  const entries = messages.map((message, index) => ({
    Id: `m${index}`,
    MessageBody: message.Body ?? '',
    MessageGroupId: message.Attributes?.MessageGroupId ?? 'redriven',
    // A new id: the original may still be inside the source queue's five-minute deduplication window.
    MessageDeduplicationId: createHash('sha256')
      .update(`redrive:${message.MessageId ?? String(index)}:${Date.now()}`)
      .digest('hex'),
  }));
  const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.sourceUrl, Entries: entries }));
  if ((sent.Failed ?? []).length > 0)
    throw new TransientError(`could not move ${String(sent.Failed?.length)} message(s) back to ${queue.name}`, {
      system: 'aws',
    });
  await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queue.url,
      Entries: messages.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.ReceiptHandle ?? '' })),
    }),
  );
}
