import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { toSqsRecord } from '../../local/aws/sqs-lambda-event';

export function sqsEndpoint(): string {
  const endpoint = process.env.SQS_ENDPOINT;
  if (!endpoint)
    throw new Error('SQS_ENDPOINT is not set: run the tests through jest (test/global-setup.ts starts fauxqs)');
  return endpoint;
}

export function localSqsClient(): SQSClient {
  return new SQSClient({
    endpoint: sqsEndpoint(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** A fresh FIFO queue (unique name) shaped like the stack's, with a DLQ after `maxReceiveCount` receives. */
export async function createFifoQueue(
  client: SQSClient,
  options: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {},
): Promise<{ url: string; dlqUrl: string }> {
  const name = `test-${randomUUID().slice(0, 8)}`;
  const dlq = await client.send(
    new CreateQueueCommand({ QueueName: `${name}-dlq.fifo`, Attributes: { FifoQueue: 'true' } }),
  );
  const dlqArn = `arn:aws:sqs:us-east-1:000000000000:${name}-dlq.fifo`;
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: `${name}.fifo`,
      Attributes: {
        FifoQueue: 'true',
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount ?? 5 }),
      },
    }),
  );
  return { url: queue.QueueUrl ?? '', dlqUrl: dlq.QueueUrl ?? '' };
}

/** Receives up to 10 messages and shapes them as the SQS event Lambda would deliver. */
export async function receiveAsLambdaEvent(client: SQSClient, queueUrl: string, visibilityTimeout = 60) {
  const received = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: visibilityTimeout,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return { Records: (received.Messages ?? []).map((message) => toSqsRecord(message, queueUrl)) };
}
