import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { SyncMessage } from '../../../functions/sync/sync-message';
import { type FunctionEnvironment, startFunctionEnvironment } from '../../helpers/function-environment';
import { lambdaContext, loadHandler } from '../../helpers/lambda-env';
import { control } from '../../helpers/quickbooks-sandbox';
import { createFifoQueue, localSqsClient, receiveAsLambdaEvent } from '../../helpers/sqs';

const sqs = localSqsClient();
let env: FunctionEnvironment;
let scheduleQueueUrl: string;
let handler: (event: unknown, context: unknown) => Promise<unknown>;

beforeAll(async () => {
  env = await startFunctionEnvironment();
  scheduleQueueUrl = (await createFifoQueue(sqs)).url;
  process.env.SCHEDULE_QUEUE_URL = scheduleQueueUrl;
  jest.isolateModules(() => {
    handler = loadHandler(require.resolve('../../../functions/handlers/cdc-poll'));
  });
});
afterAll(async () => {
  delete process.env.SCHEDULE_QUEUE_URL;
  await env.close();
});

type Dispatch = { mode: string; dispatched: number; connections: unknown[] };

/** What the schedule queue's event source does: each unit is one invocation, several at once. */
async function runUnits(): Promise<string[]> {
  const { Records } = await receiveAsLambdaEvent(sqs, scheduleQueueUrl);
  const answers = await Promise.all(Records.map((record) => handler({ Records: [record] }, lambdaContext('cdc-poll'))));
  expect(answers).toEqual(Records.map(() => ({ batchItemFailures: [] })));
  // Done units are deleted, as the event source does: the next unit of the same realm (group) can then go.
  for (const record of Records)
    await sqs.send(new DeleteMessageCommand({ QueueUrl: scheduleQueueUrl, ReceiptHandle: record.receiptHandle }));
  return Records.map((record) => (JSON.parse(record.body) as { realmId: string }).realmId).sort();
}

describe('cdc-poll Lambda with many connections (decision 38)', () => {
  it('fans a scheduled poll out into one unit per connection, once per schedule time, each polling its realm', async () => {
    const second = await env.connectRealm('Second Books Ltd');
    const realms = [env.realmId, second].sort();
    const schedule = (scheduledAt: string) =>
      handler({ mode: 'poll', fanOut: true, scheduledAt }, lambdaContext('cdc-poll')) as Promise<Dispatch>;

    // EventBridge may deliver one schedule twice: the queue keeps one unit per connection.
    expect(await schedule('2026-12-02T10:00:00Z')).toMatchObject({ mode: 'poll', dispatched: 2, connections: [] });
    await schedule('2026-12-02T10:00:00Z');
    expect(await runUnits()).toEqual(realms);
    expect((await receiveAsLambdaEvent(sqs, scheduleQueueUrl)).Records).toHaveLength(0);

    // The first round set each realm's cursor; the next one enqueues each realm's change.
    await control(env.qbo, 'POST', `/realms/${env.realmId}/customers`, { DisplayName: 'First Realm Change' });
    await control(env.qbo, 'POST', `/realms/${second}/customers`, { DisplayName: 'Second Realm Change' });
    await schedule('2026-12-02T10:15:00Z');
    expect(await runUnits()).toEqual(realms);
    const changed = (await receiveAsLambdaEvent(sqs, env.changesQueueUrl)).Records.map((r) =>
      SyncMessage.parse(JSON.parse(r.body)),
    );
    expect(changed.map((m) => m.realmId).sort()).toEqual(realms);
  });

  it('hands a unit whose realm could not be polled back to the queue (retried, then dead-lettered and alarmed)', async () => {
    const failing = await env.connectRealm('Failing Books Ltd');
    // A first round sets every realm's cursor (a first poll reads nothing); the next one reads QBO.
    await handler({ mode: 'poll', fanOut: true, scheduledAt: '2026-12-02T10:45:00Z' }, lambdaContext('cdc-poll'));
    await runUnits();
    // Every QBO call for that company fails; the other realms' units succeed beside it.
    await control(env.qbo, 'POST', '/faults', {
      path: `/company/${failing}/`,
      status: 503,
      body: 'Service Unavailable',
      count: 1000,
    });
    try {
      await handler({ mode: 'poll', fanOut: true, scheduledAt: '2026-12-02T11:00:00Z' }, lambdaContext('cdc-poll'));
      const { Records } = await receiveAsLambdaEvent(sqs, scheduleQueueUrl);
      const answers = (await Promise.all(
        Records.map((record) => handler({ Records: [record] }, lambdaContext('cdc-poll'))),
      )) as { batchItemFailures: { itemIdentifier: string }[] }[];
      const failed = Records.filter((_, i) => (answers[i]?.batchItemFailures ?? []).length > 0);
      expect(failed.map((record) => (JSON.parse(record.body) as { realmId: string }).realmId)).toEqual([failing]);
      expect(answers.flatMap((answer) => answer.batchItemFailures)).toEqual(
        failed.map((record) => ({ itemIdentifier: record.messageId })),
      );
      for (const record of Records)
        await sqs.send(new DeleteMessageCommand({ QueueUrl: scheduleQueueUrl, ReceiptHandle: record.receiptHandle }));
    } finally {
      await control(env.qbo, 'DELETE', '/faults');
    }
  });

  it('still runs inline when asked for without fan-out (the CLI, one realm)', async () => {
    const result = (await handler({ mode: 'reconcile', realmId: env.realmId }, lambdaContext('cdc-poll'))) as {
      connections: { realmId: string; reconcile?: unknown }[];
    };
    expect(result.connections.map((c) => [c.realmId, c.reconcile !== undefined])).toEqual([[env.realmId, true]]);
  });
});
