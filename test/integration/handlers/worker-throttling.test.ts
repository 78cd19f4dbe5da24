import { DeleteMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { SqsMessageQueue } from '../../../functions/aws/sqs-queue';
import { releaseThrottledWork } from '../../../functions/deferred-work/deferred-work';
import { AuditLog } from '../../../functions/store/audit-log';
import { BudgetLedger } from '../../../functions/store/budget-ledger';
import { ConnectionStore } from '../../../functions/store/connections';
import { LinkStore } from '../../../functions/store/link-store';
import { ParkingStore } from '../../../functions/store/parking-store';
import { QboCallLimiter } from '../../../functions/store/qbo-call-limiter';
import type { Table } from '../../../functions/store/table';
import { keys } from '../../../functions/store/table-schema';
import { queued, type SyncMessage } from '../../../functions/sync/sync-message';
import type { PipedriveSandbox } from '../../../local/pipedrive';
import type { QuickBooksSandbox } from '../../../local/quickbooks';
import { type FunctionEnvironment, startFunctionEnvironment } from '../../helpers/function-environment';
import { lambdaContext, loadHandler } from '../../helpers/lambda-env';
import { control } from '../../helpers/quickbooks-sandbox';
import { localSqsClient, receiveAsLambdaEvent } from '../../helpers/sqs';

const sqs = localSqsClient();
let env: FunctionEnvironment;
let qbo: QuickBooksSandbox;
let pipedrive: PipedriveSandbox;
let table: Table;
let queueUrl: string;
let realm: string;
let handler: (event: unknown, context: unknown) => Promise<unknown>;

beforeAll(async () => {
  env = await startFunctionEnvironment();
  ({ qbo, pipedrive, table, realmId: realm, changesQueueUrl: queueUrl } = env);
  handler = loadHandler(require.resolve('../../../functions/handlers/worker'));
});
afterAll(() => env.close());

const THROTTLE_XML =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse xmlns="http://schema.intuit.com/finance/v3">' +
  '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>' +
  '<Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>';

const message = (id: string): SyncMessage => ({
  v: 1,
  realmId: realm,
  kind: 'customer',
  id,
  source: 'webhook',
  eventId: `e-${id}-${Math.random()}`,
  enqueuedAt: Date.now(),
});
const createCustomer = async (name: string) =>
  (
    (await control(qbo, 'POST', `/realms/${realm}/customers`, { DisplayName: name })).body as {
      Customer: { Id: string };
    }
  ).Customer.Id;
const rename = (id: string, name: string) =>
  control(qbo, 'PATCH', `/realms/${realm}/customers/${id}`, { DisplayName: name });
const orgNames = () => [...pipedrive.store.organizations.values()].filter((o) => !o.is_deleted).map((o) => o.name);
type BatchResponse = { batchItemFailures: { itemIdentifier: string }[] };
/** One batch as the event source mapping runs it: received, handled, and the records not reported failed deleted. */
const run = async (receiveCount?: string) => {
  const event = await receiveAsLambdaEvent(sqs, queueUrl);
  if (receiveCount) for (const record of event.Records) record.attributes.ApproximateReceiveCount = receiveCount;
  const response = (await handler(event, lambdaContext('worker'))) as BatchResponse;
  const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  for (const record of event.Records)
    if (!failed.has(record.messageId))
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }));
  return { event, response };
};
/** The 60 s QBO asks for have passed. */
const blockEnds = () =>
  table.client.send(new DeleteCommand({ TableName: table.name, Key: keys.qboLimit(realm, 'block') }));

describe('worker Lambda under QBO throttling', () => {
  it('parks work QBO throttled without spending a receive, shows the customer failing, and syncs it once QBO takes calls again', async () => {
    const id = await createCustomer('Before Rename Co');
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    expect((await run()).response.batchItemFailures).toEqual([]);
    expect(await new LinkStore(table).get(realm, id)).toMatchObject({ state: 'synced' });

    await rename(id, 'After Rename Co');
    qbo.state.faults.add({
      path: '^/v3/',
      status: 429,
      body: THROTTLE_XML,
      headers: { 'content-type': 'application/xml' },
      count: 1,
    });
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    // Acknowledged, not left to come back: every return would spend one of its five receives.
    expect((await run()).response.batchItemFailures).toEqual([]);
    expect(await new ParkingStore(table).count(realm, 'throttle')).toBe(1);
    expect(await new LinkStore(table).get(realm, id)).toMatchObject({
      state: 'failed',
      reason: expect.stringMatching(/^deferred: QuickBooks throttled the request/) as unknown,
    });
    expect(orgNames()).toContain('Before Rename Co');
    // Every container now holds its QBO calls for the 60 s QBO asks for.
    expect(await new QboCallLimiter(table).blockedUntil(realm)).toBeGreaterThan(Date.now() + 50_000);

    // A batch while QBO is still blocked: deferred too, at once, without a call to QBO.
    const other = await createCustomer('Queued Meanwhile Co');
    const requestsBefore = qbo.state.counters.get('qbo.requests', realm);
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(other))]);
    expect((await run()).response.batchItemFailures).toEqual([]);
    expect(qbo.state.counters.get('qbo.requests', realm)).toBe(requestsBefore);
    expect(await new ParkingStore(table).count(realm, 'throttle')).toBe(2);

    // The block is over; the next batch that gets through sends the parked work back to its queue.
    await blockEnds();
    const third = await createCustomer('Flowing Again Co');
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(third))]);
    expect((await run()).response.batchItemFailures).toEqual([]);
    expect(await new ParkingStore(table).count(realm, 'throttle')).toBe(0);
    const { event, response } = await run();
    expect(response.batchItemFailures).toEqual([]);
    // Sent again as new messages: their receives start from one.
    expect(event.Records.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['1', '1']);
    expect(orgNames()).toEqual(expect.arrayContaining(['After Rename Co', 'Queued Meanwhile Co', 'Flowing Again Co']));
    expect(orgNames()).not.toContain('Before Rename Co');
    expect(await new LinkStore(table).get(realm, id)).toMatchObject({ state: 'synced' });
  });

  it("says where a customer's work waits now: deferred by QBO, then by a spent Pipedrive budget", async () => {
    const links = new LinkStore(table);
    const parking = new ParkingStore(table);
    const id = await createCustomer('Waits Twice Co');
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    expect((await run()).response.batchItemFailures).toEqual([]);
    await rename(id, 'Waits Twice Co Renamed');
    qbo.state.faults.add({
      path: '^/v3/',
      status: 429,
      body: THROTTLE_XML,
      headers: { 'content-type': 'application/xml' },
      count: 1,
    });
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    expect((await run()).response.batchItemFailures).toEqual([]);
    expect((await links.get(realm, id))?.reason).toMatch(/^deferred: QuickBooks throttled/);

    // QBO takes calls again and the work is released, but the connector's share of today's tokens is spent.
    await blockEnds();
    const queue = new SqsMessageQueue(sqs, queueUrl);
    await releaseThrottledWork(realm, {
      parking,
      limiter: new QboCallLimiter(table),
      queues: { changes: queue, bulk: queue },
      now: Date.now(),
    });
    const companyId = (await new ConnectionStore(table).get(realm))?.pipedrive?.companyId ?? '';
    const day = new Date().toISOString().slice(0, 10);
    const ledger = new BudgetLedger(table);
    await ledger.record(companyId, day, 30_000, Date.now());
    try {
      expect((await run()).response.batchItemFailures).toEqual([]);
      expect(await parking.count(realm, 'budget')).toBe(1);
      const link = await links.get(realm, id);
      expect(link?.state).toBe('failed');
      expect(link?.reason).toMatch(/^deferred: .*Pipedrive token budget/);
      expect(orgNames()).toContain('Waits Twice Co');
    } finally {
      // The spend is gone and the parked work dropped, so the other tests start with room.
      await ledger.record(companyId, day, -30_000, Date.now());
      await parking.releaseTo(realm, 'budget', () => Promise.resolve());
    }
  });

  it('audits why a message goes to the dead-letter queue on its last receive, and shows its customer failing', async () => {
    const id = await createCustomer('Doomed Co');
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    expect((await run()).response.batchItemFailures).toEqual([]);
    await rename(id, 'Doomed Renamed Co');
    const fault = qbo.state.faults.add({ path: '^/v3/', status: 503, body: 'Service Unavailable' });
    const sent = message(id);
    await new SqsMessageQueue(sqs, queueUrl).send([queued(sent)]);
    const { response } = await run('5');
    qbo.state.faults.remove(fault);
    expect(response.batchItemFailures).toHaveLength(1);
    const history = await new AuditLog(table, 90).history(realm, id);
    expect(history.entries[0]).toMatchObject({
      action: 'failed',
      eventId: sent.eventId,
      error: { kind: 'transient' },
      note: expect.stringMatching(
        /^dead-lettered after 5 receives .*: transient: QuickBooks failed \(HTTP 503\)/,
      ) as unknown,
    });
    expect(await new LinkStore(table).get(realm, id)).toMatchObject({ state: 'failed' });
  });

  it('audits an unreadable message on its last receive', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'not json',
        MessageGroupId: 'poison',
        MessageDeduplicationId: `poison-${Math.random()}`,
      }),
    );
    const { event, response } = await run('5');
    expect(response.batchItemFailures).toHaveLength(1);
    const history = await new AuditLog(table, 90).history('unknown', 'unreadable');
    expect(history.entries[0]?.note).toContain(`SQS message ${event.Records[0]?.messageId ?? '?'}`);
    expect(history.entries[0]?.note).toContain('unreadable queue message');
    // The sandbox's own record of the block is not the connector's: nothing else was written for it.
    expect(
      (await table.client.send(new GetCommand({ TableName: table.name, Key: keys.qboLimit('unknown', 'block') }))).Item,
    ).toBeUndefined();
  });
});
