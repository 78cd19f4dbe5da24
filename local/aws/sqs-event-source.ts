import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as delay } from 'node:timers/promises';
import * as z from 'zod';
import { toSqsRecord } from './sqs-lambda-event';

export type SqsHandler = (event: { Records: ReturnType<typeof toSqsRecord>[] }, context: object) => Promise<unknown>;

export interface EventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  handler: SqsHandler;
  /** As the stack's event-source mapping: records per invocation and invocations at once. */
  batchSize: number;
  maxConcurrency: number;
  /** Long-poll wait per receive, in seconds. */
  waitTimeSeconds?: number;
  context: () => object;
  onError?: (error: unknown) => void;
}

export interface RunningEventSource {
  /** Invocations so far (for tests and the local stack's status page). */
  invocations: () => number;
  stop(): Promise<void>;
}

const BatchResponse = z.object({ batchItemFailures: z.array(z.object({ itemIdentifier: z.string() })).default([]) });

/**
 * Lambda's SQS event source, on this machine: `maxConcurrency` pollers each receive up to
 * `batchSize` messages, invoke the handler, and delete the records it did not report as failed
 * (ReportBatchItemFailures). A thrown error leaves the whole batch to come back after its
 * visibility timeout; the queue's redrive policy moves messages to the DLQ after maxReceiveCount.
 */
export function startSqsEventSource(options: EventSourceOptions): RunningEventSource {
  let stopped = false;
  // Read through a function: the pollers must see `stop()` happen while they await.
  const running = () => !stopped;
  let invocations = 0;
  const poll = async (): Promise<void> => {
    while (running()) {
      try {
        const received = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        const messages = received.Messages ?? [];
        if (messages.length === 0 || !running()) continue;
        const records = messages.map((message) => toSqsRecord(message, options.queueUrl));
        invocations++;
        let failed: Set<string>;
        try {
          const response = BatchResponse.safeParse(await options.handler({ Records: records }, options.context()));
          failed = new Set(response.success ? response.data.batchItemFailures.map((f) => f.itemIdentifier) : []);
        } catch (error) {
          options.onError?.(error);
          continue;
        }
        const done = records.filter((record) => !failed.has(record.messageId));
        if (done.length > 0) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((record, index) => ({ Id: `d${index}`, ReceiptHandle: record.receiptHandle })),
            }),
          );
        }
      } catch (error) {
        options.onError?.(error);
        if (running()) await delay(200);
      }
    }
  };
  const pollers = Array.from({ length: options.maxConcurrency }, () => poll());
  return {
    invocations: () => invocations,
    stop: async () => {
      stopped = true;
      await Promise.all(pollers);
    },
  };
}
