import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ParkingStore } from '../../../functions/store/parking-store';
import { parkedKey } from '../../../functions/store/table-schema';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(client);
const TABLE = 'connector';

function parkedItem(n: number) {
  return {
    ...parkedKey('realm-1', `2026-12-02T00:00:0${String(n)}.000Z#m${String(n)}`, 'throttle'),
    message: {
      v: 1,
      kind: 'customer',
      realmId: 'realm-1',
      id: String(n),
      eventId: `e${String(n)}`,
      source: 'webhook',
      enqueuedAt: 1,
    },
    queue: 'changes',
  };
}

const deleteOf = (item: { pk: string; sk: string }) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } });

describe('releasing parked work', () => {
  beforeEach(() => {
    dynamo.reset();
  });

  it('sends the unprocessed deletes again and releases every message once they are done', async () => {
    const items = [1, 2, 3].map(parkedItem);
    dynamo.on(QueryCommand).resolves({ Items: items });
    dynamo
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [deleteOf(items[1] ?? parkedItem(0))] } })
      .resolves({});
    const sent: string[] = [];
    const count = await new ParkingStore({ client, name: TABLE }).releaseTo('realm-1', 'throttle', (page) => {
      sent.push(...page.map((entry) => entry.message.id));
      return Promise.resolve();
    });
    expect(sent).toEqual(['1', '2', '3']);
    expect(count).toBe(3);
    const writes = dynamo.commandCalls(BatchWriteCommand);
    expect(writes).toHaveLength(2);
    expect(writes[1]?.args[0].input.RequestItems?.[TABLE]).toEqual([deleteOf(items[1] ?? parkedItem(0))]);
  });

  it('deletes nothing when the send fails, so the next release sends the page again', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [1, 2].map(parkedItem) });
    dynamo.on(BatchWriteCommand).resolves({});
    await expect(
      new ParkingStore({ client, name: TABLE }).releaseTo('realm-1', 'throttle', () =>
        Promise.reject(new Error('SQS refused 2 message(s)')),
      ),
    ).rejects.toThrow('SQS refused');
    expect(dynamo.commandCalls(BatchWriteCommand)).toHaveLength(0);
  });

  it('sends the page before deleting it', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [1, 2].map(parkedItem) });
    dynamo.on(BatchWriteCommand).resolves({});
    const order: string[] = [];
    await new ParkingStore({ client, name: TABLE }).releaseTo('realm-1', 'budget', () => {
      order.push(`send (${String(dynamo.commandCalls(BatchWriteCommand).length)} deletes so far)`);
      return Promise.resolve();
    });
    expect(order).toEqual(['send (0 deletes so far)']);
    expect(dynamo.commandCalls(BatchWriteCommand)).toHaveLength(1);
  });
});
