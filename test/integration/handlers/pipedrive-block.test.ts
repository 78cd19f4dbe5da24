import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { SqsMessageQueue } from '../../../functions/aws/sqs-queue';
import { ConnectionStore } from '../../../functions/store/connections';
import { ParkingStore } from '../../../functions/store/parking-store';
import { PipedriveBlockStore } from '../../../functions/store/pipedrive-block-store';
import { queued, type SyncMessage } from '../../../functions/sync/sync-message';
import { type FunctionEnvironment, startFunctionEnvironment } from '../../helpers/function-environment';
import { lambdaContext, loadHandler } from '../../helpers/lambda-env';
import { control } from '../../helpers/quickbooks-sandbox';
import { createFifoQueue, localSqsClient, receiveAsLambdaEvent } from '../../helpers/sqs';

/**
 * Pipedrive's Cloudflare 403 block (decision 32) across the real handlers, on compressed time: the
 * functions read `Date.now`, which the test moves forward instead of sleeping.
 */
const BLOCK_MINUTES = 45;
const sqs = localSqsClient();
const realNow = Date.now.bind(Date);
let offsetMs = 0;
let env: FunctionEnvironment;
let dlqUrls: string[];
type Handler = (event: unknown, context: unknown) => Promise<unknown>;
let worker: Handler;
let cdcPoll: Handler;
let operations: Handler;
/** Requests that reached the Pipedrive sandbox. */
let pipedriveRequests = 0;

beforeAll(async () => {
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
  env = await startFunctionEnvironment();
  // Queues with dead-letter queues the test can look into.
  const changes = await createFifoQueue(sqs);
  const bulk = await createFifoQueue(sqs);
  env.changesQueueUrl = changes.url;
  env.bulkQueueUrl = bulk.url;
  dlqUrls = [changes.dlqUrl, bulk.dlqUrl];
  Object.assign(process.env, {
    CHANGES_QUEUE_URL: changes.url,
    BULK_QUEUE_URL: bulk.url,
    PIPEDRIVE_BLOCK_MINUTES: String(BLOCK_MINUTES),
    API_URL: 'https://connector.example.test/',
  });
  worker = loadHandler(require.resolve('../../../functions/handlers/worker'));
  cdcPoll = loadHandler(require.resolve('../../../functions/handlers/cdc-poll'));
  operations = loadHandler(require.resolve('../../../functions/handlers/operations'));
  env.pipedrive.onExchange(() => {
    pipedriveRequests++;
  });
});
afterAll(async () => {
  jest.restoreAllMocks();
  await env.close();
});

const createCustomer = async (name: string) =>
  (
    (await control(env.qbo, 'POST', `/realms/${env.realmId}/customers`, { DisplayName: name })).body as {
      Customer: { Id: string };
    }
  ).Customer.Id;
const message = (id: string): SyncMessage => ({
  v: 1,
  realmId: env.realmId,
  kind: 'customer',
  id,
  source: 'webhook',
  eventId: `e-${id}-${realNow()}`,
  enqueuedAt: Date.now(),
});
const runWorker = async (handler: Handler, queueUrl: string) =>
  (await handler(await receiveAsLambdaEvent(sqs, queueUrl), lambdaContext('worker'))) as {
    batchItemFailures: unknown[];
  };
const organizationNames = () =>
  [...env.pipedrive.store.organizations.values()]
    .filter((o) => !o.is_deleted)
    .map((o) => o.name)
    .sort();
const cloudflarePage = {
  status: 403,
  headers: { 'content-type': 'text/html; charset=UTF-8', 'cf-ray': '8f0000000000-SBX' },
  body: '<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>Sorry, you have been blocked</body></html>',
  count: 1,
};

describe('the Pipedrive block is shared, durable and lifts with the held work done', () => {
  it('holds the work of every caller for the configured length, then does it, with nothing dead-lettered', async () => {
    const companyId = String(env.pipedrive.describe().companyId);
    const parking = new ParkingStore(env.table);
    const first = await createCustomer('Blocked First Co');
    const second = await createCustomer('Blocked Second Co');
    env.pipedrive.control.addFault(cloudflarePage);

    // 1. The worker meets the block page: its messages are held, not failed, and the block is recorded.
    await new SqsMessageQueue(sqs, env.changesQueueUrl).send([queued(message(first)), queued(message(second))]);
    const blockedAt = Date.now();
    expect((await runWorker(worker, env.changesQueueUrl)).batchItemFailures).toEqual([]);
    expect(pipedriveRequests).toBe(1);
    const until = (await new PipedriveBlockStore(env.table).blockedUntil(companyId)) ?? 0;
    expect(until - blockedAt).toBeGreaterThanOrEqual(BLOCK_MINUTES * 60_000);
    expect(until - blockedAt).toBeLessThan(BLOCK_MINUTES * 60_000 + 60_000);
    expect(await parking.count(env.realmId, 'blocked')).toBe(2);

    // 2. A reconnect (the clients are rebuilt) seen by a new container: still blocked, Pipedrive not called.
    const connections = new ConnectionStore(env.table);
    const settings = (await connections.get(env.realmId))?.pipedrive;
    if (!settings) throw new Error('the environment has no Pipedrive connection');
    offsetMs += 3.5 * 60_000;
    await connections.setPipedrive(env.realmId, settings, Date.now());
    let newContainer: Handler = worker;
    jest.isolateModules(() => {
      newContainer = loadHandler(require.resolve('../../../functions/handlers/worker'));
    });
    const third = await createCustomer('Blocked Third Co');
    await new SqsMessageQueue(sqs, env.changesQueueUrl).send([queued(message(third))]);
    expect((await runWorker(newContainer, env.changesQueueUrl)).batchItemFailures).toEqual([]);
    expect(await parking.count(env.realmId, 'blocked')).toBe(3);

    // 3. ping honours it too, and says until when.
    const ping = (await operations({ command: 'ping', realmId: env.realmId }, lambdaContext('operations'))) as {
      result: { pipedrive: { ok: boolean; kind?: string; message?: string } };
    };
    expect(ping.result.pipedrive).toMatchObject({ ok: false, kind: 'hard-stop' });
    expect(ping.result.pipedrive.message).toContain(new Date(until).toISOString());
    // So does reconnecting with an API token, which would prove the token with a call.
    const reconnect = await operations(
      {
        command: 'connect-api-token',
        realmId: env.realmId,
        apiToken: env.pipedrive.describe().apiToken,
        apiDomain: settings.apiDomain,
      },
      lambdaContext('operations'),
    );
    expect(reconnect).toMatchObject({ ok: false, error: { kind: 'hard-stop' } });
    expect(pipedriveRequests).toBe(1);

    // 4. A poll during the block leaves the held work where it is.
    offsetMs += 30 * 60_000;
    await cdcPoll({ mode: 'poll' }, lambdaContext('cdc-poll'));
    expect(await parking.count(env.realmId, 'blocked')).toBe(3);
    expect(pipedriveRequests).toBe(1);

    // 5. The block lifts: the next poll sends the held work to the bulk queue, and the worker does it.
    offsetMs = until - realNow() + 60_000;
    await cdcPoll({ mode: 'poll' }, lambdaContext('cdc-poll'));
    expect(await parking.count(env.realmId, 'blocked')).toBe(0);
    for (let batch = 0; batch < 3 && organizationNames().length < 3; batch++)
      expect((await runWorker(newContainer, env.bulkQueueUrl)).batchItemFailures).toEqual([]);
    expect(organizationNames()).toEqual(['Blocked First Co', 'Blocked Second Co', 'Blocked Third Co']);
    for (const dlqUrl of dlqUrls) {
      const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
      expect(dead.Messages ?? []).toEqual([]);
    }
  });
});
