import { SyncMessage } from '../../../functions/sync/sync-message';
import { type FunctionEnvironment, startFunctionEnvironment } from '../../helpers/function-environment';
import { lambdaContext, loadHandler } from '../../helpers/lambda-env';
import { control } from '../../helpers/quickbooks-sandbox';
import { localSqsClient, receiveAsLambdaEvent } from '../../helpers/sqs';

let env: FunctionEnvironment;
let handler: (event: unknown, context: unknown) => Promise<unknown>;
beforeAll(async () => {
  env = await startFunctionEnvironment();
  handler = loadHandler(require.resolve('../../../functions/handlers/backfill'));
});
afterAll(() => env.close());

type Result = { summary: { customers: number; linked: number; toCreate: number; enqueued: number }; csv: string };

describe('backfill Lambda', () => {
  it('answers a dry run with the match report as CSV, then queues the customers on the bulk queue', async () => {
    await control(env.qbo, 'POST', `/realms/${env.realmId}/customers`, {
      DisplayName: 'Keystone Plumbing',
      CompanyName: 'Keystone Plumbing',
    });
    env.pipedrive.control.seed({ organizations: [{ name: 'Keystone Plumbing Inc.' }] });
    const dry = (await handler({ realmId: env.realmId }, lambdaContext('backfill'))) as Result;
    expect(dry.summary).toMatchObject({ customers: 1, linked: 1, toCreate: 0, enqueued: 0 });
    expect(dry.csv.split('\n')[1]).toMatch(/^\d+,Keystone Plumbing,link,name,0\.9,\d+,Keystone Plumbing Inc\.,$/);
    const applied = (await handler({ realmId: env.realmId, dryRun: false }, lambdaContext('backfill'))) as Result;
    expect(applied.summary.enqueued).toBe(1);
    const queued = (await receiveAsLambdaEvent(localSqsClient(), env.bulkQueueUrl)).Records.map((r) =>
      SyncMessage.parse(JSON.parse(r.body)),
    );
    expect(queued.map((m) => m.source)).toEqual(['backfill']);
  });
});
