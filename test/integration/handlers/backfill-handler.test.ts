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

type Row = { qboId: string; action: string; method: string; orgId?: number };

describe('backfill Lambda with a second QuickBooks company in the same Pipedrive company (decision 35)', () => {
  it("gives the second realm a dry run equal to its apply, and never links it to the first realm's organizations", async () => {
    const customer = async (realm: string, name: string) =>
      (
        (await control(env.qbo, 'POST', `/realms/${realm}/customers`, { DisplayName: name, CompanyName: name }))
          .body as { Customer: { Id: string } }
      ).Customer.Id;
    // The first realm's fields exist and are stored on its connection (its apply sets them up).
    await handler({ realmId: env.realmId, dryRun: false }, lambdaContext('backfill'));
    const second = await env.connectRealm('Second Books Ltd');
    const ids = [
      await customer(second, 'Harbor Freight Partners'),
      await customer(second, 'Keystone Roofing'),
      await customer(second, 'Orchard Bakery'),
      await customer(second, 'Lakeside Dental'),
    ];
    // The same ids as customers of the first realm: one written before decision 35 (bare, the first realm's).
    env.pipedrive.control.seed({
      organizations: [
        { name: 'Harbor Freight Partners', custom_fields: { 'QuickBooks ID': `${env.realmId}:${ids[0]}` } },
        { name: 'Orchard Bakery', custom_fields: { 'QuickBooks ID': ids[2] } },
        { name: 'Keystone Roofing Inc.' },
        { name: 'Lakeside Dental', custom_fields: { 'QuickBooks ID': `${second}:${ids[3]}` } },
      ],
    });
    const byId = (rows: Row[]) => rows.map((row) => [row.qboId, row.action, row.method, row.orgId]);
    const dry = (await handler({ realmId: second }, lambdaContext('backfill'))) as Result & { rows: Row[] };
    const applied = (await handler({ realmId: second, dryRun: false }, lambdaContext('backfill'))) as Result & {
      rows: Row[];
    };
    expect(byId(dry.rows)).toEqual(byId(applied.rows));
    expect(dry.summary).toMatchObject({ customers: 4, linked: 2, toCreate: 2 });
    const orgName = (id: number | undefined) =>
      [...env.pipedrive.store.organizations.values()].find((org) => org.id === id)?.name;
    const linked = applied.rows.filter((row) => row.action === 'link');
    expect(linked.map((row) => [row.qboId, row.method, orgName(row.orgId)])).toEqual([
      [ids[3], 'quickbooks-id', 'Lakeside Dental'],
      [ids[1], 'name', 'Keystone Roofing Inc.'],
    ]);
  });
});
