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

/** Messages waiting, in flight and delayed on a queue. */
interface QueueDepth {
  waiting: number;
  inFlight: number;
  delayed: number;
}

async function depth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
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
  return {
    waiting: Number(attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

const total = (queue: QueueDepth) => queue.waiting + queue.inFlight + queue.delayed;
const described = (queue: QueueDepth) =>
  `${String(total(queue))} (${String(queue.waiting)} waiting, ${String(queue.inFlight)} in flight, ${String(queue.delayed)} delayed)`;

/** What is still to do, and in which part of the pipeline. */
interface Busy {
  count: number;
  description: string;
}

async function busyNow(stack: LocalStack, sqs: SQSClient, parked: () => Promise<number>): Promise<Busy> {
  await stack.qbo.state.webhooks.pump();
  const webhooks = stack.qbo.state.webhooks.backlog().pending;
  const stalled = stalledDelivery(stack);
  const changes = await depth(sqs, stack.changesQueueUrl);
  const bulk = await depth(sqs, stack.bulkQueueUrl);
  // An early poll a busy webhook delivery asked for (decision 65) is work still to do.
  const schedule = await depth(sqs, stack.scheduleQueueUrl);
  const parkedNow = await parked();
  return {
    count: webhooks + total(changes) + total(bulk) + total(schedule) + parkedNow,
    description: `webhooks ${String(webhooks)}${stalled}, changes ${described(changes)}, bulk ${described(bulk)}, schedule ${described(schedule)}, parked ${String(parkedNow)}`,
  };
}

/** Why Intuit's sender holds later events back (FACTS §2: one failed delivery stalls the rest), if it does. */
function stalledDelivery(stack: LocalStack): string {
  const { blockedDeliveryId, nextAttemptAt } = stack.qbo.state.webhooks.backlog();
  if (blockedDeliveryId === undefined) return '';
  const attempts = stack.qbo.state.webhooks.attempts.filter((attempt) => attempt.deliveryId === blockedDeliveryId);
  const last = attempts.at(-1);
  if (!last) return '';
  const outcome = last.status !== undefined ? `HTTP ${String(last.status)}` : (last.error ?? 'no answer');
  const next = Math.round(((nextAttemptAt ?? 0) - stack.qbo.state.clock.now()) / 1000);
  return ` (behind a delivery of ${String(last.eventIds.length)} events that failed ${String(attempts.length)} times, last: ${outcome}; next attempt in ${String(next)} s)`;
}

export type QuietResult = { ok: true } | { ok: false; busy: string };

/**
 * Waits until nothing is left to do: no webhook waiting in the QBO sandbox, nothing on the changes, bulk or schedule queue,
 * no work parked for a rate limit (`parked`), for `settleMs` in a row. When `timeoutMs` passes first,
 * says what was still busy; `report` hears the same every `reportEveryMs` of waiting.
 */
export async function waitForQuiet(
  stack: LocalStack,
  sqs: SQSClient,
  timeoutMs: number,
  options: { settleMs?: number; parked?: () => Promise<number>; report?: (busy: string) => void } = {},
): Promise<QuietResult> {
  const { settleMs = 1500, parked = () => Promise.resolve(0), report } = options;
  const reportEveryMs = 60_000;
  const started = Date.now();
  const deadline = started + timeoutMs;
  let reported = started;
  let quietSince: number | undefined;
  let last: Busy = { count: 0, description: '' };
  while (Date.now() < deadline) {
    last = await busyNow(stack, sqs, parked);
    if (last.count === 0) {
      quietSince ??= Date.now();
      if (Date.now() - quietSince >= settleMs) return { ok: true };
    } else quietSince = undefined;
    if (report && Date.now() - reported >= reportEveryMs) {
      reported = Date.now();
      report(`still busy after ${String(Math.round((reported - started) / 1000))} s: ${last.description}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { ok: false, busy: last.description };
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
