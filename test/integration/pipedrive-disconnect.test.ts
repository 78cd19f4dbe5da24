import { ConnectionGuard } from '../../functions/connections/connection-guard';
import { DISCONNECTED_REASON, disconnectPipedrive } from '../../functions/connections/pipedrive-disconnect';
import { ConnectionStore } from '../../functions/store/connections';
import type { Table } from '../../functions/store/table';
import { TokenStore } from '../../functions/store/token-store';
import { createTestTable, localDocumentClient } from '../helpers/dynamodb';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const cipher = { encrypt: (text: string) => Promise.resolve(text), decrypt: (text: string) => Promise.resolve(text) };

/** `ml-connector disconnect pipedrive` pauses what it stops, and nothing stopped for another reason (decision 63). */
describe('disconnectPipedrive against DynamoDB Local', () => {
  let table: Table;
  beforeAll(async () => {
    table = { client: localDocumentClient(), name: await createTestTable() };
  });

  async function connected(realmId: string) {
    const connections = new ConnectionStore(table);
    await connections.create(realmId, 1_000);
    await connections.setPipedrive(
      realmId,
      { companyId: 'c-1', apiDomain: 'https://acme.pipedrive.com', plan: 'growth', seats: 1, auth: 'api-token' },
      1_000,
    );
    const disconnect = () =>
      disconnectPipedrive(realmId, {
        connections,
        tokens: new TokenStore(table),
        cipher,
        removeWebhook: () => Promise.resolve(false),
        now: () => 2_000,
        log: silent,
      });
    return { connections, disconnect };
  }

  it('pauses an active connection with the reason that names `connect pipedrive`', async () => {
    const { connections, disconnect } = await connected('r-active');
    await disconnect();
    expect(await connections.get('r-active')).toMatchObject({ status: 'paused', statusReason: DISCONNECTED_REASON });
  });

  it('keeps a connection stopped for QuickBooks stopped for it, even once Pipedrive is connected again', async () => {
    const { connections, disconnect } = await connected('r-qbo');
    await connections.setStatus('r-qbo', 'needs_reauth', 1_500, 'quickbooks: invalid_grant');
    await disconnect();
    expect(await connections.get('r-qbo')).toMatchObject({
      status: 'needs_reauth',
      statusReason: 'quickbooks: invalid_grant',
    });
    // What `connect pipedrive` does after it stores the new credential.
    await new ConnectionGuard(table, { send: () => Promise.resolve() }, {}, silent, () => 3_000).resumePipedrive(
      'r-qbo',
    );
    expect(await connections.get('r-qbo')).toMatchObject({ status: 'needs_reauth' });
  });

  it('replaces a reason of its own Pipedrive side, which `connect pipedrive` resolves as well', async () => {
    const { connections, disconnect } = await connected('r-pd');
    await connections.setStatus('r-pd', 'needs_reauth', 1_500, 'pipedrive: invalid_grant');
    await disconnect();
    expect(await connections.get('r-pd')).toMatchObject({ status: 'paused', statusReason: DISCONNECTED_REASON });
  });
});
