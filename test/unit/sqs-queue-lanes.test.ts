import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { SqsMessageQueue } from '../../functions/aws/sqs-queue';
import { queued, syncMessage } from '../../functions/sync/sync-message';

const sqs = mockClient(SQSClient);

describe('SqsMessageQueue sends a large delivery on several lanes at once', () => {
  beforeEach(() => {
    sqs.reset();
  });

  it("has several batches in flight together, so a delivery of thousands fits in Intuit's 3 s", async () => {
    let inFlight = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    sqs.on(SendMessageBatchCommand).callsFake(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => gates.push(resolve));
      inFlight--;
      return {};
    });
    const messages = Array.from({ length: 400 }, (_, n) =>
      queued(
        syncMessage({
          realmId: 'r1',
          kind: 'customer',
          id: String(n),
          source: 'webhook',
          eventId: `e${String(n)}`,
          enqueuedAt: 1,
        }),
      ),
    );
    const state = { done: false };
    const sending = new SqsMessageQueue(new SQSClient({ region: 'us-east-1' }), 'https://sqs/q.fifo')
      .send(messages)
      .finally(() => {
        state.done = true;
      });
    // Opens the gates as calls arrive, until every batch went out.
    while (!state.done) {
      await new Promise((resolve) => setImmediate(resolve));
      gates.splice(0).forEach((open) => {
        open();
      });
    }
    await sending;
    const sent = sqs.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(sent).toHaveLength(400);
    expect(most).toBeGreaterThan(4);
  });
});
