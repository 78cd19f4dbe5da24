import { ConnectionStore } from '../../../functions/store/connections';
import { SyncMessage } from '../../../functions/sync/sync-message';
import { type FunctionEnvironment, startFunctionEnvironment } from '../../helpers/function-environment';
import { captureStdout, lambdaContext, loadHandler } from '../../helpers/lambda-env';
import { control } from '../../helpers/quickbooks-sandbox';
import { localSqsClient, receiveAsLambdaEvent } from '../../helpers/sqs';

const sqs = localSqsClient();
let env: FunctionEnvironment;
let handler: (event: unknown, context: unknown) => Promise<unknown>;

beforeAll(async () => {
  env = await startFunctionEnvironment();
  handler = loadHandler(require.resolve('../../../functions/handlers/cdc-poll'));
});
afterAll(() => env.close());

type Result = {
  mode: string;
  connections: {
    realmId: string;
    poll?: { outcome: string; enqueued: number };
    reconcile?: { missing: number };
    error?: string;
  }[];
};
const bodies = async (url: string) =>
  (await receiveAsLambdaEvent(sqs, url)).Records.map((r) => SyncMessage.parse(JSON.parse(r.body)));

describe('cdc-poll Lambda', () => {
  it('polls every active connection on schedule: the first run sets the cursor, the next enqueues what changed', async () => {
    expect(((await handler({ mode: 'poll' }, lambdaContext('cdc-poll'))) as Result).connections).toEqual([
      { realmId: env.realmId, poll: expect.objectContaining({ outcome: 'first-run' }) as unknown },
    ]);
    await control(env.qbo, 'POST', `/realms/${env.realmId}/customers`, { DisplayName: 'Scheduled Co' });
    const second = (await handler({ mode: 'poll' }, lambdaContext('cdc-poll'))) as Result;
    expect(second.connections[0]?.poll).toMatchObject({ outcome: 'polled', enqueued: 1 });
    expect((await bodies(env.changesQueueUrl)).map((m) => [m.source, m.record !== undefined])).toEqual([['cdc', true]]);
  });

  it('runs the daily reconcile into the bulk queue, reporting what was never synced', async () => {
    const result = (await handler({ mode: 'reconcile' }, lambdaContext('cdc-poll'))) as Result;
    expect(result.connections[0]?.reconcile?.missing).toBe(1);
    expect((await bodies(env.bulkQueueUrl)).map((m) => m.source)).toEqual(['reconcile']);
  });

  it('leaves out connections that need re-authorisation', async () => {
    await new ConnectionStore(env.table).setStatus(env.realmId, 'needs_reauth', Date.now(), 'test');
    expect(((await handler({}, lambdaContext('cdc-poll'))) as Result).connections).toEqual([]);
    await new ConnectionStore(env.table).setStatus(env.realmId, 'active', Date.now());
  });

  it('beats the poll heartbeat only when every active connection was read (its alarm treats silence as breaching)', async () => {
    const healthy = await captureStdout(() => handler({ mode: 'poll' }, lambdaContext('cdc-poll')));
    expect(healthy.output).toContain('CdcPollSucceeded');
    // A connection whose tokens are gone cannot be polled: the run completes, the heartbeat stays silent.
    const broken = '555000555';
    const connections = new ConnectionStore(env.table);
    await connections.create(broken, Date.now(), 'No Tokens Ltd');
    try {
      // Its first poll only sets the cursor (no QBO call); the next one needs its tokens.
      await handler({ mode: 'poll', realmId: broken }, lambdaContext('cdc-poll'));
      const failing = await captureStdout(() => handler({ mode: 'poll' }, lambdaContext('cdc-poll')));
      expect((failing.result as Result).connections).toContainEqual(
        expect.objectContaining({ realmId: broken, error: expect.any(String) as unknown }),
      );
      expect(failing.output).not.toContain('CdcPollSucceeded');
    } finally {
      await connections.setStatus(broken, 'paused', Date.now());
    }
  });
});
