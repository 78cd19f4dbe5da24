import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { dispatchUnits, earlyPollUnit, type ScheduledUnit } from '../../../functions/deferred-work/scheduled-units';
import { ConnectionStore } from '../../../functions/store/connections';
import { CursorStore } from '../../../functions/store/cursor-store';
import { LeaseStore } from '../../../functions/store/lease-store';
import { keys } from '../../../functions/store/table-schema';
import { SyncMessage, syncMessage } from '../../../functions/sync/sync-message';
import { type FunctionEnvironment, startFunctionEnvironment } from '../../helpers/function-environment';
import { lambdaContext, loadHandler } from '../../helpers/lambda-env';
import { control } from '../../helpers/quickbooks-sandbox';
import { createFifoQueue, localSqsClient, receiveAsLambdaEvent } from '../../helpers/sqs';

const sqs = localSqsClient();
const THROTTLE_XML =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse xmlns="http://schema.intuit.com/finance/v3">' +
  '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>' +
  '<Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>';
let env: FunctionEnvironment;
let scheduleQueueUrl: string;
let handler: (event: unknown, context: unknown) => Promise<unknown>;

beforeAll(async () => {
  env = await startFunctionEnvironment();
  scheduleQueueUrl = (await createFifoQueue(sqs)).url;
  process.env.SCHEDULE_QUEUE_URL = scheduleQueueUrl;
  // Webhook polls are not spaced here: the wait is planEarlyPoll's (unit-tested), and tests do not sleep.
  process.env.EARLY_POLL_SPACING_MS = '0';
  jest.isolateModules(() => {
    handler = loadHandler(require.resolve('../../../functions/handlers/cdc-poll'));
  });
});
afterAll(async () => {
  delete process.env.SCHEDULE_QUEUE_URL;
  delete process.env.EARLY_POLL_SPACING_MS;
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

/** A webhook event of `realm`, as the message it would be. */
function webhookEvent(realm: string, id: string): SyncMessage {
  return syncMessage({
    realmId: realm,
    kind: 'customer',
    id,
    operation: 'Update',
    source: 'webhook',
    eventId: `delivery:${id}`,
    enqueuedAt: Date.now(),
  });
}

/** Each unit as its own invocation, as one realm's FIFO group is; with few seconds left, a 429 is not waited out. */
async function runEachUnit(units: ScheduledUnit[]): Promise<number[]> {
  await dispatchUnits(sqs, scheduleQueueUrl, units);
  const failures: number[] = [];
  for (let i = 0; i < units.length; i++) {
    const { Records } = await receiveAsLambdaEvent(sqs, scheduleQueueUrl);
    for (const record of Records) {
      const answer = (await handler({ Records: [record] }, lambdaContext('cdc-poll', 5))) as {
        batchItemFailures: unknown[];
      };
      failures.push(answer.batchItemFailures.length);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: scheduleQueueUrl, ReceiptHandle: record.receiptHandle }));
    }
  }
  return failures;
}

/** The event ids of `realm` on the changes queue, taken off it. */
async function queuedEventIdsOf(realm: string): Promise<string[]> {
  const { Records } = await receiveAsLambdaEvent(sqs, env.changesQueueUrl);
  for (const record of Records)
    await sqs.send(new DeleteMessageCommand({ QueueUrl: env.changesQueueUrl, ReceiptHandle: record.receiptHandle }));
  return Records.map((r) => SyncMessage.parse(JSON.parse(r.body)))
    .filter((m) => m.realmId === realm)
    .map((m) => m.eventId)
    .sort();
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

  it('never hands back a poll QBO throttled; an early poll that did not read queues its webhook events instead (decision 65)', async () => {
    const realm = await env.connectRealm('Throttled Books Ltd');
    const event = (id: string) => webhookEvent(realm, id);
    const runEach = (units: ScheduledUnit[]) => runEachUnit(units);
    const queuedEventIds = () => queuedEventIdsOf(realm);

    // No cursor yet (no backfill ran): the first poll only sets it, so the events go as messages.
    expect(await runEach([earlyPollUnit(realm, 'delivery-0', [event('0')], Date.now())])).toEqual([0]);
    expect(await queuedEventIds()).toEqual(['delivery:0']);
    const cursors = new CursorStore(env.table);
    const cursorBefore = await cursors.get(realm);
    expect(cursorBefore).toBeDefined();

    // Another poll holds the lease: it may have read before these changes.
    const leases = new LeaseStore(env.table);
    expect(await leases.acquire('cdc', realm, 'another-poll', Date.now(), 60_000)).toBe(true);
    try {
      const failures = await runEach([
        earlyPollUnit(realm, 'delivery-1', [event('1'), event('2')], Date.now()),
        { mode: 'poll', realmId: realm, scheduledAt: '2026-12-02T12:15:00Z' },
      ]);
      expect(failures).toEqual([0, 0]);
      expect(await queuedEventIds()).toEqual(['delivery:1', 'delivery:2']);
    } finally {
      await leases.release('cdc', realm, 'another-poll');
    }

    // QBO throttles the company: neither unit comes back to spend a receive.
    await control(env.qbo, 'POST', '/faults', {
      path: `/company/${realm}/`,
      status: 429,
      body: THROTTLE_XML,
      headers: { 'content-type': 'application/xml' },
      count: 1000,
    });
    try {
      const failures = await runEach([
        earlyPollUnit(realm, 'delivery-2', [event('3')], Date.now()),
        { mode: 'poll', realmId: realm, scheduledAt: '2026-12-02T12:30:00Z' },
      ]);
      expect(failures).toEqual([0, 0]);
      expect(await queuedEventIds()).toEqual(['delivery:3']);
      // Nothing was read: the next scheduled poll starts where this one would have.
      expect(await cursors.get(realm)).toEqual(cursorBefore);
    } finally {
      await control(env.qbo, 'DELETE', '/faults');
      await env.table.client.send(new DeleteCommand({ TableName: env.table.name, Key: keys.qboLimit(realm, 'block') }));
    }

    // Paused since the delivery: nothing is polled, and the events go on as messages the worker parks.
    await new ConnectionStore(env.table).setStatus(realm, 'paused', Date.now(), 'pipedrive: disconnected');
    expect(await runEach([earlyPollUnit(realm, 'delivery-3', [event('4')], Date.now())])).toEqual([0]);
    expect(await queuedEventIds()).toEqual(['delivery:4']);
    expect(await cursors.get(realm)).toEqual(cursorBefore);
  });

  it('lets a webhook poll share a read begun after its delivery arrived, and reads for a later one (decision 66)', async () => {
    const realm = await env.connectRealm('Shared Read Books Ltd');
    const requests = () => env.qbo.state.counters.get('qbo.requests', realm);
    const cursors = new CursorStore(env.table);
    // A first poll sets the cursor; the second reads a window.
    expect(await runEachUnit([{ mode: 'poll', realmId: realm, scheduledAt: '2026-12-02T13:00:00Z' }])).toEqual([0]);
    expect(await runEachUnit([{ mode: 'poll', realmId: realm, scheduledAt: '2026-12-02T13:15:00Z' }])).toEqual([0]);
    const read = await cursors.get(realm);
    const polledAt = read?.polledAtMs ?? Number.NaN;
    expect(polledAt).toBeGreaterThan(0);

    // Arrived before that read began: it is read already, so nothing is called, queued or moved.
    const before = requests();
    const early = earlyPollUnit(realm, 'shared-0', [webhookEvent(realm, '10')], polledAt - 5_000);
    expect(await runEachUnit([early])).toEqual([0]);
    expect(requests()).toBe(before);
    expect(await queuedEventIdsOf(realm)).toEqual([]);
    expect(await cursors.get(realm)).toEqual(read);

    // Arrived after it: this one reads (its change comes from CDC, not from the carried event).
    await control(env.qbo, 'POST', `/realms/${realm}/customers`, { DisplayName: 'Changed After The Read' });
    const late = earlyPollUnit(realm, 'shared-1', [webhookEvent(realm, '11')], Date.now());
    expect(await runEachUnit([late])).toEqual([0]);
    expect(requests()).toBeGreaterThan(before);
    const queued = await queuedEventIdsOf(realm);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatch(/^cdc:/);
    expect((await cursors.get(realm))?.polledAtMs).toBeGreaterThan(polledAt);
  });

  it('still runs inline when asked for without fan-out (the CLI, one realm)', async () => {
    const result = (await handler({ mode: 'reconcile', realmId: env.realmId }, lambdaContext('cdc-poll'))) as {
      connections: { realmId: string; reconcile?: unknown }[];
    };
    expect(result.connections.map((c) => [c.realmId, c.reconcile !== undefined])).toEqual([[env.realmId, true]]);
  });
});
