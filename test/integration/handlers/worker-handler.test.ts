import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SqsMessageQueue } from '../../../functions/aws/sqs-queue';
import { BudgetLedger } from '../../../functions/store/budget-ledger';
import { ConnectionStore } from '../../../functions/store/connections';
import { ParkingStore } from '../../../functions/store/parking-store';
import type { Table } from '../../../functions/store/table';
import { queued, type SyncMessage } from '../../../functions/sync/sync-message';
import { queuedOrganizationEvent } from '../../../functions/sync/organization-event';
import { AuditLog } from '../../../functions/store/audit-log';
import { LinkStore } from '../../../functions/store/link-store';
import type { PipedriveSandbox } from '../../../local/pipedrive';
import type { QuickBooksSandbox } from '../../../local/quickbooks';
import { type FunctionEnvironment, startFunctionEnvironment } from '../../helpers/function-environment';
import { captureStdout, lambdaContext, loadHandler } from '../../helpers/lambda-env';
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

const message = (id: string, eventId = `e-${id}-${Math.random()}`): SyncMessage => ({
  v: 1,
  realmId: realm,
  kind: 'customer',
  id,
  source: 'webhook',
  eventId,
  enqueuedAt: Date.now(),
});
const createCustomer = async (name: string) =>
  (
    (await control(qbo, 'POST', `/realms/${realm}/customers`, { DisplayName: name })).body as {
      Customer: { Id: string };
    }
  ).Customer.Id;
const liveOrgs = () => [...pipedrive.store.organizations.values()].filter((o) => !o.is_deleted);
const run = async () =>
  (await handler(await receiveAsLambdaEvent(sqs, queueUrl), lambdaContext('worker'))) as {
    batchItemFailures: { itemIdentifier: string }[];
  };

describe('worker Lambda', () => {
  it('syncs a customer from a queue message, creating the custom fields on first use', async () => {
    const id = await createCustomer('Worker Co');
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    const response = await run();
    expect(response.batchItemFailures).toEqual([]);
    expect(liveOrgs().map((o) => o.name)).toEqual(['Worker Co']);
    const connection = await new ConnectionStore(table).get(realm);
    expect(Object.keys(connection?.fieldKeys ?? {}).sort()).toEqual([
      'openBalance',
      'overdueBalance',
      'paymentTerms',
      'quickbooksId',
      'quickbooksLink',
      'quickbooksStatus',
    ]);
  });

  it('reports only the unreadable record of a batch as failed', async () => {
    const id = await createCustomer('Batch Co');
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'not json',
        MessageGroupId: 'poison',
        MessageDeduplicationId: `poison-${Math.random()}`,
      }),
    );
    const event = await receiveAsLambdaEvent(sqs, queueUrl);
    const poison = event.Records.find((r) => r.body === 'not json');
    const response = (await handler(event, lambdaContext('worker'))) as {
      batchItemFailures: { itemIdentifier: string }[];
    };
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: poison?.messageId }]);
    expect(liveOrgs().map((o) => o.name)).toContain('Batch Co');
  });

  it('refreshes an access token that expired between batches (single refresh) and carries on', async () => {
    const ids = [await createCustomer('Expiry One'), await createCustomer('Expiry Two')];
    const before = qbo.state.counters.get('oauth.refreshes', realm);
    await control(qbo, 'POST', '/oauth/expire-access-tokens');
    await new SqsMessageQueue(sqs, queueUrl).send(ids.map((id) => queued(message(id))));
    const response = await run();
    expect(response.batchItemFailures).toEqual([]);
    expect(liveOrgs().map((o) => o.name)).toEqual(expect.arrayContaining(['Expiry One', 'Expiry Two']));
    expect(qbo.state.counters.get('oauth.refreshes', realm)).toBe(before + 1);
  });

  it('parks work the Pipedrive budget share has no room for, and the next poll with room sends it again', async () => {
    const connection = await new ConnectionStore(table).get(realm);
    const companyId = connection?.pipedrive?.companyId ?? '';
    const day = new Date().toISOString().slice(0, 10);
    const ledger = new BudgetLedger(table);
    // Everything the connector may spend today (Growth, 1 seat, half of 60,000) is spent.
    await ledger.record(companyId, day, 30_000, Date.now());
    const id = await createCustomer('Tomorrow Co');
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    const response = await run();
    // Acknowledged, not retried through the queue: five retries would dead-letter it.
    expect(response.batchItemFailures).toEqual([]);
    expect(await new ParkingStore(table).count(realm, 'budget')).toBe(1);
    expect(liveOrgs().map((o) => o.name)).not.toContain('Tomorrow Co');

    // Still no room: the poll leaves it parked.
    const poll = loadHandler(require.resolve('../../../functions/handlers/cdc-poll'));
    await poll({ mode: 'poll' }, lambdaContext('cdc-poll'));
    expect(await new ParkingStore(table).count(realm, 'budget')).toBe(1);

    // A new budget day (the spend is gone): the next poll sends it to the bulk queue.
    await ledger.record(companyId, day, -30_000, Date.now());
    await poll({ mode: 'poll' }, lambdaContext('cdc-poll'));
    expect(await new ParkingStore(table).count(realm, 'budget')).toBe(0);
    const released = await sqs.send(new ReceiveMessageCommand({ QueueUrl: env.bulkQueueUrl, MaxNumberOfMessages: 10 }));
    expect((released.Messages ?? []).map((m) => (JSON.parse(m.Body ?? '{}') as SyncMessage).id)).toContain(id);
  });

  // After this test the worker's governor pauses Pipedrive calls for the 300 s Pipedrive asked for.
  it('judges a Pipedrive organization event with the batch: a hand edit is audited and repushed; an inactive connection’s is dropped', async () => {
    const id = await createCustomer('Webhook Judge Co');
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    expect((await run()).batchItemFailures).toEqual([]);
    const orgId = (await new LinkStore(table).get(realm, id))?.orgId;
    if (orgId === undefined) throw new Error('not synced');
    // As Pipedrive sends it: the custom fields that hold a value, the QuickBooks ID among them.
    const identityKey = (await new ConnectionStore(table).get(realm))?.fieldKeys.quickbooksId ?? '';
    const customFields = { [identityKey]: pipedrive.store.organization(orgId)?.custom_fields[identityKey] };
    const events = new SqsMessageQueue(sqs, queueUrl);
    await events.send([
      queuedOrganizationEvent(
        realm,
        { id: `hand-${id}`, action: 'change', orgId, current: { name: 'Renamed by a rep', customFields } },
        Date.now(),
      ),
      queuedOrganizationEvent('no-such-realm', { id: 'elsewhere', action: 'delete', orgId: 1 }, Date.now()),
    ]);
    expect((await run()).batchItemFailures).toEqual([]);
    const { entries } = await new AuditLog(table, 90).history(realm, id, { limit: 10 });
    expect(entries).toEqual(
      expect.arrayContaining([expect.objectContaining({ source: 'webhook', action: 'found', orgId })]),
    );
    const repush = await receiveAsLambdaEvent(sqs, env.bulkQueueUrl);
    expect(repush.Records.map((record) => JSON.parse(record.body) as SyncMessage)).toEqual([
      expect.objectContaining({ id, repush: true, source: 'webhook' }),
    ]);
  });

  it('backs off a Pipedrive 429 by the visibility timeout and reports the record for a retry', async () => {
    const id = await createCustomer('Throttled Co');
    pipedrive.faults.add({
      method: 'POST',
      path: '^/api/v2/organizations$',
      status: 429,
      body: { success: false, error: 'Rate limit has been exceeded' },
      headers: { 'retry-after': '300' },
      count: 1,
    });
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    const { result: response, output } = await captureStdout(run);
    expect(response.batchItemFailures).toHaveLength(1);
    expect(output).toContain('"PipedriveRateLimited":1');
    // Invisible for the wait Pipedrive asked for, not back at once.
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    expect(again.Messages ?? []).toHaveLength(0);
  });

  it('parks the work of a connection whose QuickBooks grant died, instead of failing it towards the DLQ', async () => {
    const id = await createCustomer('Orphan Co');
    await control(qbo, 'POST', '/oauth/revoke-realm', { realmId: realm });
    await control(qbo, 'POST', '/oauth/expire-access-tokens');
    await new SqsMessageQueue(sqs, queueUrl).send([queued(message(id))]);
    const response = await run();
    expect(response.batchItemFailures).toEqual([]);
    expect(await new ParkingStore(table).count(realm)).toBe(1);
    expect(await new ConnectionStore(table).get(realm)).toMatchObject({ status: 'needs_reauth' });
  });
});
