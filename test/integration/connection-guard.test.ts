import { ConnectionGuard } from '../../functions/connections/connection-guard';
import { ConnectionStore } from '../../functions/store/connections';
import { ParkingStore } from '../../functions/store/parking-store';
import type { Table } from '../../functions/store/table';
import type { QueuedMessage } from '../../functions/sync/sync-message';
import { createTestTable, localDocumentClient } from '../helpers/dynamodb';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** Connecting Pipedrive again resumes only what stopped for Pipedrive (decision 63). */
describe('ConnectionGuard.resumePipedrive against DynamoDB Local', () => {
  let table: Table;
  beforeAll(async () => {
    table = { client: localDocumentClient(), name: await createTestTable() };
  });

  async function stopped(realmId: string, status: 'needs_reauth' | 'paused', reason: string) {
    const connections = new ConnectionStore(table);
    await connections.create(realmId, 1_000);
    await connections.setStatus(realmId, status, 2_000, reason);
    await new ParkingStore(table).park(
      { v: 1, kind: 'customer', realmId, id: '7', source: 'webhook', eventId: `e-${realmId}`, enqueuedAt: 1_500 },
      `m-${realmId}`,
      2_000,
    );
    const sent: QueuedMessage[] = [];
    const guard = new ConnectionGuard(
      table,
      { send: (messages) => Promise.resolve(void sent.push(...messages)) },
      {},
      silent,
      () => 3_000,
    );
    return { guard, sent, connection: () => connections.get(realmId) };
  }

  it.each([
    ['needs_reauth', 'pipedrive: invalid_grant'],
    ['needs_reauth', 'pipedrive: the app was uninstalled in Pipedrive; install it again to reconnect'],
    ['paused', 'pipedrive: disconnected by the operator; `ml-connector connect pipedrive` connects it again'],
  ] as const)(
    'makes a connection %s for its Pipedrive side (%s) active and sends its parked work',
    async (status, reason) => {
      const realmId = `r-${status}-${reason.length}`;
      const { guard, sent, connection } = await stopped(realmId, status, reason);
      expect(await guard.resumePipedrive(realmId)).toBe(1);
      expect(await connection()).toMatchObject({ status: 'active' });
      expect(sent.map((message) => message.body.id)).toEqual(['7']);
    },
  );

  it('leaves a connection stopped for QuickBooks as it is', async () => {
    const { guard, connection } = await stopped('r-qbo', 'needs_reauth', 'quickbooks: invalid_grant');
    await guard.resumePipedrive('r-qbo');
    expect(await connection()).toMatchObject({ status: 'needs_reauth', statusReason: 'quickbooks: invalid_grant' });
  });
});
