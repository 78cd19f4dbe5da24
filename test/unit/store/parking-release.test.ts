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

describe('releasing parked work when DynamoDB leaves deletes unprocessed', () => {
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
    const released = await new ParkingStore({ client, name: TABLE }).releaseParked('realm-1', 'throttle');
    expect(released.map((entry) => entry.message.id)).toEqual(['1', '2', '3']);
    const writes = dynamo.commandCalls(BatchWriteCommand);
    expect(writes).toHaveLength(2);
    expect(writes[1]?.args[0].input.RequestItems?.[TABLE]).toEqual([deleteOf(items[1] ?? parkedItem(0))]);
  });

  it('keeps parked, and does not release, what stays unprocessed', async () => {
    const items = [1, 2].map(parkedItem);
    dynamo.on(QueryCommand).resolves({ Items: items });
    dynamo.on(BatchWriteCommand).resolves({ UnprocessedItems: { [TABLE]: [deleteOf(items[0] ?? parkedItem(0))] } });
    const released = await new ParkingStore({ client, name: TABLE }).releaseParked('realm-1', 'throttle');
    expect(released.map((entry) => entry.message.id)).toEqual(['2']);
    expect(dynamo.commandCalls(BatchWriteCommand).length).toBeGreaterThan(1);
  });
});
