import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as delay } from 'node:timers/promises';
import type { LocalStack } from '../../local/stack/local-stack';

/**
 * Waits until the local stack has nothing left to do: no webhook waiting in the QBO sandbox, no
 * message on either queue (visible or in flight), no worker invocation for `quietMs`.
 */
export async function settle(stack: LocalStack, options: { timeoutMs?: number; quietMs?: number } = {}) {
  const sqs = new SQSClient({
    endpoint: process.env.AWS_ENDPOINT_URL_SQS,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
  const queued = async (url: string) => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const quietMs = options.quietMs ?? 300;
  let quietSince = Date.now();
  let invocations = stack.invocations();
  try {
    for (;;) {
      await stack.qbo.state.webhooks.pump();
      const busy =
        stack.qbo.state.webhooks.backlog().pending > 0 ||
        (await queued(stack.changesQueueUrl)) > 0 ||
        (await queued(stack.bulkQueueUrl)) > 0 ||
        // An early poll a webhook delivery asked for (decision 65) is work still to do.
        (await queued(stack.scheduleQueueUrl)) > 0 ||
        stack.invocations() !== invocations;
      invocations = stack.invocations();
      if (busy) quietSince = Date.now();
      else if (Date.now() - quietSince >= quietMs) return;
      if (Date.now() > deadline) throw new Error('the local stack did not settle in time');
      await delay(50);
    }
  } finally {
    sqs.destroy();
  }
}
