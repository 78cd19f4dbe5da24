import { clientFactoryFor, RuntimeConfig } from '../../../functions/handlers/shared/runtime-config';
import { isConnectorError } from '../../../functions/shared/errors';
import { ConnectionStore } from '../../../functions/store/connections';
import { CUSTOM_FIELDS } from '../../../functions/sync/pipedrive-fields';
import { type FunctionEnvironment, startFunctionEnvironment } from '../../helpers/function-environment';

let env: FunctionEnvironment;
beforeAll(async () => {
  env = await startFunctionEnvironment();
});
afterAll(() => env.close());

describe('custom fields with two QuickBooks companies in one Pipedrive company (decision 36)', () => {
  it('are created once when two realms connect at the same moment, from two containers', async () => {
    const second = await env.connectRealm('Second Books Ltd');
    const config = RuntimeConfig.parse(process.env);
    // Two containers: each has its own factory, so nothing in memory serialises them.
    const containers = [clientFactoryFor(config), clientFactoryFor(config)];
    const connect = async (index: number, realmId: string) => (await containers[index]?.())?.forRealm(realmId);
    const outcomes = await Promise.allSettled([connect(0, env.realmId), connect(1, second)]);
    // The loser of the lease is told to come back (the queue retries it); its retry adopts the fields by name.
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === 'rejected') {
        expect(isConnectorError(outcome.reason) && outcome.reason.code).toBe('fields_pending');
        await connect(index, index === 0 ? env.realmId : second);
      }
    }
    const fields = env.pipedrive.store.customFields('organization');
    expect(fields.map((field) => field.field_name).sort()).toEqual(
      CUSTOM_FIELDS.map((definition) => definition.name).sort(),
    );
    const connections = new ConnectionStore(env.table);
    const [first, other] = await Promise.all([connections.get(env.realmId), connections.get(second)]);
    expect(Object.keys(first?.fieldKeys ?? {})).toHaveLength(CUSTOM_FIELDS.length);
    expect(other?.fieldKeys).toEqual(first?.fieldKeys);
  });
});
