import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { TransientError } from '../shared/errors';
import type { MessageQueue, QueuedMessage } from '../sync/sync-message';

/** Any message for the FIFO queues: sync work, or a Pipedrive organization event (decision 63). */
type Outgoing = Pick<QueuedMessage, 'groupId' | 'deduplicationId'> & { body: unknown };

/** SQS takes at most 10 entries and 256 KiB per batch; we keep a margin under the size. */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 250 * 1024;

/**
 * Batches sent at once. A webhook delivery of a few thousand events must be on the queue within
 * Intuit's 3 s (decision 56); each lane keeps its groups' order, so a customer's messages never pass each other.
 */
const LANES = 8;

/** A FIFO queue: messages are sent in batches; entries SQS refuses are retried once, then it is an error. */
export class SqsMessageQueue implements MessageQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(messages: readonly Outgoing[]): Promise<void> {
    const lanes = lanesOf(messages);
    await Promise.all(
      lanes.map(async (lane) => {
        for (const batch of batches(lane)) await this.sendBatch(batch);
      }),
    );
  }

  private async sendBatch(batch: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const result = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
      const failed = new Set((result.Failed ?? []).map((entry) => entry.Id));
      pending = pending.filter((entry) => failed.has(entry.Id));
      if (pending.length > 0 && attempt >= 1) {
        const codes = (result.Failed ?? []).map((entry) => entry.Code ?? 'unknown').join(', ');
        throw new TransientError(`SQS refused ${pending.length} message(s): ${codes}`, { system: 'aws' });
      }
    }
  }
}

/** Messages split into lanes by group, each in its original order. */
function lanesOf(messages: readonly Outgoing[]): Outgoing[][] {
  const lanes: Outgoing[][] = Array.from({ length: LANES }, () => []);
  for (const message of messages) lanes[laneOf(message.groupId)]?.push(message);
  return lanes.filter((lane) => lane.length > 0);
}

function laneOf(groupId: string): number {
  let hash = 0;
  for (let i = 0; i < groupId.length; i++) hash = (hash * 31 + groupId.charCodeAt(i)) >>> 0;
  return hash % LANES;
}

function batches(messages: readonly Outgoing[]): SendMessageBatchRequestEntry[][] {
  const out: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let bytes = 0;
  messages.forEach((message, index) => {
    const body = JSON.stringify(message.body);
    const size = Buffer.byteLength(body);
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push({
      Id: `m${index}`,
      MessageBody: body,
      MessageGroupId: message.groupId,
      MessageDeduplicationId: message.deduplicationId,
    });
    bytes += size;
  });
  if (current.length > 0) out.push(current);
  return out;
}
